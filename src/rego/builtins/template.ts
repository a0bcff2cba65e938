/**
 * internal.template_string: the runtime half of OPA 1.12's string
 * interpolation ($"…{expr}…"). The parser passes literal parts as strings and
 * each expression as the array of its values.
 */
import { BuiltinError } from '../errors.js';
import { stringifyJSON, type Value } from '../value.js';
import { arr } from './args.js';
import type { BuiltinDef } from './contract.js';

function render(part: Value): string {
  if (typeof part === 'string') return part;
  if (!Array.isArray(part)) return stringifyJSON(part);
  if (part.length === 0) return '<undefined>';
  if (part.length > 1) throw new BuiltinError('eval_builtin_error', 'template string: an expression produced more than one value');
  const v = part[0];
  return typeof v === 'string' ? v : stringifyJSON(v);
}

export const builtins: BuiltinDef[] = [
  {
    name: 'internal.template_string',
    args: ['array'],
    fn: (args) => arr('internal.template_string', args, 0).map(render).join(''),
  },
];
