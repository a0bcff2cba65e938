/**
 * The part of OPA's type checker that matters for builtin calls: literal
 * arguments of the wrong type are rejected at compile time (rego_type_error).
 */
import type { Term } from '../ast.js';
import type { ArgType, BuiltinDef } from '../builtins/index.js';
import { typeName } from '../value.js';

/** The type of a term when it is known without evaluating (a literal). */
function literalType(t: Term): string | undefined {
  switch (t.type) {
    case 'scalar': return t.value === null ? 'null' : typeof t.value === 'bigint' ? 'number' : typeName(t.value);
    case 'array':
    case 'arraycompr': return 'array';
    case 'set':
    case 'setcompr': return 'set';
    case 'object':
    case 'objectcompr': return 'object';
    default: return undefined;
  }
}

function accepts(decl: ArgType, type: string): boolean {
  const types: readonly string[] = typeof decl === 'string' ? [decl] : decl;
  return types.includes('any') || types.includes(type);
}

/** A description of the first mismatching literal argument, or undefined. */
export function checkBuiltinArgs(def: BuiltinDef, args: readonly Term[]): string | undefined {
  for (let i = 0; i < args.length && i < def.args.length; i++) {
    const type = literalType(args[i]);
    if (type !== undefined && !accepts(def.args[i], type)) {
      const want = typeof def.args[i] === 'string' ? def.args[i] : (def.args[i] as readonly string[]).join(' or ');
      return `invalid argument(s): operand ${i + 1} must be ${want} but got ${type}`;
    }
  }
  return undefined;
}
