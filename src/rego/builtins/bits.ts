/**
 * Bitwise operations on integers of any size (two's complement semantics,
 * as Go's big.Int gives them).
 */
import { BuiltinError } from '../errors.js';
import { isInteger, normalizeBig, type Value } from '../value.js';
import { exactInteger } from './numbers.js';
import { builtinError, typeError } from './args.js';
import type { BuiltinDef } from './contract.js';

/** OPA reads these operands as big integers; its wording for non-numbers says "integer". */
function integer(fn: string, args: Value[], i: number): bigint {
  const v = args[i];
  if (typeof v !== 'number' && typeof v !== 'bigint') throw typeError(fn, i, 'integer', v);
  if (!isInteger(v)) throw new BuiltinError('eval_type_error', `${fn}: operand ${i + 1} must be integer number but got floating-point number`);
  return exactInteger(v);
}

/** A shift count: a non-negative integer. */
function shift(fn: string, args: Value[]): bigint {
  const n = integer(fn, args, 1);
  if (n < 0n) throw new BuiltinError('eval_type_error', `${fn}: operand 2 must be an unsigned integer number but got a negative integer`);
  return n;
}

/** Beyond this a left shift would exhaust memory (OPA would run out too). */
const MAX_LEFT_SHIFT = 1n << 24n;

function leftShift(args: Value[]): Value {
  const x = integer('bits.lsh', args, 0);
  const n = shift('bits.lsh', args);
  if (x === 0n) return 0;
  if (n > MAX_LEFT_SHIFT) throw builtinError('bits.lsh', 'shift amount too large');
  return normalizeBig(x << n);
}

function rightShift(args: Value[]): Value {
  const x = integer('bits.rsh', args, 0);
  const n = shift('bits.rsh', args);
  // Every bit is shifted out: only the sign remains.
  if (n > 1n << 32n) return x < 0n ? -1 : 0;
  return normalizeBig(x >> n);
}

function binary(name: string, op: (x: bigint, y: bigint) => bigint): BuiltinDef {
  return { name, args: ['number', 'number'], fn: (args) => normalizeBig(op(integer(name, args, 0), integer(name, args, 1))) };
}

export const builtins: BuiltinDef[] = [
  binary('bits.and', (x, y) => x & y),
  binary('bits.or', (x, y) => x | y),
  binary('bits.xor', (x, y) => x ^ y),
  { name: 'bits.negate', args: ['number'], fn: (args) => normalizeBig(~integer('bits.negate', args, 0)) },
  { name: 'bits.lsh', args: ['number', 'number'], fn: leftShift },
  { name: 'bits.rsh', args: ['number', 'number'], fn: rightShift },
];
