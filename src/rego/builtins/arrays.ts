/** array.concat, array.slice and array.reverse. */
import { type Value } from '../value.js';
import { arr, int } from './args.js';
import type { BuiltinDef } from './contract.js';

/** OPA clamps both indexes into the array and never errors on range. */
function slice(args: Value[]): Value {
  const a = arr('array.slice', args, 0);
  let start = int('array.slice', args, 1);
  let stop = int('array.slice', args, 2);
  stop = Math.min(Math.max(stop, 0), a.length);
  start = Math.min(Math.max(start, 0), stop);
  return a.slice(start, stop);
}

export const builtins: BuiltinDef[] = [
  {
    name: 'array.concat',
    args: ['array', 'array'],
    fn: (args) => [...arr('array.concat', args, 0), ...arr('array.concat', args, 1)],
  },
  { name: 'array.slice', args: ['array', 'number', 'number'], fn: slice },
  { name: 'array.reverse', args: ['array'], fn: (args) => [...arr('array.reverse', args, 0)].reverse() },
];
