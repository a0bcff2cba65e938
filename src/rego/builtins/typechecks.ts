/** Type predicates (is_number …) and type_name. */
import { typeName, type Value } from '../value.js';
import type { BuiltinDef } from './contract.js';

/**
 * OPA's is_* return true for a match and false otherwise (never undefined), so
 * `not is_string(x)` and `is_string(x) == false` both work.
 */
function predicate(name: string, type: string): BuiltinDef {
  return { name, args: ['any'], fn: (args: Value[]) => typeName(args[0]) === type };
}

export const builtins: BuiltinDef[] = [
  predicate('is_number', 'number'),
  predicate('is_string', 'string'),
  predicate('is_boolean', 'boolean'),
  predicate('is_array', 'array'),
  predicate('is_set', 'set'),
  predicate('is_object', 'object'),
  predicate('is_null', 'null'),
  { name: 'type_name', args: ['any'], fn: (args) => typeName(args[0]) },
];
