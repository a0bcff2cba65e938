/**
 * Arithmetic: plus, minus, mul, div, rem, abs, round, ceil, floor,
 * numbers.range(_step) and rand.intn.
 *
 * Integers stay exact at any size (bigint beyond ±2^53, see value.ts); any
 * non-integer operand makes the operation a float one, as OPA falls back from
 * big.Int to big.Float.
 */
import { randomInt } from 'node:crypto';
import { BuiltinError, EvalError } from '../errors.js';
import { isInteger, normalizeBig, RSet, stringifyJSON, toBigInt, type Value } from '../value.js';
import { builtinError, int, num, str, typeError } from './args.js';
import type { BuiltinContext, BuiltinDef } from './contract.js';

export type Num = number | bigint;

/** Drops the sign of an integer zero (integer arithmetic has no -0). */
function noNegZero(n: number): number {
  return n === 0 ? 0 : n;
}

// ---------------------------------------------------------------------------
// Non-integer arithmetic
//
// OPA computes on the numbers' decimal text with 64-bit-mantissa big.Floats and
// prints the shortest decimal at that precision, so 0.1 + 0.2 is 0.3 there, not
// the double 0.30000000000000004. Computing exactly on the operands' shortest
// decimal forms and rounding once to a double gives the same results.

/** A decimal `digits × 10^-scale`. */
interface Decimal { digits: bigint; scale: number }

function toDecimal(n: Num): Decimal {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(n));
  if (!m) throw new RangeError(`not a finite number: ${String(n)}`);
  const [, sign, whole, frac = '', exp = '0'] = m;
  return { digits: BigInt(sign + whole + frac), scale: frac.length - Number(exp) };
}

function fromDecimal(digits: bigint, scale: number): number {
  return Number(`${digits}e${-scale}`);
}

/** Rewrites both decimals over a common scale. */
function aligned(x: Decimal, y: Decimal): [bigint, bigint, number] {
  const scale = Math.max(x.scale, y.scale);
  return [x.digits * 10n ** BigInt(scale - x.scale), y.digits * 10n ** BigInt(scale - y.scale), scale];
}

type FloatOp = (a: Num, b: Num) => number;

const decimalAdd: FloatOp = (a, b) => { const [x, y, s] = aligned(toDecimal(a), toDecimal(b)); return fromDecimal(x + y, s); };
const decimalSub: FloatOp = (a, b) => { const [x, y, s] = aligned(toDecimal(a), toDecimal(b)); return fromDecimal(x - y, s); };
const decimalMul: FloatOp = (a, b) => {
  const x = toDecimal(a); const y = toDecimal(b);
  return fromDecimal(x.digits * y.digits, x.scale + y.scale);
};

/** Quotient to 25+ significant digits, then rounded once to a double. */
const decimalDiv: FloatOp = (a, b) => {
  const [x, y] = aligned(toDecimal(a), toDecimal(b));
  const digitsOf = (v: bigint) => (v < 0n ? -v : v).toString().length;
  const extra = Math.max(0, 25 + digitsOf(y) - digitsOf(x));
  const q = (x * 10n ** BigInt(extra)) / y;
  // Keep the sign of a zero quotient (OPA's 0 / -1 is -0).
  return q === 0n ? Number(a) / Number(b) : fromDecimal(q, extra);
};

/** Falls back to plain doubles where decimal text does not exist (±Infinity, NaN). */
function float(op: FloatOp, js: (x: number, y: number) => number): FloatOp {
  return (a, b) => {
    const x = Number(a); const y = Number(b);
    return Number.isFinite(x) && Number.isFinite(y) ? op(a, b) : js(x, y);
  };
}

/**
 * The integer a number denotes. A double beyond 2^53 stands for its shortest
 * decimal text (1e300 is 10^300, as OPA reads the literal), not its binary value.
 */
export function exactInteger(n: Num): bigint {
  if (typeof n === 'bigint' || Number.isSafeInteger(n)) return toBigInt(n);
  const d = toDecimal(n);
  return d.scale <= 0 ? d.digits * 10n ** BigInt(-d.scale) : toBigInt(n);
}

// ---------------------------------------------------------------------------
// Operations

/**
 * Runs `intOp` exactly when both operands are integers, else `floatOp`.
 * Safe-integer operands with a safe result skip the bigint detour.
 */
function arith(a: Num, b: Num, intOp: (x: bigint, y: bigint) => bigint, floatOp: FloatOp, js: (x: number, y: number) => number): Num {
  if (!isInteger(a) || !isInteger(b)) return float(floatOp, js)(a, b);
  if (typeof a === 'number' && typeof b === 'number') {
    const r = js(a, b);
    // For + - *, a safe result from safe operands is exact.
    if (Number.isSafeInteger(a) && Number.isSafeInteger(b) && Number.isSafeInteger(r)) return noNegZero(r);
  }
  return normalizeBig(intOp(exactInteger(a), exactInteger(b)));
}

export function add(a: Num, b: Num): Num {
  return arith(a, b, (x, y) => x + y, decimalAdd, (x, y) => x + y);
}

export function subtract(a: Num, b: Num): Num {
  return arith(a, b, (x, y) => x - y, decimalSub, (x, y) => x - y);
}

export function multiply(a: Num, b: Num): Num {
  return arith(a, b, (x, y) => x * y, decimalMul, (x, y) => x * y);
}

/** OPA's division: exact when both are integers and the divisor divides; a float quotient otherwise. */
export function divide(a: Num, b: Num): Num {
  if (isInteger(a) && isInteger(b)) {
    if (typeof a === 'number' && typeof b === 'number' && Number.isSafeInteger(a) && Number.isSafeInteger(b)) {
      if (b === 0) throw builtinError('div', 'divide by zero');
      // A zero dividend takes the float path, as in OPA (its quotient may be -0).
      if (a !== 0 && a % b === 0) return a / b;
    } else {
      const x = exactInteger(a); const y = exactInteger(b);
      if (y === 0n) throw builtinError('div', 'divide by zero');
      if (x !== 0n && x % y === 0n) return normalizeBig(x / y);
    }
  }
  if (Number(b) === 0) throw builtinError('div', 'divide by zero');
  return float(decimalDiv, (x, y) => x / y)(a, b);
}

/** Truncated remainder; only defined on integers. */
export function remainder(a: Num, b: Num): Num {
  if (!isInteger(a) || !isInteger(b)) throw builtinError('rem', 'modulo on floating-point number');
  if (typeof a === 'number' && typeof b === 'number' && Number.isSafeInteger(a) && Number.isSafeInteger(b)) {
    if (b === 0) throw builtinError('rem', 'modulo by zero');
    return noNegZero(a % b);
  }
  const y = exactInteger(b);
  if (y === 0n) throw builtinError('rem', 'modulo by zero');
  return normalizeBig(exactInteger(a) % y);
}

function abs(n: Num): Num {
  if (typeof n === 'bigint') return n < 0n ? -n : n;
  return Math.abs(n);
}

/** Round half away from zero, as OPA does (not JS's half-up `Math.round`). */
function round(n: Num): Num {
  if (typeof n === 'bigint' || Number.isInteger(n)) return n;
  const t = Math.trunc(n);
  // n - t is exact for doubles, so no double rounding at .49999…
  return noNegZero(Math.abs(n - t) >= 0.5 ? t + Math.sign(n) : t);
}

function ceil(n: Num): Num {
  return typeof n === 'bigint' ? n : noNegZero(Math.ceil(n));
}

function floor(n: Num): Num {
  return typeof n === 'bigint' ? n : noNegZero(Math.floor(n));
}

function binary(name: string, op: (a: Num, b: Num) => Num): BuiltinDef {
  return { name, args: ['number', 'number'], fn: (args) => op(num(name, args, 0), num(name, args, 1)) };
}

function unary(name: string, op: (a: Num) => Num): BuiltinDef {
  return { name, args: ['number'], fn: (args) => op(num(name, args, 0)) };
}

/** `-`: numbers, or set difference; OPA's operand errors for mixed kinds. */
function minus(args: Value[]): Value {
  const [a, b] = args;
  const an = typeof a === 'number' || typeof a === 'bigint';
  const bn = typeof b === 'number' || typeof b === 'bigint';
  if (an && bn) return subtract(a, b);
  if (a instanceof RSet && b instanceof RSet) return setDifference(a, b);
  if (!an && !(a instanceof RSet)) throw typeError('minus', 0, 'one of {number, set}', a);
  throw typeError('minus', 1, bn ? 'set' : 'number', b);
}

export function setDifference(a: RSet, b: RSet): RSet {
  const out = new RSet();
  for (const v of a) if (!b.has(v)) out.add(v);
  return out;
}

/** An integer operand as OPA's BigIntOperand reads it (its wording for non-numbers says "integer"). */
function bigIntOperand(fn: string, args: Value[], i: number): bigint {
  const v = args[i];
  if (typeof v !== 'number' && typeof v !== 'bigint') throw typeError(fn, i, 'integer', v);
  if (!isInteger(v)) throw new BuiltinError('eval_type_error', `${fn}: operand ${i + 1} must be integer number but got floating-point number`);
  return exactInteger(v);
}

/** Inclusive range from `from` to `to`, counting down when `from > to`. */
function range(name: string, from: bigint, to: bigint, step: bigint, limit: number): Value[] {
  // Checked before allocating: numbers.range(1, 1e9) must be a clear error, not an out-of-memory crash.
  const count = (from <= to ? to - from : from - to) / step + 1n;
  if (count > BigInt(limit)) {
    throw new EvalError('eval_limit_error', `${name}: the range has ${count} numbers, more than the limit of ${limit} members`);
  }
  const out: Value[] = [];
  if (from <= to) for (let i = from; i <= to; i += step) out.push(normalizeBig(i));
  else for (let i = from; i >= to; i -= step) out.push(normalizeBig(i));
  return out;
}

function numbersRange(args: Value[], ctx: BuiltinContext): Value {
  return range('numbers.range', bigIntOperand('numbers.range', args, 0), bigIntOperand('numbers.range', args, 1), 1n, ctx.maxCollectionSize);
}

function numbersRangeStep(args: Value[], ctx: BuiltinContext): Value {
  const name = 'numbers.range_step';
  const from = bigIntOperand(name, args, 0);
  const to = bigIntOperand(name, args, 1);
  const step = bigIntOperand(name, args, 2);
  // OPA's message repeats the name (its error text already carries it).
  if (step <= 0n) throw builtinError(name, `${name}: step must be a positive integer`);
  return range(name, from, to, step, ctx.maxCollectionSize);
}

/** rand.intn: same (string, n) within a query gives the same number. */
function randIntn(args: Value[], cache: Map<string, Value>): Value {
  const seed = str('rand.intn', args, 0);
  const n = Math.abs(int('rand.intn', args, 1));
  if (n === 0) return 0;
  const key = 'rand.intn:' + stringifyJSON([seed, n]);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  // crypto.randomInt takes ranges below 2^48; beyond that Math.random is good enough.
  const r = n < 2 ** 48 ? randomInt(n) : Math.floor(Math.random() * n);
  cache.set(key, r);
  return r;
}

export const builtins: BuiltinDef[] = [
  binary('plus', add),
  { name: 'minus', args: [['number', 'set'], ['number', 'set']], fn: minus },
  binary('mul', multiply),
  binary('div', divide),
  binary('rem', remainder),
  unary('abs', abs),
  unary('round', round),
  unary('ceil', ceil),
  unary('floor', floor),
  { name: 'numbers.range', args: ['number', 'number'], fn: numbersRange },
  { name: 'numbers.range_step', args: ['number', 'number', 'number'], fn: numbersRangeStep },
  { name: 'rand.intn', args: ['string', 'number'], fn: (args, ctx) => randIntn(args, ctx.cache), nondeterministic: true },
];
