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

function describe(decl: ArgType): string {
  return typeof decl === 'string' ? decl : decl.join(' or ');
}

/** A description of the first mismatching literal argument, or undefined. */
export function checkBuiltinArgs(def: BuiltinDef, args: readonly Term[]): string | undefined {
  for (let i = 0; i < args.length && i < def.args.length; i++) {
    const arg = args[i];
    const type = literalType(arg);
    if (type !== undefined && !accepts(def.args[i], type)) {
      return `invalid argument(s): operand ${i + 1} must be ${describe(def.args[i])} but got ${type}`;
    }
    const tuple = def.tuples?.[i];
    if (tuple && arg.type === 'array') {
      if (arg.items.length > tuple.length) {
        return `invalid argument(s): operand ${i + 1} must be an array of at most ${tuple.length} elements but has ${arg.items.length}`;
      }
      for (let j = 0; j < arg.items.length; j++) {
        const element = literalType(arg.items[j]);
        if (element !== undefined && !accepts(tuple[j], element)) {
          return `invalid argument(s): element ${j + 1} of operand ${i + 1} must be ${describe(tuple[j])} but got ${element}`;
        }
      }
    }
  }
  return undefined;
}
