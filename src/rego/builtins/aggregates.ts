/**
 * Aggregates over collections: count, sum, product, max, min, sort, and the
 * v0-only deprecated all/any.
 */
import { BuiltinError } from '../errors.js';
import { compare, RObject, RSet, typeName, type Value } from '../value.js';
import { typeError } from './args.js';
import type { BuiltinDef } from './contract.js';
import { add, multiply, type Num } from './numbers.js';

/** Members of an array or set, with OPA's "one of {set, array}" wording otherwise. */
function members(fn: string, v: Value, expected = 'one of {set, array}'): readonly Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return v.values();
  throw typeError(fn, 0, expected, v);
}

function count(args: Value[]): Value {
  const v = args[0];
  if (typeof v === 'string') {
    // Code points, not UTF-16 units (OPA counts runes).
    let n = 0;
    for (const _ of v) n++;
    return n;
  }
  if (Array.isArray(v)) return v.length;
  if (v instanceof RSet || v instanceof RObject) return v.size;
  throw typeError('count', 0, 'one of {array, object, set, string}', v);
}

/** Folds the numbers of an array or set; OPA's element error names the collection kind. */
function fold(fn: string, args: Value[], init: Num, op: (a: Num, b: Num) => Num): Value {
  const v = args[0];
  let acc = init;
  for (const x of members(fn, v)) {
    if (typeof x !== 'number' && typeof x !== 'bigint') {
      const kind = typeName(v);
      throw new BuiltinError('eval_type_error', `${fn}: operand 1 must be ${kind} of numbers but got ${kind} containing ${typeName(x)}`);
    }
    acc = op(acc, x);
  }
  return acc;
}

function extreme(fn: string, args: Value[], better: (c: number) => boolean): Value | undefined {
  const xs = members(fn, args[0]);
  if (xs.length === 0) return undefined;
  let best = xs[0];
  for (let i = 1; i < xs.length; i++) if (better(compare(xs[i], best))) best = xs[i];
  return best;
}

function sort(args: Value[]): Value {
  const v = args[0];
  if (v instanceof RSet) return [...v.values()];
  return [...members('sort', v)].sort(compare);
}

export const builtins: BuiltinDef[] = [
  { name: 'count', args: [['array', 'object', 'set', 'string']], fn: count },
  { name: 'sum', args: [['array', 'set']], fn: (args) => fold('sum', args, 0, add) },
  { name: 'product', args: [['array', 'set']], fn: (args) => fold('product', args, 1, multiply) },
  { name: 'max', args: [['array', 'set']], fn: (args) => extreme('max', args, (c) => c > 0) },
  { name: 'min', args: [['array', 'set']], fn: (args) => extreme('min', args, (c) => c < 0) },
  { name: 'sort', args: [['array', 'set']], fn: sort },
  {
    name: 'all',
    args: [['array', 'set']],
    fn: (args) => members('all', args[0], 'one of {array, set}').every((x) => x === true),
    deprecated: true,
  },
  {
    name: 'any',
    args: [['array', 'set']],
    fn: (args) => members('any', args[0], 'one of {array, set}').some((x) => x === true),
    deprecated: true,
  },
];
