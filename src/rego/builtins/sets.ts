/** Set operators `&` (and), `|` (or) and the n-ary intersection/union of a set of sets. */
import { RSet, type Value } from '../value.js';
import { set, typeError } from './args.js';
import type { BuiltinDef } from './contract.js';

function intersect(a: RSet, b: RSet): RSet {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  const out = new RSet();
  for (const v of small) if (large.has(v)) out.add(v);
  return out;
}

/** Members of the argument, each of which must itself be a set (OPA reports these as operand 1). */
function setOfSets(fn: string, args: Value[]): RSet[] {
  return set(fn, args, 0).values().map((v) => {
    if (!(v instanceof RSet)) throw typeError(fn, 0, 'set', v);
    return v;
  });
}

function intersection(args: Value[]): Value {
  const sets = setOfSets('intersection', args);
  if (sets.length === 0) return new RSet();
  return sets.reduce(intersect);
}

function union(args: Value[]): Value {
  const out = new RSet();
  for (const s of setOfSets('union', args)) for (const v of s) out.add(v);
  return out;
}

export const builtins: BuiltinDef[] = [
  { name: 'and', args: ['set', 'set'], fn: (args) => intersect(set('and', args, 0), set('and', args, 1)) },
  {
    name: 'or',
    args: ['set', 'set'],
    fn: (args) => {
      const a = set('or', args, 0); const b = set('or', args, 1);
      return new RSet([...a.values(), ...b.values()]);
    },
  },
  { name: 'intersection', args: ['set'], fn: intersection },
  { name: 'union', args: ['set'], fn: union },
];
