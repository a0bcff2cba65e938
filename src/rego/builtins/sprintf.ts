/**
 * sprintf: Go's fmt.Sprintf applied to Rego values the way OPA passes them.
 *
 * OPA converts each array element before formatting: integers that fit int64
 * become Go `int`, larger integers `*big.Int`, other numbers `float64`, strings
 * `string`, and every other value (booleans, null, composites) the *string* of
 * its Rego text. So `%v`/`%s` print a boolean as `true`, while `%t` on it is a
 * bad verb (`%!t(string=true)`), exactly as in OPA.
 */
import { formatNumber, RObject, type Value } from '../value.js';
import type { BuiltinDef } from './contract.js';
import { arr, str } from './args.js';

// ---------------------------------------------------------------------------
// Rego text (OPA's Term.String()), used for composite arguments.

/** Go's strconv.Quote (or QuoteToASCII when `ascii`). */
export function goQuote(s: string, ascii = false): string {
  let out = '"';
  for (const ch of s) out += ch === '"' ? '\\"' : escapeRune(ch, ascii);
  return out + '"';
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

function escapeRune(ch: string, ascii: boolean): string {
  const cp = ch.codePointAt(0)!;
  if (ch === '\\') return '\\\\';
  if (cp >= 0x20 && cp < 0x7f) return ch;
  if (cp >= 0x80 && !ascii && PRINTABLE.test(ch)) return ch;
  switch (ch) {
    case '\x07': return '\\a';
    case '\b': return '\\b';
    case '\f': return '\\f';
    case '\n': return '\\n';
    case '\r': return '\\r';
    case '\t': return '\\t';
    case '\v': return '\\v';
  }
  if (cp < 0x20 || cp === 0x7f) return '\\x' + hex(cp, 2);
  if (cp >= 0xd800 && cp < 0xe000) return '\\ufffd'; // a lone surrogate is not valid UTF-8
  return cp < 0x10000 ? '\\u' + hex(cp, 4) : '\\U' + hex(cp, 8);
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/** A value as OPA prints it in policy syntax: `{"a": [1, true]}`, `set()`. */
export function regoText(v: Value): string {
  switch (typeof v) {
    case 'string': return goQuote(v);
    case 'number':
    case 'bigint': return formatNumber(v);
    case 'boolean': return v ? 'true' : 'false';
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[' + v.map(regoText).join(', ') + ']';
  if (v instanceof RObject) return '{' + v.entries().map(([k, x]) => regoText(k) + ': ' + regoText(x)).join(', ') + '}';
  return v.size === 0 ? 'set()' : '{' + v.values().map(regoText).join(', ') + '}';
}

// ---------------------------------------------------------------------------
// Arguments as Go sees them.

type Arg =
  | { kind: 'int'; v: bigint } //     Go int (int64)
  | { kind: 'big'; v: bigint } //     *big.Int
  | { kind: 'float'; v: number } //   float64
  | { kind: 'string'; v: string };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function toArg(v: Value): Arg {
  if (typeof v === 'string') return { kind: 'string', v };
  // Exact big integers are bigints (the value model's invariant); an integral
  // `number` beyond 2^53 came from a float, which OPA formats as float64.
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v))) {
    const b = BigInt(v);
    return { kind: b >= INT64_MIN && b <= INT64_MAX ? 'int' : 'big', v: b };
  }
  if (typeof v === 'number') return { kind: 'float', v };
  return { kind: 'string', v: regoText(v) };
}

const GO_TYPE = { int: 'int', big: '*big.Int', float: 'float64', string: 'string' } as const;

// ---------------------------------------------------------------------------
// The formatter state for one directive (Go's fmt.fmt flags).

interface Flags {
  plus: boolean; minus: boolean; sharp: boolean; space: boolean; zero: boolean;
  plusV: boolean; sharpV: boolean;
  wid: number; widPresent: boolean;
  prec: number; precPresent: boolean;
}

const newFlags = (): Flags => ({
  plus: false, minus: false, sharp: false, space: false, zero: false, plusV: false, sharpV: false,
  wid: 0, widPresent: false, prec: 0, precPresent: false,
});

const runeCount = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** Pads to the width (in runes): spaces, or zeros with the 0 flag; left unless `-`. */
function pad(f: Flags, s: string, zero = f.zero): string {
  if (!f.widPresent || f.wid === 0) return s;
  const n = f.wid - runeCount(s);
  if (n <= 0) return s;
  return f.minus ? s + ' '.repeat(n) : (zero ? '0' : ' ').repeat(n) + s;
}

// ---------------------------------------------------------------------------
// Integers

function fmtInteger(f: Flags, v: bigint, base: number, verb: string, upper: boolean): string {
  const negative = v < 0n;
  const u = negative ? -v : v;
  let prec = 0;
  if (f.precPresent) {
    prec = f.prec;
    if (prec === 0 && u === 0n) return pad(f, '', false);
  } else if (f.zero && !f.minus && f.widPresent) {
    prec = f.wid;
    if (negative || f.plus || f.space) prec--; // leave room for the sign
  }
  let digits = u.toString(base);
  if (upper) digits = digits.toUpperCase();
  if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
  if (f.sharp) {
    if (base === 2) digits = '0b' + digits;
    else if (base === 8 && digits[0] !== '0') digits = '0' + digits;
    else if (base === 16) digits = (upper ? '0X' : '0x') + digits;
  }
  if (verb === 'O') digits = '0o' + digits;
  const sign = negative ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  return pad(f, sign + digits, false);
}

function fmtIntArg(f: Flags, v: bigint, verb: string, bad: () => string): string {
  switch (verb) {
    case 'v':
    case 'd': return fmtInteger(f, v, 10, verb, false);
    case 'b': return fmtInteger(f, v, 2, verb, false);
    case 'o':
    case 'O': return fmtInteger(f, v, 8, verb, false);
    case 'x': return fmtInteger(f, v, 16, verb, false);
    case 'X': return fmtInteger(f, v, 16, verb, true);
    case 'c': return pad(f, runeOf(v));
    case 'q': {
      const r = runeOf(v);
      const q = r === "'" ? "\\'" : r === '"' ? '"' : escapeRune(r, f.plus);
      return pad(f, "'" + q + "'");
    }
    case 'U': {
      const u = v < 0n ? v + 2n ** 64n : v; // Go formats the uint64 bits
      let s = 'U+' + u.toString(16).toUpperCase().padStart(f.precPresent ? Math.max(f.prec, 4) : 4, '0');
      if (f.sharp && u <= 0x10ffffn && PRINTABLE.test(runeOf(u))) s += " '" + runeOf(u) + "'";
      return pad(f, s, false);
    }
    default: return bad();
  }
}

function runeOf(v: bigint): string {
  if (v < 0n || v > 0x10ffffn || (v >= 0xd800n && v < 0xe000n)) return '\ufffd';
  return String.fromCodePoint(Number(v));
}

/** big.Int's Format: its own padding rules, and `%!c(big.Int=…)` for other verbs. */
function fmtBig(f: Flags, v: bigint, verb: string): string {
  const base = verb === 'b' ? 2 : verb === 'o' || verb === 'O' ? 8 : 'dsv'.includes(verb) ? 10 : verb === 'x' || verb === 'X' ? 16 : 0;
  if (base === 0) return `%!${verb}(big.Int=${v})`;
  const plus = f.plus || f.plusV;
  const sign = v < 0n ? '-' : plus ? '+' : f.space ? ' ' : '';
  let prefix = '';
  if (f.sharp || f.sharpV) prefix = ({ b: '0b', o: '0', x: '0x', X: '0X' } as Record<string, string>)[verb] ?? '';
  if (verb === 'O') prefix = '0o';
  let digits = (v < 0n ? -v : v).toString(base);
  if (verb === 'X') digits = digits.toUpperCase();
  let zeros = 0;
  if (f.precPresent) {
    if (digits.length < f.prec) zeros = f.prec - digits.length;
    else if (digits === '0' && f.prec === 0) return '';
  }
  const length = sign.length + prefix.length + zeros + digits.length;
  let left = 0;
  let right = 0;
  if (f.widPresent && length < f.wid) {
    const d = f.wid - length;
    if (f.minus) right = d;
    else if (f.zero && !f.precPresent) zeros = d;
    else left = d;
  }
  return ' '.repeat(left) + sign + prefix + '0'.repeat(zeros) + digits + ' '.repeat(right);
}

// ---------------------------------------------------------------------------
// Floats: exact decimal digits (Go rounds the exact binary value half-to-even).

interface Decimal { d: string; dp: number } // value = 0.d × 10^dp; d has no leading/trailing zeros

/** Exact decimal expansion of a finite, non-negative double. */
function exactDecimal(x: number): Decimal {
  if (x === 0) return { d: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & 0xfffffffffffffn;
  let exp: number;
  if (expBits === 0) exp = -1074;
  else { mant |= 1n << 52n; exp = expBits - 1075; }
  let digits: string;
  let dp: number;
  if (exp >= 0) {
    digits = (mant << BigInt(exp)).toString();
    dp = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-exp)).toString();
    dp = digits.length + exp;
  }
  return trimDecimal({ d: digits, dp });
}

function trimDecimal(a: Decimal): Decimal {
  let d = a.d.replace(/0+$/, '');
  let dp = a.dp;
  const lead = d.length - d.replace(/^0+/, '').length;
  d = d.slice(lead);
  dp -= lead;
  return d === '' ? { d: '', dp: 0 } : { d, dp };
}

/** Shortest digits that round-trip (what JS's toString and Go's 'g' -1 both produce). */
function shortestDecimal(x: number): Decimal {
  if (x === 0) return { d: '', dp: 0 };
  const [m, e] = x.toExponential().split('e');
  return trimDecimal({ d: m.replace('.', ''), dp: Number(e) + 1 });
}

/** Rounds to `nd` significant digits, ties to even (exact input, so ties are real). */
function roundDecimal(a: Decimal, nd: number): Decimal {
  if (nd >= a.d.length) return a;
  if (nd < 0) return { d: '', dp: 0 };
  const c = a.d[nd];
  const up = c > '5' || (c === '5' && (nd + 1 < a.d.length || (nd > 0 && Number(a.d[nd - 1]) % 2 === 1)));
  if (!up) return trimDecimal({ d: a.d.slice(0, nd), dp: a.dp });
  const digits = a.d.slice(0, nd).split('');
  let i = nd - 1;
  while (i >= 0 && digits[i] === '9') { digits[i] = '0'; i--; }
  if (i < 0) return { d: '1', dp: a.dp + 1 };
  digits[i] = String(Number(digits[i]) + 1);
  return trimDecimal({ d: digits.join(''), dp: a.dp });
}

const digitAt = (a: Decimal, i: number): string => (i >= 0 && i < a.d.length ? a.d[i] : '0');

function fmtE(a: Decimal, prec: number, e: string): string {
  let s = digitAt(a, 0);
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += digitAt(a, i);
  }
  const exp = a.d === '' ? 0 : a.dp - 1;
  const ae = Math.abs(exp);
  return s + e + (exp < 0 ? '-' : '+') + (ae < 10 ? '0' : '') + ae;
}

function fmtF(a: Decimal, prec: number): string {
  let s = '';
  if (a.dp > 0) for (let i = 0; i < a.dp; i++) s += digitAt(a, i);
  else s = '0';
  if (prec > 0) {
    s += '.';
    for (let i = 0; i < prec; i++) s += digitAt(a, a.dp + i);
  }
  return s;
}

/** strconv.FormatFloat(|x|, verb, prec, 64) for e, E, f, F, g, G. */
function formatFloat(x: number, verb: string, prec: number): string {
  const shortest = prec < 0;
  const lower = verb.toLowerCase();
  let a: Decimal;
  if (shortest) {
    a = shortestDecimal(x);
    prec = lower === 'e' ? Math.max(a.d.length - 1, 0) : lower === 'f' ? Math.max(a.d.length - a.dp, 0) : a.d.length;
  } else {
    const exact = exactDecimal(x);
    if (lower === 'e') a = roundDecimal(exact, prec + 1);
    else if (lower === 'f') a = roundDecimal(exact, exact.dp + prec);
    else a = roundDecimal(exact, prec === 0 ? 1 : prec);
    if (lower === 'g' && prec === 0) prec = 1;
  }
  const e = verb === 'E' || verb === 'G' ? 'E' : 'e';
  if (lower === 'e') return fmtE(a, prec, e);
  if (lower === 'f') return fmtF(a, prec);
  let eprec = prec;
  if (eprec > a.d.length && a.d.length >= a.dp) eprec = a.d.length;
  if (shortest) eprec = 6;
  const exp = a.dp - 1;
  if (a.d !== '' && (exp < -4 || exp >= eprec)) return fmtE(a, Math.min(prec, a.d.length) - 1, e);
  if (prec > a.dp) prec = a.d.length;
  return fmtF(a, Math.max(prec - a.dp, 0));
}

/** The bits of a double: |x| = mant × 2^(exp − 52), mant including the implicit bit. */
function floatBits(x: number): { mant: bigint; exp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const e = Number(bits >> 52n);
  const frac = bits & ((1n << 52n) - 1n);
  return e === 0 ? { mant: frac, exp: -1022 } : { mant: frac | (1n << 52n), exp: e - 1023 };
}

/** strconv's %b for floats: decimal mantissa and binary exponent, `4503599627370496p-53`. */
function formatBinaryFloat(x: number): string {
  const { mant, exp } = floatBits(x);
  const e = exp - 52;
  return `${mant}p${e >= 0 ? '+' : ''}${e}`;
}

/** strconv's %x for floats: `0x1.8p+01`, rounded to `prec` hex digits when prec ≥ 0. */
function formatHexFloat(x: number, prec: number, upper: boolean): string {
  let { mant, exp } = floatBits(x);
  if (mant === 0n) exp = 0;
  const ONE = 1n << 60n;
  mant <<= 8n;
  while (mant !== 0n && (mant & ONE) === 0n) { mant <<= 1n; exp--; }
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(prec * 4);
    const extra = (mant << shift) & (ONE - 1n);
    mant >>= 60n - shift;
    if ((extra | (mant & 1n)) > 1n << 59n) mant++;
    mant <<= 60n - shift;
    if ((mant & (1n << 61n)) !== 0n) { mant >>= 1n; exp++; }
  }
  const digit = (m: bigint): string => Number((m >> 60n) & 15n).toString(16);
  let out = '0x' + digit(mant & ONE ? ONE : 0n);
  mant = (mant << 4n) & ((1n << 64n) - 1n);
  if ((prec < 0 && mant !== 0n) || prec > 0) {
    out += '.';
    for (let i = 0; prec < 0 ? mant !== 0n : i < prec; i++) {
      out += digit(mant);
      mant = (mant << 4n) & ((1n << 64n) - 1n);
    }
  }
  const ae = Math.abs(exp);
  out += 'p' + (exp < 0 ? '-' : '+') + (ae < 10 ? '0' : '') + ae;
  return upper ? out.toUpperCase() : out;
}

/** Go's '#' flag on floats: keep the decimal point and pad %g to its precision. */
function sharpFloat(num: string, verb: string, prec: number): string {
  let digits = 'gGx'.includes(verb) ? (prec === -1 ? 6 : prec) : 0;
  let tail = '';
  const cut = num.search(verb === 'x' || verb === 'X' ? /[pP]/ : /[eEpP]/);
  if (cut >= 0) { tail = num.slice(cut); num = num.slice(0, cut); }
  let sawNonzero = false;
  for (const c of num) {
    if (c === '.') continue; // Go counts the x of 0x as a digit too
    if (c !== '0') sawNonzero = true;
    if (sawNonzero) digits--;
  }
  if (!num.includes('.')) {
    if (num === '0') digits--;
    num += '.';
  }
  return num + '0'.repeat(Math.max(digits, 0)) + tail;
}

function fmtFloatArg(f: Flags, x: number, verb: string, bad: () => string): string {
  let prec: number;
  let v = verb;
  switch (verb) {
    case 'v': v = 'g'; prec = -1; break;
    case 'b': case 'g': case 'G': case 'x': case 'X': prec = -1; break;
    case 'e': case 'E': case 'f': case 'F': prec = 6; break;
    default: return bad();
  }
  if (f.precPresent) prec = f.prec;
  let body = v === 'b' ? formatBinaryFloat(x)
    : v === 'x' || v === 'X' ? formatHexFloat(x, prec, v === 'X')
      : formatFloat(Math.abs(x), v === 'F' ? 'f' : v, prec);
  if (f.sharp && v !== 'b') body = sharpFloat(body, v, prec);
  const sign = x < 0 || Object.is(x, -0) ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  if (sign !== '' && f.zero && !f.minus && f.widPresent && f.wid > body.length + 1) {
    return sign + '0'.repeat(f.wid - body.length - 1) + body;
  }
  return pad(f, sign + body);
}

// ---------------------------------------------------------------------------
// Strings

function truncate(f: Flags, s: string): string {
  if (!f.precPresent) return s;
  const cps = [...s];
  return cps.length > f.prec ? cps.slice(0, f.prec).join('') : s;
}

function fmtStringArg(f: Flags, s: string, verb: string, bad: () => string): string {
  switch (verb) {
    case 'v': return f.sharpV ? fmtQ(f, s) : pad(f, truncate(f, s));
    case 's': return pad(f, truncate(f, s));
    case 'q': return fmtQ(f, s);
    case 'x':
    case 'X': return fmtSx(f, s, verb === 'X');
    default: return bad();
  }
}

function fmtQ(f: Flags, s: string): string {
  s = truncate(f, s);
  if (f.sharp && !/[`\x00-\x08\x0a-\x1f\x7f\ufeff]/.test(s)) return pad(f, '`' + s + '`');
  return pad(f, goQuote(s, f.plus));
}

function fmtSx(f: Flags, s: string, upper: boolean): string {
  let bytes = [...Buffer.from(s, 'utf8')];
  if (f.precPresent && f.prec < bytes.length) bytes = bytes.slice(0, f.prec);
  const x = upper ? 'X' : 'x';
  let out = '';
  bytes.forEach((b, i) => {
    if (f.space && i > 0) out += ' ';
    if (f.sharp && (f.space || i === 0)) out += '0' + x;
    const h = hex(b, 2);
    out += upper ? h.toUpperCase() : h;
  });
  return pad(f, out);
}

// ---------------------------------------------------------------------------
// The directive loop (Go's doPrintf).

function printArg(f: Flags, a: Arg, verb: string): string {
  if (verb === 'T') return pad(f, truncate(f, GO_TYPE[a.kind]));
  const bad = (): string => `%!${verb}(${GO_TYPE[a.kind]}=${printArg(f, a, 'v')})`;
  if (verb === 'p') return bad();
  switch (a.kind) {
    case 'int': return fmtIntArg(f, a.v, verb, bad);
    case 'big': return fmtBig(f, a.v, verb);
    case 'float': return fmtFloatArg(f, a.v, verb, bad);
    case 'string': return fmtStringArg(f, a.v, verb, bad);
  }
}

const TOO_LARGE = 1e6;

/** Digits at `i`; `num` undefined when there are none or the number is too large. */
function parseNum(s: string, i: number, end: number): { num: number | undefined; i: number } {
  const start = i;
  let n = 0;
  while (i < end && s[i] >= '0' && s[i] <= '9') {
    if (n > TOO_LARGE) return { num: undefined, i: end }; // checked before each digit, as Go does
    n = n * 10 + (s.charCodeAt(i) - 48);
    i++;
  }
  return { num: i > start ? n : undefined, i };
}

export function goSprintf(format: string, values: readonly Value[]): string {
  const args = values.map(toArg);
  let out = '';
  let argNum = 0;
  let reordered = false;
  const end = format.length;
  let i = 0;
  while (i < end) {
    let goodArgNum = true;
    const lasti = i;
    while (i < end && format[i] !== '%') i++;
    if (i > lasti) out += format.slice(lasti, i);
    if (i >= end) break;
    i++; // skip %
    const f = newFlags();
    for (; i < end; i++) {
      const c = format[i];
      if (c === '#') f.sharp = true;
      else if (c === '0') f.zero = !f.minus;
      else if (c === '+') f.plus = true;
      else if (c === '-') { f.minus = true; f.zero = false; } else if (c === ' ') f.space = true;
      else break;
    }

    // An explicit argument index: [n]
    const argNumber = (): boolean => {
      if (i >= end || format[i] !== '[') return false;
      reordered = true;
      const close = format.indexOf(']', i + 1);
      if (close < 0 || end - i < 3) {
        goodArgNum = false;
        i += 1;
        return false;
      }
      const { num, i: ni } = parseNum(format, i + 1, close);
      i = close + 1;
      if (num === undefined || ni !== close) { goodArgNum = false; return false; }
      if (num - 1 >= 0 && num - 1 < args.length) { argNum = num - 1; return true; }
      goodArgNum = false;
      return true;
    };
    const intFromArg = (): number | undefined => {
      if (argNum >= args.length) return undefined;
      const a = args[argNum++];
      if (a.kind !== 'int' || a.v > BigInt(TOO_LARGE) || a.v < -BigInt(TOO_LARGE)) return undefined;
      return Number(a.v);
    };

    let afterIndex = argNumber();
    if (i < end && format[i] === '*') {
      i++;
      const w = intFromArg();
      if (w === undefined) out += '%!(BADWIDTH)';
      else {
        f.wid = Math.abs(w);
        f.widPresent = true;
        if (w < 0) { f.minus = true; f.zero = false; }
      }
      afterIndex = false;
    } else {
      const { num, i: ni } = parseNum(format, i, end);
      i = ni;
      if (num !== undefined) { f.wid = num; f.widPresent = true; }
      if (afterIndex && f.widPresent) goodArgNum = false;
    }
    if (i + 1 < end && format[i] === '.') {
      i++;
      if (afterIndex) goodArgNum = false;
      afterIndex = argNumber();
      if (i < end && format[i] === '*') {
        i++;
        const p = intFromArg();
        if (p === undefined || p < 0) out += '%!(BADPREC)';
        else { f.prec = p; f.precPresent = true; }
        afterIndex = false;
      } else {
        const { num, i: ni } = parseNum(format, i, end);
        i = ni;
        f.prec = num ?? 0;
        f.precPresent = true;
      }
    }
    if (!afterIndex) afterIndex = argNumber();
    if (i >= end) { out += '%!(NOVERB)'; break; }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') out += '%';
    else if (!goodArgNum) out += `%!${verb}(BADINDEX)`;
    else if (argNum >= args.length) out += `%!${verb}(MISSING)`;
    else {
      if (verb === 'v') {
        f.sharpV = f.sharp; f.sharp = false;
        f.plusV = f.plus; f.plus = false;
      }
      out += printArg(f, args[argNum++], verb);
    }
  }
  if (!reordered && argNum < args.length) {
    const f = newFlags();
    out += '%!(EXTRA ' + args.slice(argNum).map((a) => `${GO_TYPE[a.kind]}=${printArg(f, a, 'v')}`).join(', ') + ')';
  }
  return out;
}

export const builtins: BuiltinDef[] = [
  {
    name: 'sprintf',
    args: ['string', 'array'],
    fn: (args) => goSprintf(str('sprintf', args, 0), arr('sprintf', args, 1)),
  },
];
