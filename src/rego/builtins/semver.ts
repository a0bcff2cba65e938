/**
 * semver.compare and semver.is_valid, with the parsing rules of OPA's
 * internal/semver: an optional leading "v", numeric fields that fit int64
 * (leading zeros allowed), and pre-release/build identifiers of [0-9A-Za-z-].
 */
import type { Value } from '../value.js';
import type { BuiltinDef } from './contract.js';
import { builtinError, str } from './args.js';

interface Version { major: bigint; minor: bigint; patch: bigint; pre: string }

const IDENTIFIERS = /^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/;
const INT64_MAX = 2n ** 63n - 1n;

function cut(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

/** Go's strconv.ParseInt(s, 10, 64), undefined on error. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n > INT64_MAX || n < -INT64_MAX - 1n ? undefined : n;
}

export function parseSemver(text: string): Version | undefined {
  let version = text.startsWith('v') ? text.slice(1) : text;
  let meta: string;
  let pre: string;
  [version, meta] = cut(version, '+');
  if (meta !== '' && !IDENTIFIERS.test(meta)) return undefined;
  [version, pre] = cut(version, '-');
  if (pre !== '' && !IDENTIFIERS.test(pre)) return undefined;
  const fields = version.split('.');
  if (fields.length !== 3) return undefined;
  const [major, minor, patch] = fields.map(parseInt64);
  if (major === undefined || minor === undefined || patch === undefined) return undefined;
  return { major, minor, patch, pre };
}

const sign = (a: bigint, b: bigint): number => (a > b ? 1 : a < b ? -1 : 0);
const isNumeric = (s: string): boolean => /^\d+$/.test(s);
/** Go's strconv.Atoi as OPA uses it: values past int64 clamp to the maximum. */
const atoi = (s: string): bigint => { const n = BigInt(s); return n > INT64_MAX ? INT64_MAX : n; };

export function compareSemver(a: Version, b: Version): number {
  const c = sign(a.major, b.major) || sign(a.minor, b.minor) || sign(a.patch, b.patch);
  if (c !== 0 || a.pre === b.pre) return c;
  if (a.pre === '') return 1; // a release outranks its pre-releases
  if (b.pre === '') return -1;
  const x = a.pre.split('.');
  const y = b.pre.split('.');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (i >= x.length) return -1; // more fields rank higher when the rest is equal
    if (i >= y.length) return 1;
    const xn = isNumeric(x[i]);
    const yn = isNumeric(y[i]);
    if (xn !== yn) return xn ? -1 : 1; // numeric identifiers rank lower
    const d = xn ? sign(atoi(x[i]), atoi(y[i])) : x[i] < y[i] ? -1 : x[i] > y[i] ? 1 : 0;
    if (d !== 0) return d;
  }
  return 0;
}

function compare(args: Value[]): number {
  const fn = 'semver.compare';
  const a = str(fn, args, 0);
  const b = str(fn, args, 1);
  const va = parseSemver(a);
  if (!va) throw builtinError(fn, `operand 1: string ${a} is not a valid SemVer`);
  const vb = parseSemver(b);
  if (!vb) throw builtinError(fn, `operand 2: string ${b} is not a valid SemVer`);
  return compareSemver(va, vb);
}

export const builtins: BuiltinDef[] = [
  { name: 'semver.compare', args: ['string', 'string'], fn: compare },
  // OPA accepts any value here and answers false for non-strings.
  { name: 'semver.is_valid', args: ['any'], fn: (args) => typeof args[0] === 'string' && parseSemver(args[0]) !== undefined },
];
