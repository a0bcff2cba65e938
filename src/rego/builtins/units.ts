/**
 * units.parse and units.parse_bytes (OPA's topdown/parse_units.go and
 * parse_bytes.go). Amounts are computed exactly, then rounded the way OPA's
 * big.Rat / big.Float arithmetic rounds them, so results match to the digit.
 */
import { BuiltinError } from '../errors.js';
import { normalizeBig, type Value } from '../value.js';
import type { BuiltinDef } from './contract.js';
import { str } from './args.js';

const fail = (message: string): BuiltinError => new BuiltinError('eval_builtin_error', message);

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const MAX_EXPONENT_DIGITS = 6;

/**
 * Splits "10.5e3Ki" into the amount "10.5e3" and the unit "Ki", as OPA's
 * extractNumAndUnit does; undefined when the exponent has too many digits.
 */
function splitAmount(s: string): { amount: string; unit: string } | undefined {
  let first = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (!isDigit(c) && c !== '.' && c !== 'e' && c !== 'E' && c !== '+' && c !== '-') { first = i; break; }
    if (c === 'e' || c === 'E') {
      const n = s[i + 1];
      if (i === s.length - 1 || (!isDigit(n) && n !== '+' && n !== '-')) { first = i; break; }
      if (n === '+' || n === '-') i++;
      let end = i + 1;
      while (isDigit(s[end])) end++;
      if (end - (i + 1) > MAX_EXPONENT_DIGITS) return undefined;
    }
  }
  if (first === -1) return { amount: s, unit: '' };
  if (first === 0) return { amount: '', unit: s };
  return { amount: s.slice(0, first), unit: s.slice(first) };
}

/** An exact rational n/d (d > 0). */
interface Rat { n: bigint; d: bigint }

/** Parses a decimal amount the way Go's big.Rat/big.Float SetString accept it. */
function parseDecimal(text: string): Rat | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const digits = BigInt((m[2] || '0') + (m[3] ?? ''));
  const exp = Number(m[4] ?? 0) - (m[3] ?? '').length;
  const sign = m[1] === '-' ? -1n : 1n;
  return exp >= 0 ? { n: sign * digits * 10n ** BigInt(exp), d: 1n } : { n: sign * digits, d: 10n ** BigInt(-exp) };
}

/** The exact value of a double as a rational. */
function ratOfDouble(x: number): Rat {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const e = Number((bits >> 52n) & 0x7ffn);
  const mant = (bits & ((1n << 52n) - 1n)) | (e === 0 ? 0n : 1n << 52n);
  const exp = (e === 0 ? -1022 : e - 1023) - 52;
  return exp >= 0 ? { n: mant << BigInt(exp), d: 1n } : { n: mant, d: 1n << BigInt(-exp) };
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/** Go's Rat.FloatString(10): ten decimals, halves rounded away from zero. */
function floatString10(r: Rat): string {
  const scaled = abs(r.n) * 10n ** 10n;
  let q = scaled / r.d;
  if ((scaled % r.d) * 2n >= r.d) q++;
  const digits = q.toString().padStart(11, '0');
  return (r.n < 0n && q !== 0n ? '-' : '') + digits.slice(0, -10) + '.' + digits.slice(-10);
}

/** Rounds |n/d| to a 64-bit mantissa (nearest even), as big.Float with precision 64 does. */
function roundTo64Bits(r: Rat): { mant: bigint; exp: number } {
  const n = abs(r.n);
  if (n === 0n) return { mant: 0n, exp: 0 };
  // Choose exp so that 2^63 <= n / d / 2^exp < 2^64.
  let exp = n.toString(2).length - r.d.toString(2).length - 64;
  const scaledQuotient = (e: number): [bigint, bigint] => {
    const num = e >= 0 ? n : n << BigInt(-e);
    const den = e >= 0 ? r.d << BigInt(e) : r.d;
    return [num / den, num % den];
  };
  let [q, rem] = scaledQuotient(exp);
  while (q >= 1n << 64n) [q, rem] = scaledQuotient(++exp);
  while (q < 1n << 63n) [q, rem] = scaledQuotient(--exp);
  const den = exp >= 0 ? r.d << BigInt(exp) : r.d;
  if (rem * 2n > den || (rem * 2n === den && (q & 1n) === 1n)) q++;
  return { mant: q, exp };
}

function parseUnits(fn: string, raw: string): Value {
  const s = raw.replaceAll('"', '');
  if (s.includes(' ')) throw fail(`${fn}: spaces not allowed in resource strings`);
  const parts = splitAmount(s);
  if (!parts) throw fail(`${fn}: exponent too large`);
  if (parts.amount === '') throw fail(`${fn}: no amount provided`);
  // Only the letters after the first are lower-cased, so that m (milli) and M (mega) differ.
  const unit = parts.unit.length > 1 ? parts.unit[0] + parts.unit.slice(1).toLowerCase() : parts.unit;
  let factor: Rat;
  if (unit === 'm') factor = ratOfDouble(0.001); // OPA multiplies by the float64 0.001
  else {
    const f = Object.prototype.hasOwnProperty.call(UNIT_FACTORS, unit) ? UNIT_FACTORS[unit] : undefined;
    if (f === undefined) throw fail(`${fn}: unit ${unit} not recognized`);
    factor = { n: f, d: 1n };
  }
  const amount = parseDecimal(parts.amount);
  if (!amount) throw fail(`${fn}: could not parse amount to a number`);
  const r: Rat = { n: amount.n * factor.n, d: amount.d * factor.d };
  if (r.n % r.d === 0n) return normalizeBig(r.n / r.d);
  return Number(floatString10(r));
}

const K = 1000n;
const KI = 1024n;
const UNIT_FACTORS: Record<string, bigint> = {
  '': 1n,
  k: K, K: K, ki: KI, Ki: KI,
  M: K ** 2n, mi: KI ** 2n, Mi: KI ** 2n,
  g: K ** 3n, G: K ** 3n, gi: KI ** 3n, Gi: KI ** 3n,
  t: K ** 4n, T: K ** 4n, ti: KI ** 4n, Ti: KI ** 4n,
  p: K ** 5n, P: K ** 5n, pi: KI ** 5n, Pi: KI ** 5n,
  e: K ** 6n, E: K ** 6n, ei: KI ** 6n, Ei: KI ** 6n,
};

const BYTE_FACTORS: Record<string, bigint> = {
  '': 1n,
  kb: K, k: K, kib: KI, ki: KI,
  mb: K ** 2n, m: K ** 2n, mib: KI ** 2n, mi: KI ** 2n,
  gb: K ** 3n, g: K ** 3n, gib: KI ** 3n, gi: KI ** 3n,
  tb: K ** 4n, t: K ** 4n, tib: KI ** 4n, ti: KI ** 4n,
  pb: K ** 5n, p: K ** 5n, pib: KI ** 5n, pi: KI ** 5n,
  eb: K ** 6n, e: K ** 6n, eib: KI ** 6n, ei: KI ** 6n,
};

function parseBytes(fn: string, raw: string): Value {
  const s = raw.toLowerCase().replaceAll('"', '');
  if (s.includes(' ')) throw fail(`${fn}: spaces not allowed in resource strings`);
  const parts = splitAmount(s);
  if (!parts) throw fail(`${fn}: exponent too large`);
  if (parts.amount === '') throw fail(`${fn}: no byte amount provided`);
  const factor = Object.prototype.hasOwnProperty.call(BYTE_FACTORS, parts.unit) ? BYTE_FACTORS[parts.unit] : undefined;
  if (factor === undefined) throw fail(`${fn}: byte unit ${parts.unit} not recognized`);
  const amount = parseDecimal(parts.amount);
  if (!amount) throw fail(`${fn}: could not parse byte amount to a number`);
  // big.Float (64-bit mantissa): round the amount, multiply and round again, then truncate.
  const x = roundTo64Bits(amount);
  const p = roundTo64Bits(x.exp >= 0 ? { n: (x.mant << BigInt(x.exp)) * factor, d: 1n } : { n: x.mant * factor, d: 1n << BigInt(-x.exp) });
  const magnitude = p.exp >= 0 ? p.mant << BigInt(p.exp) : p.mant >> BigInt(-p.exp);
  return normalizeBig(amount.n < 0n ? -magnitude : magnitude);
}

export const builtins: BuiltinDef[] = [
  { name: 'units.parse', args: ['string'], fn: (args) => parseUnits('units.parse', str('units.parse', args, 0)) },
  { name: 'units.parse_bytes', args: ['string'], fn: (args) => parseBytes('units.parse_bytes', str('units.parse_bytes', args, 0)) },
];
