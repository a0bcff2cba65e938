/**
 * time.* builtins. OPA delegates to Go's `time` package, so this file carries
 * the parts of it that show through: reference layouts (format and parse),
 * ParseDuration, Date normalisation and zone lookups. Instants are exact
 * bigint nanoseconds; zones come from Node's Intl (IANA names).
 */
import type { ArgType, BuiltinDef } from './contract.js';
import { builtinError, int, str, typeError } from './args.js';
import { isInteger, normalizeBig, toBigInt, type Value } from '../value.js';

// ---------------------------------------------------------------------------
// Civil calendar arithmetic (proleptic Gregorian, days since 1970-01-01)

function floorDiv(a: number, b: number): number { return Math.floor(a / b); }
function mod(a: number, b: number): number { return ((a % b) + b) % b; }

function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = floorDiv(y, 400);
  const yoe = y - era * 400;
  const doy = floorDiv(153 * (m + (m > 2 ? -3 : 9)) + 2, 5) + d - 1;
  const doe = yoe * 365 + floorDiv(yoe, 4) - floorDiv(yoe, 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = floorDiv(z, 146097);
  const doe = z - era * 146097;
  const yoe = floorDiv(doe - floorDiv(doe, 1460) + floorDiv(doe, 36524) - floorDiv(doe, 146096), 365);
  const doy = doe - (365 * yoe + floorDiv(yoe, 4) - floorDiv(yoe, 100));
  const mp = floorDiv(5 * doy + 2, 153);
  const d = doy - floorDiv(153 * mp + 2, 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [era * 400 + yoe + (m <= 2 ? 1 : 0), m, d];
}

function isLeap(y: number): boolean { return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0); }
function daysIn(m: number, y: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

// ---------------------------------------------------------------------------
// Zones

interface Zone {
  /** Seconds east of UTC in effect at the given Unix second. */
  offsetAt(unixSec: number): number;
  /** Abbreviation Go would print for layout element "MST". */
  abbrevAt(unixSec: number): string;
}

const UTC: Zone = { offsetAt: () => 0, abbrevAt: () => 'UTC' };

/** A zone without a name: Go prints its offset for "MST" (tzdata does the same, e.g. "+04"). */
function numericAbbrev(offset: number): string {
  const sign = offset < 0 ? '-' : '+';
  const mins = Math.trunc(Math.abs(offset) / 60);
  const hh = String(Math.trunc(mins / 60)).padStart(2, '0');
  return sign + hh + (mins % 60 ? String(mins % 60).padStart(2, '0') : '');
}

/** Locales whose short zone names match tzdata's abbreviations for a region. */
function abbrevLocale(name: string): string {
  if (name.startsWith('Europe/') || name === 'CET' || name === 'EET' || name === 'WET' || name === 'MET') return 'en-GB';
  if (name === 'Asia/Kolkata' || name === 'Asia/Calcutta') return 'en-IN';
  if (name.startsWith('Australia/')) return 'en-AU';
  return 'en-US';
}

class IntlZone implements Zone {
  private readonly parts: Intl.DateTimeFormat;
  private readonly short: Intl.DateTimeFormat;
  private readonly local: Intl.DateTimeFormat;
  constructor(timeZone: string | undefined) {
    this.parts = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', era: 'short', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    const resolved = this.parts.resolvedOptions().timeZone;
    this.short = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'short' });
    this.local = new Intl.DateTimeFormat(abbrevLocale(resolved), { timeZone, timeZoneName: 'short' });
  }

  offsetAt(unixSec: number): number {
    const p: Record<string, string> = {};
    for (const { type, value } of this.parts.formatToParts(new Date(unixSec * 1000))) p[type] = value;
    const year = p.era === 'BC' || p.era === 'B' ? 1 - Number(p.year) : Number(p.year);
    const local = daysFromCivil(year, Number(p.month), Number(p.day)) * 86400 + Number(p.hour) * 3600 + Number(p.minute) * 60 + Number(p.second);
    return local - unixSec;
  }

  abbrevAt(unixSec: number): string {
    const date = new Date(unixSec * 1000);
    for (const f of [this.short, this.local]) {
      const name = f.formatToParts(date).find((x) => x.type === 'timeZoneName')?.value ?? '';
      if (/^[A-Z]{3,5}$/.test(name)) return name;
    }
    return numericAbbrev(this.offsetAt(unixSec));
  }
}

const zoneCache = new Map<string, Zone>();

/** Go's LoadLocation: "", "UTC", "Local" or an IANA name (case-sensitive). */
function loadZone(fn: string, name: string): Zone {
  if (name === '' || name === 'UTC') return UTC;
  let zone = zoneCache.get(name);
  if (zone) return zone;
  if (name !== 'Local') {
    let resolved: string | undefined;
    try {
      resolved = /^[A-Za-z]/.test(name) && !name.includes('..') ? new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone : undefined;
    } catch {
      resolved = undefined;
    }
    // Intl matches names case-insensitively; Go's tzdata lookup does not.
    if (resolved === undefined || (resolved !== name && resolved.toLowerCase() === name.toLowerCase())) {
      throw builtinError(fn, `unknown time zone ${name}`);
    }
  }
  zone = new IntlZone(name === 'Local' ? undefined : name);
  zoneCache.set(name, zone);
  return zone;
}

// ---------------------------------------------------------------------------
// Instants

const NS = 1_000_000_000n;
const MIN_NS = -(1n << 63n);
const MAX_NS = (1n << 63n) - 1n;

/** An instant (Unix nanoseconds, not necessarily within int64) seen in a zone. */
interface ZonedTime { ns: bigint; zone: Zone }

interface Fields { year: number; month: number; day: number; hour: number; min: number; sec: number; nsec: number; weekday: number; yday: number; offset: number; unixSec: number }

function fields(t: ZonedTime): Fields {
  const unixSec = Number(t.ns >= 0n ? t.ns / NS : -((-t.ns + NS - 1n) / NS));
  const nsec = Number(t.ns - BigInt(unixSec) * NS);
  const offset = t.zone.offsetAt(unixSec);
  const local = unixSec + offset;
  const days = floorDiv(local, 86400);
  const sod = local - days * 86400;
  const [year, month, day] = civilFromDays(days);
  return {
    year, month, day,
    hour: Math.trunc(sod / 3600), min: Math.trunc(sod / 60) % 60, sec: sod % 60, nsec,
    weekday: mod(days + 4, 7), // 1970-01-01 was a Thursday
    yday: days - daysFromCivil(year, 1, 1) + 1,
    offset, unixSec,
  };
}

/** Seconds since the epoch of a local wall time whose day count is already known. */
function localDaysToUnix(days: number, sod: number, zone: Zone): number {
  const local = days * 86400 + sod;
  // Go's Date: guess with the offset at `local`, then correct with the offset at the guess.
  return local - zone.offsetAt(local - zone.offsetAt(local));
}

/** Go's time.Date with normalisation of out-of-range fields. */
function goDate(year: number, month: number, day: number, hour: number, min: number, sec: number, nsec: number, zone: Zone): bigint {
  let m0 = month - 1;
  year += floorDiv(m0, 12);
  m0 = mod(m0, 12);
  sec += floorDiv(nsec, 1e9); nsec = mod(nsec, 1e9);
  min += floorDiv(sec, 60); sec = mod(sec, 60);
  hour += floorDiv(min, 60); min = mod(min, 60);
  day += floorDiv(hour, 24); hour = mod(hour, 24);
  const days = daysFromCivil(year, m0 + 1, 1) + day - 1;
  // Far outside the int64 range: no need for (imprecise) arithmetic on it.
  if (!Number.isSafeInteger(days) || Math.abs(days) > 200_000) return days < 0 ? MIN_NS - 1n : MAX_NS + 1n;
  const unix = localDaysToUnix(days, hour * 3600 + min * 60 + sec, zone);
  return BigInt(unix) * NS + BigInt(nsec);
}

function safeNs(fn: string, ns: bigint): Value {
  if (ns < MIN_NS || ns > MAX_NS) throw builtinError(fn, 'time outside of valid range');
  return normalizeBig(ns);
}

const TZ_TIME = 'either number (ns) or [number (ns), string (tz)]';

/** OPA's tzTime: `ns` or `[ns, tz]` or `[ns, tz, layout]`. */
function tzTime(fn: string, v: Value): { t: ZonedTime; layout: string } {
  let n: Value;
  let zone = UTC;
  let layout = '';
  if (Array.isArray(v)) {
    if (v.length === 0) throw typeError(fn, 0, TZ_TIME, v);
    n = v[0];
    if (typeof n !== 'number' && typeof n !== 'bigint') throw typeError(fn, 0, 'number', n);
    if (v.length > 1) zone = loadZone(fn, tzArg(fn, v[1]));
    if (v.length > 2) layout = tzArg(fn, v[2]);
  } else if (typeof v === 'number' || typeof v === 'bigint') {
    n = v;
  } else {
    throw typeError(fn, 0, TZ_TIME, v);
  }
  if (!isInteger(n) || (typeof n === 'number' && !Number.isFinite(n))) throw builtinError(fn, 'timestamp too big');
  const ns = toBigInt(n);
  if (ns < MIN_NS || ns > MAX_NS) throw builtinError(fn, 'timestamp too big');
  return { t: { ns, zone }, layout };
}

/** Array members after the first are checked as OPA does: always reported as operand 1. */
function tzArg(fn: string, v: Value): string {
  if (typeof v !== 'string') throw typeError(fn, 0, 'string', v);
  return v;
}

// ---------------------------------------------------------------------------
// Go layouts

const enum Std {
  None, LongMonth, Month, NumMonth, ZeroMonth, LongWeekDay, WeekDay, Day, UnderDay, ZeroDay,
  UnderYearDay, ZeroYearDay, Hour, Hour12, ZeroHour12, Minute, ZeroMinute, Second, ZeroSecond,
  LongYear, Year, PM, pm, TZ,
  ISO8601TZ, ISO8601SecondsTZ, ISO8601ShortTZ, ISO8601ColonTZ, ISO8601ColonSecondsTZ,
  NumTZ, NumSecondsTz, NumShortTZ, NumColonTZ, NumColonSecondsTZ,
  FracSecond0, FracSecond9,
}

interface Chunk { prefix: string; std: Std; stdText: string; suffix: string; digits: number; sep: string }

const STD0X = [Std.ZeroMonth, Std.ZeroDay, Std.ZeroHour12, Std.ZeroMinute, Std.ZeroSecond, Std.Year];

const TZ_ELEMENTS: readonly [string, Std][] = [
  ['Z070000', Std.ISO8601SecondsTZ], ['Z07:00:00', Std.ISO8601ColonSecondsTZ], ['Z0700', Std.ISO8601TZ],
  ['Z07:00', Std.ISO8601ColonTZ], ['Z07', Std.ISO8601ShortTZ],
  ['-070000', Std.NumSecondsTz], ['-07:00:00', Std.NumColonSecondsTZ], ['-0700', Std.NumTZ],
  ['-07:00', Std.NumColonTZ], ['-07', Std.NumShortTZ],
];

const isDigitAt = (s: string, i: number): boolean => i < s.length && s[i] >= '0' && s[i] <= '9';
const startsLower = (s: string): boolean => s.length > 0 && s[0] >= 'a' && s[0] <= 'z';

/** Go's nextStdChunk: the literal prefix, the first layout element, and the rest. */
function nextChunk(layout: string): Chunk {
  const at = (i: number, std: Std, len: number, extra: Partial<Chunk> = {}): Chunk =>
    ({ prefix: layout.slice(0, i), std, stdText: layout.slice(i, i + len), suffix: layout.slice(i + len), digits: 0, sep: '', ...extra });
  for (let i = 0; i < layout.length; i++) {
    const rest = layout.slice(i);
    switch (layout[i]) {
      case 'J':
        if (rest.startsWith('January')) return at(i, Std.LongMonth, 7);
        if (rest.startsWith('Jan') && !startsLower(rest.slice(3))) return at(i, Std.Month, 3);
        break;
      case 'M':
        if (rest.startsWith('Monday')) return at(i, Std.LongWeekDay, 6);
        if (rest.startsWith('Mon') && !startsLower(rest.slice(3))) return at(i, Std.WeekDay, 3);
        if (rest.startsWith('MST')) return at(i, Std.TZ, 3);
        break;
      case '0':
        if (rest.length >= 2 && rest[1] >= '1' && rest[1] <= '6') return at(i, STD0X[rest.charCodeAt(1) - 49], 2);
        if (rest.startsWith('002')) return at(i, Std.ZeroYearDay, 3);
        break;
      case '1':
        return rest.startsWith('15') ? at(i, Std.Hour, 2) : at(i, Std.NumMonth, 1);
      case '2':
        return rest.startsWith('2006') ? at(i, Std.LongYear, 4) : at(i, Std.Day, 1);
      case '_':
        if (rest.startsWith('_2')) {
          // "_2006" is a literal underscore followed by the long year.
          if (rest.startsWith('_2006')) return at(i + 1, Std.LongYear, 4);
          return at(i, Std.UnderDay, 2);
        }
        if (rest.startsWith('__2')) return at(i, Std.UnderYearDay, 3);
        break;
      case '3': return at(i, Std.Hour12, 1);
      case '4': return at(i, Std.Minute, 1);
      case '5': return at(i, Std.Second, 1);
      case 'P':
        if (rest.startsWith('PM')) return at(i, Std.PM, 2);
        break;
      case 'p':
        if (rest.startsWith('pm')) return at(i, Std.pm, 2);
        break;
      case '-':
      case 'Z':
        for (const [text, std] of TZ_ELEMENTS) if (rest.startsWith(text)) return at(i, std, text.length);
        break;
      case '.':
      case ',':
        if (rest.length > 1 && (rest[1] === '0' || rest[1] === '9')) {
          let j = 1;
          while (j < rest.length && rest[j] === rest[1]) j++;
          // Only a fractional second if the run of digits ends here.
          if (!isDigitAt(rest, j)) {
            return at(i, rest[1] === '0' ? Std.FracSecond0 : Std.FracSecond9, j, { digits: j - 1, sep: rest[0] });
          }
        }
        break;
    }
  }
  return { prefix: layout, std: Std.None, stdText: '', suffix: '', digits: 0, sep: '' };
}

const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const SHORT_MONTHS = LONG_MONTHS.map((m) => m.slice(0, 3));
const SHORT_DAYS = LONG_DAYS.map((d) => d.slice(0, 3));

/** OPA's named layouts (Go's constants). */
const NAMED_LAYOUTS: Readonly<Record<string, string>> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
};

/** Go's appendInt: zero-padded to `width`, sign first. */
function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, '0');
  return n < 0 ? '-' + s : s;
}

function formatTime(t: ZonedTime, layout: string): string {
  const f = fields(t);
  let out = '';
  for (let rest = layout; rest !== '';) {
    const c = nextChunk(rest);
    out += c.prefix;
    if (c.std === Std.None) break;
    rest = c.suffix;
    out += formatElement(c, f, t);
  }
  return out;
}

function formatElement(c: Chunk, f: Fields, t: ZonedTime): string {
  switch (c.std) {
    case Std.Year: return pad(Math.abs(f.year) % 100, 2);
    case Std.LongYear: return pad(f.year, 4);
    case Std.Month: return SHORT_MONTHS[f.month - 1];
    case Std.LongMonth: return LONG_MONTHS[f.month - 1];
    case Std.NumMonth: return String(f.month);
    case Std.ZeroMonth: return pad(f.month, 2);
    case Std.WeekDay: return SHORT_DAYS[f.weekday];
    case Std.LongWeekDay: return LONG_DAYS[f.weekday];
    case Std.Day: return String(f.day);
    case Std.UnderDay: return (f.day < 10 ? ' ' : '') + f.day;
    case Std.ZeroDay: return pad(f.day, 2);
    case Std.UnderYearDay: return String(f.yday).padStart(3, ' ');
    case Std.ZeroYearDay: return pad(f.yday, 3);
    case Std.Hour: return pad(f.hour, 2);
    case Std.Hour12: return String(f.hour % 12 || 12);
    case Std.ZeroHour12: return pad(f.hour % 12 || 12, 2);
    case Std.Minute: return String(f.min);
    case Std.ZeroMinute: return pad(f.min, 2);
    case Std.Second: return String(f.sec);
    case Std.ZeroSecond: return pad(f.sec, 2);
    case Std.PM: return f.hour >= 12 ? 'PM' : 'AM';
    case Std.pm: return f.hour >= 12 ? 'pm' : 'am';
    case Std.TZ: return t.zone.abbrevAt(f.unixSec);
    case Std.FracSecond0:
    case Std.FracSecond9: {
      let digits = String(f.nsec).padStart(9, '0').slice(0, c.digits);
      if (c.std === Std.FracSecond9) {
        digits = digits.replace(/0+$/, '');
        if (digits === '') return '';
      }
      return c.sep + digits;
    }
    default: return formatOffset(c.std, f.offset);
  }
}

function formatOffset(std: Std, offset: number): string {
  const iso = std >= Std.ISO8601TZ && std <= Std.ISO8601ColonSecondsTZ;
  if (offset === 0 && iso) return 'Z';
  const abs = Math.abs(offset);
  const zone = Math.trunc(abs / 60);
  let out = (offset < 0 ? '-' : '+') + pad(Math.trunc(zone / 60), 2);
  const colon = std === Std.ISO8601ColonTZ || std === Std.NumColonTZ || std === Std.ISO8601ColonSecondsTZ || std === Std.NumColonSecondsTZ;
  if (colon) out += ':';
  if (std !== Std.NumShortTZ && std !== Std.ISO8601ShortTZ) out += pad(zone % 60, 2);
  if (std === Std.ISO8601SecondsTZ || std === Std.NumSecondsTz || std === Std.NumColonSecondsTZ || std === Std.ISO8601ColonSecondsTZ) {
    if (colon) out += ':';
    out += pad(abs % 60, 2);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Parsing with Go layouts

/** Go's time-package quoting, used in its error messages. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x80 || cp < 0x20) {
      for (const b of new TextEncoder().encode(ch)) out += '\\x' + b.toString(16).padStart(2, '0');
    } else {
      out += (ch === '"' || ch === '\\' ? '\\' : '') + ch;
    }
  }
  return out + '"';
}

class ParseFailure extends Error {
  override readonly name = 'ParseFailure';
}

/** Leading one or two digits (exactly two when `fixed`). */
function getnum(s: string, fixed: boolean): [number, string] {
  if (!isDigitAt(s, 0)) throw new ParseFailure();
  if (!isDigitAt(s, 1)) {
    if (fixed) throw new ParseFailure();
    return [Number(s[0]), s.slice(1)];
  }
  return [Number(s.slice(0, 2)), s.slice(2)];
}

function getnum3(s: string, fixed: boolean): [number, string] {
  let n = 0;
  while (n < 3 && isDigitAt(s, n)) n++;
  if (n === 0 || (fixed && n !== 3)) throw new ParseFailure();
  return [Number(s.slice(0, n)), s.slice(n)];
}

/** Go's atoi: optional sign, then digits only. */
function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new ParseFailure();
  return Number(s);
}

function lookupName(tab: readonly string[], val: string): [number, string] {
  for (let i = 0; i < tab.length; i++) {
    if (val.length >= tab[i].length && val.slice(0, tab[i].length).toLowerCase() === tab[i].toLowerCase()) {
      return [i, val.slice(tab[i].length)];
    }
  }
  throw new ParseFailure();
}

/** Fraction `value[0..n)` (separator first) as nanoseconds; [ns, rangeError]. */
function parseNanos(value: string, n: number): [number, string] {
  if (value[0] !== '.' && value[0] !== ',') throw new ParseFailure();
  if (n > 10) n = 10;
  const ns = atoi(value.slice(1, n));
  if (ns < 0) return [0, 'fractional second'];
  return [ns * 10 ** (10 - n), ''];
}

function signedOffsetLen(v: string): number {
  const m = /^[+-](\d+)/.exec(v);
  if (!m || Number(m[1]) > 12) return 0;
  return m[0].length;
}

/** Go's parseTimeZone: length of a zone abbreviation at the start of `v`, or 0. */
function timeZoneLen(v: string): number {
  if (v.length < 3) return 0;
  if (v.startsWith('ChST') || v.startsWith('MeST')) return 4;
  if (v.startsWith('GMT')) return v.length === 3 ? 3 : 3 + signedOffsetLen(v.slice(3));
  if (v[0] === '+' || v[0] === '-') return signedOffsetLen(v);
  let n = 0;
  while (n < 6 && n < v.length && v[n] >= 'A' && v[n] <= 'Z') n++;
  if (n === 3) return 3;
  if (n === 4 && (v[3] === 'T' || v.startsWith('WITA'))) return 4;
  if (n === 5 && v[4] === 'T') return 5;
  return 0;
}

const cutSpace = (s: string): string => s.replace(/^ +/, '');

/** Go's skip: match a literal prefix; a space matches any run of spaces. */
function skip(value: string, prefix: string): string {
  while (prefix.length > 0) {
    if (prefix[0] === ' ') {
      if (value.length > 0 && value[0] !== ' ') throw new ParseFailure();
      prefix = cutSpace(prefix);
      value = cutSpace(value);
      continue;
    }
    if (value.length === 0 || value[0] !== prefix[0]) throw new ParseFailure();
    prefix = prefix.slice(1);
    value = value.slice(1);
  }
  return value;
}

/** Go's time.Parse (default zone UTC; Local taken as UTC for zone names). Returns Unix ns. */
function parseTime(layoutIn: string, valueIn: string): bigint {
  const err = (msg: string) => new Error(`parsing time ${goQuote(valueIn)}${msg}`);
  const cannot = (valueElem: string, layoutElem: string) =>
    new Error(`parsing time ${goQuote(valueIn)} as ${goQuote(layoutIn)}: cannot parse ${goQuote(valueElem)} as ${goQuote(layoutElem)}`);
  let layout = layoutIn;
  let value = valueIn;
  let year = 0; let month = -1; let day = -1; let yday = -1;
  let hour = 0; let min = 0; let sec = 0; let nsec = 0;
  let amSet = false; let pmSet = false;
  let utcZone = false; let zoneOffset: number | undefined; let zoneName = '';

  for (;;) {
    const c = nextChunk(layout);
    try {
      value = skip(value, c.prefix);
    } catch {
      throw cannot(value, c.prefix);
    }
    if (c.std === Std.None) {
      if (value.length !== 0) throw err(`: extra text: ${goQuote(value)}`);
      break;
    }
    layout = c.suffix;
    const hold = value;
    let rangeErr = '';
    try {
      switch (c.std) {
        case Std.Year: {
          if (value.length < 2) throw new ParseFailure();
          year = atoi(value.slice(0, 2));
          value = value.slice(2);
          year += year >= 69 ? 1900 : 2000;
          break;
        }
        case Std.LongYear:
          if (value.length < 4 || !isDigitAt(value, 0)) throw new ParseFailure();
          year = atoi(value.slice(0, 4));
          value = value.slice(4);
          break;
        case Std.Month: [month, value] = lookupName(SHORT_MONTHS, value); month++; break;
        case Std.LongMonth: [month, value] = lookupName(LONG_MONTHS, value); month++; break;
        case Std.NumMonth:
        case Std.ZeroMonth:
          [month, value] = getnum(value, c.std === Std.ZeroMonth);
          if (month <= 0 || month > 12) rangeErr = 'month';
          break;
        case Std.WeekDay: value = lookupName(SHORT_DAYS, value)[1]; break;
        case Std.LongWeekDay: value = lookupName(LONG_DAYS, value)[1]; break;
        case Std.Day:
        case Std.UnderDay:
        case Std.ZeroDay:
          if (c.std === Std.UnderDay && value[0] === ' ') value = value.slice(1);
          [day, value] = getnum(value, c.std === Std.ZeroDay);
          break;
        case Std.UnderYearDay:
        case Std.ZeroYearDay:
          if (c.std === Std.UnderYearDay) for (let i = 0; i < 2 && value[0] === ' '; i++) value = value.slice(1);
          [yday, value] = getnum3(value, c.std === Std.ZeroYearDay);
          break;
        case Std.Hour:
          [hour, value] = getnum(value, false);
          if (hour >= 24) rangeErr = 'hour';
          break;
        case Std.Hour12:
        case Std.ZeroHour12:
          [hour, value] = getnum(value, c.std === Std.ZeroHour12);
          if (hour > 12) rangeErr = 'hour';
          break;
        case Std.Minute:
        case Std.ZeroMinute:
          [min, value] = getnum(value, c.std === Std.ZeroMinute);
          if (min >= 60) rangeErr = 'minute';
          break;
        case Std.Second:
        case Std.ZeroSecond: {
          [sec, value] = getnum(value, c.std === Std.ZeroSecond);
          if (sec >= 60) { rangeErr = 'second'; break; }
          // A fraction in the value but not in the layout is accepted.
          if (value.length >= 2 && (value[0] === '.' || value[0] === ',') && isDigitAt(value, 1)) {
            const next = nextChunk(layout).std;
            if (next === Std.FracSecond0 || next === Std.FracSecond9) break;
            let n = 2;
            while (isDigitAt(value, n)) n++;
            [nsec, rangeErr] = parseNanos(value, n);
            value = value.slice(n);
          }
          break;
        }
        case Std.PM:
        case Std.pm: {
          if (value.length < 2) throw new ParseFailure();
          const p = value.slice(0, 2);
          value = value.slice(2);
          const [am, pm] = c.std === Std.PM ? ['AM', 'PM'] : ['am', 'pm'];
          if (p === pm) pmSet = true; else if (p === am) amSet = true; else throw new ParseFailure();
          break;
        }
        case Std.TZ: {
          if (value.startsWith('UTC')) { utcZone = true; value = value.slice(3); break; }
          const n = timeZoneLen(value);
          if (n === 0) throw new ParseFailure();
          zoneName = value.slice(0, n);
          value = value.slice(n);
          break;
        }
        case Std.FracSecond0: {
          const n = 1 + c.digits;
          if (value.length < n) throw new ParseFailure();
          [nsec, rangeErr] = parseNanos(value, n);
          value = value.slice(n);
          break;
        }
        case Std.FracSecond9: {
          if (value.length < 2 || (value[0] !== '.' && value[0] !== ',') || !isDigitAt(value, 1)) break;
          let i = 0;
          while (isDigitAt(value, i + 1)) i++;
          [nsec, rangeErr] = parseNanos(value, 1 + i);
          value = value.slice(1 + i);
          break;
        }
        default: {
          if (c.std >= Std.ISO8601TZ && c.std <= Std.ISO8601ColonSecondsTZ && value[0] === 'Z') {
            value = value.slice(1);
            utcZone = true;
            break;
          }
          [zoneOffset, value, rangeErr] = parseOffset(c.std, value);
        }
      }
    } catch (e) {
      if (!(e instanceof ParseFailure)) throw e;
      throw cannot(hold, c.stdText);
    }
    if (rangeErr) throw err(`: ${rangeErr} out of range`);
  }

  if (pmSet && hour < 12) hour += 12;
  else if (amSet && hour === 12) hour = 0;

  if (yday >= 0) {
    let d = 0; let m = 0;
    if (isLeap(year)) {
      if (yday === 31 + 29) { m = 2; d = 29; } else if (yday > 31 + 29) yday--;
    }
    if (yday < 1 || yday > 365) throw err(': day-of-year out of range');
    if (m === 0) {
      const before = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
      m = Math.floor((yday - 1) / 31) + 1;
      if (before[m] < yday) m++;
      d = yday - before[m - 1];
    }
    if (month >= 0 && month !== m) throw err(': day-of-year does not match month');
    month = m;
    if (day >= 0 && day !== d) throw err(': day-of-year does not match day');
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > daysIn(month, year)) throw err(': day out of range');

  let offset = 0;
  if (!utcZone) {
    if (zoneOffset !== undefined) offset = zoneOffset;
    else if (zoneName.length > 3 && zoneName.startsWith('GMT')) offset = Number(zoneName.slice(3)) * 3600;
  }
  return goDate(year, month, day, hour, min, sec, nsec, UTC) - BigInt(offset) * NS;
}

/** Numeric zone offsets ("-0700", "-07:00", …): [offset seconds, rest, range error]. */
function parseOffset(std: Std, value: string): [number, string, string] {
  let sign: string; let hh: string; let mm = '00'; let ss = '00';
  if (std === Std.ISO8601ColonTZ || std === Std.NumColonTZ) {
    if (value.length < 6 || value[3] !== ':') throw new ParseFailure();
    [sign, hh, mm, value] = [value[0], value.slice(1, 3), value.slice(4, 6), value.slice(6)];
  } else if (std === Std.NumShortTZ || std === Std.ISO8601ShortTZ) {
    if (value.length < 3) throw new ParseFailure();
    [sign, hh, value] = [value[0], value.slice(1, 3), value.slice(3)];
  } else if (std === Std.ISO8601ColonSecondsTZ || std === Std.NumColonSecondsTZ) {
    if (value.length < 9 || value[3] !== ':' || value[6] !== ':') throw new ParseFailure();
    [sign, hh, mm, ss, value] = [value[0], value.slice(1, 3), value.slice(4, 6), value.slice(7, 9), value.slice(9)];
  } else if (std === Std.ISO8601SecondsTZ || std === Std.NumSecondsTz) {
    if (value.length < 7) throw new ParseFailure();
    [sign, hh, mm, ss, value] = [value[0], value.slice(1, 3), value.slice(3, 5), value.slice(5, 7), value.slice(7)];
  } else {
    if (value.length < 5) throw new ParseFailure();
    [sign, hh, mm, value] = [value[0], value.slice(1, 3), value.slice(3, 5), value.slice(5)];
  }
  const h = getnum(hh, true)[0]; const m = getnum(mm, true)[0]; const s = getnum(ss, true)[0];
  // Go tests with > rather than >=: offsets of 24 hours or 60 minutes do occur.
  let rangeErr = '';
  if (h > 24) rangeErr = 'time zone offset hour';
  if (m > 60) rangeErr = 'time zone offset minute';
  if (s > 60) rangeErr = 'time zone offset second';
  let offset = (h * 60 + m) * 60 + s;
  if (sign === '-') offset = -offset;
  else if (sign !== '+') throw new ParseFailure();
  return [offset, value, rangeErr];
}

// ---------------------------------------------------------------------------
// Durations: Go's time.ParseDuration, plus the d/w/y units newer OPA accepts.

const HOUR = 3_600_000_000_000n;
const DURATION_UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n], ['us', 1_000n], ['\u00b5s', 1_000n], ['\u03bcs', 1_000n], ['ms', 1_000_000n], ['s', NS],
  ['m', 60n * NS], ['h', HOUR], ['d', 24n * HOUR], ['w', 7n * 24n * HOUR], ['y', 365n * 24n * HOUR],
]);
const LIMIT = 1n << 63n;

function parseDuration(orig: string): bigint {
  const invalid = () => new Error(`time: invalid duration ${goQuote(orig)}`);
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) { neg = s[0] === '-'; s = s.slice(1); }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let d = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigitAt(s, 0))) throw invalid();
    // Integer part; overflow is an error.
    let i = 0;
    let v = 0n;
    while (isDigitAt(s, i)) {
      if (v > LIMIT / 10n) throw invalid();
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > LIMIT) throw invalid();
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    // Fraction; digits past the int64 range are ignored.
    let f = 0n; let scale = 1; let post = false;
    if (s[0] === '.') {
      let j = 1; let overflow = false;
      while (isDigitAt(s, j)) {
        if (!overflow) {
          const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
          if (f > (LIMIT - 1n) / 10n || y > LIMIT) overflow = true;
          else { f = y; scale *= 10; }
        }
        j++;
      }
      post = j > 1;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid();
    let u = 0;
    while (u < s.length && s[u] !== '.' && !isDigitAt(s, u)) u++;
    if (u === 0) throw new Error(`time: missing unit in duration ${goQuote(orig)}`);
    const unitName = s.slice(0, u);
    s = s.slice(u);
    const unit = DURATION_UNITS.get(unitName);
    if (unit === undefined) throw new Error(`time: unknown unit ${goQuote(unitName)} in duration ${goQuote(orig)}`);
    if (v > LIMIT / unit) throw invalid();
    v *= unit;
    if (f > 0n) {
      // Go computes the fractional part in float64; so do we, for identical rounding.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > LIMIT) throw invalid();
    }
    d += v;
    if (d > LIMIT) throw invalid();
  }
  if (neg) return -d;
  if (d > LIMIT - 1n) throw invalid();
  return d;
}

// ---------------------------------------------------------------------------
// Builtins

/** Runs a Go-style operation whose plain errors become builtin errors. */
function goCall<T>(fn: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof Error && e.name === 'Error') throw builtinError(fn, e.message);
    throw e;
  }
}

function timeDiff(a: ZonedTime, b: ZonedTime): number[] {
  let t1 = a; let t2 = { ns: b.ns, zone: a.zone };
  if (t1.ns > t2.ns) [t1, t2] = [t2, t1];
  const f1 = fields(t1); const f2 = fields(t2);
  let year = f2.year - f1.year; let month = f2.month - f1.month; let day = f2.day - f1.day;
  let hour = f2.hour - f1.hour; let min = f2.min - f1.min; let sec = f2.sec - f1.sec;
  if (sec < 0) { sec += 60; min--; }
  if (min < 0) { min += 60; hour--; }
  if (hour < 0) { hour += 24; day--; }
  if (day < 0) { day += daysIn(f1.month, f1.year); month--; }
  if (month < 0) { month += 12; year--; }
  return [year, month, day, hour, min, sec];
}

const TIME_ARG = ['number', 'array'] as const;
/** A time given as `[ns, timezone]` or `[ns, timezone, layout]`. */
const TIME_TUPLE: readonly (readonly ArgType[] | undefined)[] = [['number', 'string', 'string']];

export const builtins: BuiltinDef[] = [
  {
    name: 'time.now_ns',
    args: [],
    nondeterministic: true,
    fn: (_args, ctx) => normalizeBig(ctx.nowNs),
  },
  {
    name: 'time.parse_ns',
    args: ['string', 'string'],
    fn: (args) => {
      const fn = 'time.parse_ns';
      const layout = str(fn, args, 0);
      const value = str(fn, args, 1);
      return safeNs(fn, goCall(fn, () => parseTime(NAMED_LAYOUTS[layout] ?? layout, value)));
    },
  },
  {
    name: 'time.parse_rfc3339_ns',
    args: ['string'],
    fn: (args) => {
      const fn = 'time.parse_rfc3339_ns';
      const value = str(fn, args, 0);
      return safeNs(fn, goCall(fn, () => parseTime(NAMED_LAYOUTS.RFC3339, value)));
    },
  },
  {
    name: 'time.parse_duration_ns',
    args: ['string'],
    fn: (args) => {
      const fn = 'time.parse_duration_ns';
      const s = str(fn, args, 0);
      return normalizeBig(goCall(fn, () => parseDuration(s)));
    },
  },
  {
    name: 'time.format',
    args: [TIME_ARG],
    tuples: TIME_TUPLE,
    fn: (args) => {
      const { t, layout } = tzTime('time.format', args[0]);
      return formatTime(t, layout === '' ? NAMED_LAYOUTS.RFC3339Nano : NAMED_LAYOUTS[layout] ?? layout);
    },
  },
  {
    name: 'time.date',
    args: [TIME_ARG],
    tuples: TIME_TUPLE,
    fn: (args) => {
      const f = fields(tzTime('time.date', args[0]).t);
      return [f.year, f.month, f.day];
    },
  },
  {
    name: 'time.clock',
    args: [TIME_ARG],
    tuples: TIME_TUPLE,
    fn: (args) => {
      const f = fields(tzTime('time.clock', args[0]).t);
      return [f.hour, f.min, f.sec];
    },
  },
  {
    name: 'time.weekday',
    args: [TIME_ARG],
    tuples: TIME_TUPLE,
    fn: (args) => LONG_DAYS[fields(tzTime('time.weekday', args[0]).t).weekday],
  },
  {
    name: 'time.add_date',
    args: ['number', 'number', 'number', 'number'],
    fn: (args) => {
      const fn = 'time.add_date';
      const { t } = tzTime(fn, args[0]);
      const years = int(fn, args, 1); const months = int(fn, args, 2); const days = int(fn, args, 3);
      const f = fields(t);
      return safeNs(fn, goDate(f.year + years, f.month + months, f.day + days, f.hour, f.min, f.sec, f.nsec, t.zone));
    },
  },
  {
    name: 'time.diff',
    args: [TIME_ARG, TIME_ARG],
    fn: (args) => timeDiff(tzTime('time.diff', args[0]).t, tzTime('time.diff', args[1]).t),
  },
];
