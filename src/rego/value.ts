/**
 * Rego values, OPA's equality and OPA's total order, in one place.
 *
 * Representation (chosen so that the common JSON cases stay native JS values):
 *   null, boolean, string         → themselves
 *   number                        → `number`, or `bigint` for integers beyond ±2^53
 *                                   (invariant: a bigint is never within the safe range)
 *   array                         → `Value[]` (treated as immutable once built)
 *   object                        → `RObject` (keys may be any value)
 *   set                           → `RSet`
 *
 * Objects and sets iterate in OPA's sorted order so that results built from
 * iteration (comprehensions, `walk`, JSON output) match OPA's.
 */

export type Value = null | boolean | number | bigint | string | Value[] | RObject | RSet;

/** Type rank in OPA's total order: null < boolean < number < string < array < object < set. */
export const enum TypeRank { Null = 0, Boolean = 1, Number = 2, String = 3, Array = 4, Object = 5, Set = 6 }

export function typeRank(v: Value): TypeRank {
  switch (typeof v) {
    case 'boolean': return TypeRank.Boolean;
    case 'number':
    case 'bigint': return TypeRank.Number;
    case 'string': return TypeRank.String;
    default:
      if (v === null) return TypeRank.Null;
      if (Array.isArray(v)) return TypeRank.Array;
      return v instanceof RObject ? TypeRank.Object : TypeRank.Set;
  }
}

/** OPA's type names, as `type_name` and error messages use them. */
export function typeName(v: Value): string {
  return TYPE_NAMES[typeRank(v)];
}
const TYPE_NAMES = ['null', 'boolean', 'number', 'string', 'array', 'object', 'set'];

export function isNumber(v: Value): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}
export function isObject(v: Value): v is RObject { return v instanceof RObject; }
export function isSet(v: Value): v is RSet { return v instanceof RSet; }

// ---------------------------------------------------------------------------
// Numbers

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** Keeps the invariant: bigints only outside the safe integer range. */
export function normalizeBig(b: bigint): number | bigint {
  return b <= MAX_SAFE && b >= MIN_SAFE ? Number(b) : b;
}

/** True for integer values (a bigint, or a number with no fractional part). */
export function isInteger(v: number | bigint): boolean {
  return typeof v === 'bigint' || Number.isInteger(v);
}

/** Exact integer view of an integral number (callers check `isInteger` first). */
export function toBigInt(v: number | bigint): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

/** Parses a Rego/JSON number literal, keeping integers exact at any size. */
export function parseNumber(text: string): number | bigint {
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n;
    return normalizeBig(BigInt(text));
  }
  return Number(text);
}

export function compareNumbers(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  // Mixed or big: compare exactly where both are integers, else as floats.
  if (isInteger(a) && isInteger(b) && (typeof a === 'bigint' || Number.isFinite(a)) && (typeof b === 'bigint' || Number.isFinite(b))) {
    const x = toBigInt(a); const y = toBigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = Number(a); const y = Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Formats a number the way OPA prints it in JSON. */
export function formatNumber(v: number | bigint): string {
  if (typeof v === 'bigint') return v.toString();
  if (Number.isInteger(v) && Math.abs(v) >= 1e21) return BigInt(v).toString();
  if (Object.is(v, -0)) return '0';
  return String(v);
}

// ---------------------------------------------------------------------------
// Strings: OPA compares strings byte-wise in UTF-8, which is code point order.

export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i); let y = b.charCodeAt(i);
    if (x !== y) {
      // UTF-16 order differs from code point order only between surrogates
      // (D800–DFFF, i.e. code points above FFFF) and E000–FFFF.
      if (x >= 0xd800) x += x >= 0xe000 ? -0x800 : 0x2000;
      if (y >= 0xd800) y += y >= 0xe000 ? -0x800 : 0x2000;
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
}

// ---------------------------------------------------------------------------
// Canonical keys: an injective string per value, equal exactly when values are equal.

/** Canonical key of a value; used to hash object keys and set members. */
export function keyOf(v: Value): string {
  if (typeof v === 'string') return v.charCodeAt(0) === 0 ? '\u0000s' + v : v;
  return '\u0000' + canonicalText(v);
}

function canonicalText(v: Value): string {
  switch (typeof v) {
    case 'string': return JSON.stringify(v);
    case 'number':
    case 'bigint': return formatNumber(v);
    case 'boolean': return v ? 'true' : 'false';
    default:
      if (v === null) return 'null';
      if (Array.isArray(v)) return '[' + v.map(canonicalText).join(',') + ']';
      return v.canonical();
  }
}

// ---------------------------------------------------------------------------
// Objects

/**
 * An object whose keys may be any Rego value. String keys (the JSON case) are
 * stored under themselves, so lookups from JSON input stay a single Map get.
 *
 * An object made by `fromJSON` from a plain JS object converts lazily: `get`
 * converts (once) only the members a policy reads, and everything that needs
 * all members (size aside) converts the rest first. A decision usually reads a
 * handful of input fields, so most of the input is never copied.
 */
export class RObject implements Iterable<[Value, Value]> {
  /** Members by canonical key (NO_VALS, never written, while the object is lazy). */
  private vals: Map<string, Value>;
  /** Original keys, only for keys that are not plain strings. */
  private otherKeys: Map<string, Value> | undefined;
  private sorted: [Value, Value][] | undefined;
  /** Canonical text, kept once computed (objects are not changed after they are shared). */
  private canon: string | undefined;
  /** Plain JS source whose members are not all converted yet (see `lazy`). */
  private src: Record<string, unknown> | undefined;
  /** Members of `src` converted so far (objects, arrays, big integers; scalars are read from `src`). */
  private kids: Map<string, Value> | undefined;
  /** Number of keys in `src` (the object's size while it is lazy); -1 until asked. */
  private srcSize = -1;

  /** @internal `vals` is for RObject.lazy; build objects with `new RObject()` and `set`. */
  constructor(vals: Map<string, Value> = new Map()) {
    this.vals = vals;
  }

  /**
   * An object over plain JS data, converted member by member on first read.
   * `src` must not be changed afterwards (as with any Value, it is immutable once shared).
   */
  static lazy(src: Record<string, unknown>): RObject {
    // No Map until one is needed: most input objects only ever answer a few gets.
    const o = new RObject(NO_VALS);
    o.src = src;
    return o;
  }

  /** @internal The canonical text behind keyOf. */
  canonical(): string {
    if (this.canon === undefined) {
      const parts: string[] = [];
      for (const [k, x] of this.entries()) parts.push(canonicalText(k) + ':' + canonicalText(x));
      this.canon = '{' + parts.join(',') + '}';
    }
    return this.canon;
  }

  static fromEntries(entries: Iterable<readonly [Value, Value]>): RObject {
    const o = new RObject();
    for (const [k, v] of entries) o.set(k, v);
    return o;
  }

  get size(): number {
    if (this.src === undefined) return this.vals.size;
    if (this.srcSize < 0) this.srcSize = Object.keys(this.src).length;
    return this.srcSize;
  }

  get(key: Value): Value | undefined {
    if (this.src !== undefined) return this.lazyGet(key);
    return this.vals.get(typeof key === 'string' && key.charCodeAt(0) !== 0 ? key : keyOf(key));
  }

  /**
   * `get` while some members are unconverted: a plain string key converts just
   * that member. Scalars need no conversion and are read from the source;
   * other members are converted once and kept.
   */
  private lazyGet(key: Value): Value | undefined {
    if (typeof key !== 'string') return undefined; // a JS object has string keys only
    if (key.charCodeAt(0) === 0) return this.materialize().vals.get(keyOf(key));
    const src = this.src!;
    const raw = src[key];
    const t = typeof raw;
    if (t === 'string' || t === 'number' || t === 'boolean') return hasOwn(src, key) ? (raw as Value) : undefined;
    let v = this.kids?.get(key);
    if (v !== undefined) return v;
    if (!hasOwn(src, key)) return undefined;
    v = fromJSON(raw);
    (this.kids ??= new Map()).set(key, v);
    return v;
  }

  /** Converts every member not converted yet (keeping those already handed out). */
  private materialize(): this {
    const src = this.src;
    if (src === undefined) return this;
    const kids = this.kids;
    this.src = undefined;
    this.kids = undefined;
    this.vals = new Map();
    for (const k of Object.keys(src)) {
      if (k.charCodeAt(0) === 0) this.set(k, fromJSON(src[k]));
      else this.vals.set(k, kids?.get(k) ?? fromJSON(src[k]));
    }
    return this;
  }

  has(key: Value): boolean { return this.get(key) !== undefined; }

  /** Mutates; only for building a new object before it is shared. */
  set(key: Value, value: Value): this {
    this.materialize();
    const h = keyOf(key);
    if (typeof key !== 'string' || h !== key) (this.otherKeys ??= new Map()).set(h, key);
    this.vals.set(h, value);
    this.sorted = undefined;
    this.canon = undefined;
    return this;
  }

  /** Mutates; only for building a new object before it is shared. */
  delete(key: Value): boolean {
    this.materialize();
    const h = keyOf(key);
    this.otherKeys?.delete(h);
    this.sorted = undefined;
    this.canon = undefined;
    return this.vals.delete(h);
  }

  /** Entries in OPA's key order. */
  entries(): [Value, Value][] {
    if (this.sorted === undefined) {
      this.materialize();
      const out: [Value, Value][] = [];
      const other = this.otherKeys;
      if (other === undefined) {
        // All keys are plain strings: OPA's order is code point order.
        for (const [h, v] of this.vals) out.push([h, v]);
        sortSmall(out, compareStringKeys);
      } else {
        for (const [h, v] of this.vals) out.push([other.has(h) ? (other.get(h) as Value) : h, v]);
        sortSmall(out, (a, b) => compare(a[0], b[0]));
      }
      this.sorted = out;
    }
    return this.sorted;
  }

  keys(): Value[] { return this.entries().map((e) => e[0]); }
  values(): Value[] { return this.entries().map((e) => e[1]); }

  [Symbol.iterator](): Iterator<[Value, Value]> { return this.entries()[Symbol.iterator](); }

  /** A shallow copy that can be mutated with `set`/`delete`. */
  clone(): RObject {
    this.materialize();
    const o = new RObject();
    for (const [h, v] of this.vals) o.vals.set(h, v);
    if (this.otherKeys) o.otherKeys = new Map(this.otherKeys);
    return o;
  }
}

/**
 * Sorts in place. Objects and sets built per decision are mostly small, where
 * an insertion sort beats Array.prototype.sort's setup; larger ones use it.
 * Keys are unique, so stability does not matter.
 */
function sortSmall<T>(xs: T[], cmp: (a: T, b: T) => number): T[] {
  const n = xs.length;
  if (n > 12) return xs.sort(cmp);
  for (let i = 1; i < n; i++) {
    const x = xs[i];
    let j = i - 1;
    while (j >= 0 && cmp(xs[j], x) > 0) { xs[j + 1] = xs[j]; j--; }
    xs[j + 1] = x;
  }
  return xs;
}

/** The members of every lazy object until it is materialised; never written. */
const NO_VALS: Map<string, Value> = new Map();

function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

function compareStringKeys(a: [Value, Value], b: [Value, Value]): number {
  return compareStrings(a[0] as string, b[0] as string);
}

// ---------------------------------------------------------------------------
// Sets

export class RSet implements Iterable<Value> {
  private readonly members = new Map<string, Value>();
  private sorted: Value[] | undefined;
  private canon: string | undefined;

  /** @internal The canonical text behind keyOf. */
  canonical(): string {
    if (this.canon === undefined) this.canon = '<' + this.values().map(canonicalText).join(',') + '>';
    return this.canon;
  }

  constructor(values?: Iterable<Value>) {
    if (values) for (const v of values) this.add(v);
  }

  get size(): number { return this.members.size; }

  has(v: Value): boolean { return this.members.has(keyOf(v)); }

  /** Mutates; only for building a new set before it is shared. */
  add(v: Value): this {
    const h = keyOf(v);
    if (!this.members.has(h)) { this.members.set(h, v); this.sorted = undefined; this.canon = undefined; }
    return this;
  }

  /** Mutates; only for building a new set before it is shared. */
  delete(v: Value): boolean {
    this.sorted = undefined;
    this.canon = undefined;
    return this.members.delete(keyOf(v));
  }

  /** Members in OPA's order. */
  values(): Value[] {
    if (this.sorted === undefined) this.sorted = sortSmall([...this.members.values()], compare);
    return this.sorted;
  }

  [Symbol.iterator](): Iterator<Value> { return this.values()[Symbol.iterator](); }
}

// ---------------------------------------------------------------------------
// Equality and order

export function equals(a: Value, b: Value): boolean {
  if (a === b) return true;
  const ta = typeof a;
  if (ta === 'string' || ta === 'boolean' || ta !== typeof b) {
    // number vs bigint never compare equal by value (bigints are outside the safe range),
    // except for huge integral floats; compareNumbers settles those.
    return isNumber(a) && isNumber(b) && compareNumbers(a, b) === 0;
  }
  if (ta === 'number' || ta === 'bigint') return a === b || compareNumbers(a as number, b as number) === 0;
  if (a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equals(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof RObject) {
    if (!(b instanceof RObject) || a.size !== b.size) return false;
    for (const [k, v] of a) {
      const w = b.get(k);
      if (w === undefined || !equals(v, w)) return false;
    }
    return true;
  }
  if (a instanceof RSet) {
    if (!(b instanceof RSet) || a.size !== b.size) return false;
    for (const v of a) if (!b.has(v)) return false;
    return true;
  }
  return false;
}

/** OPA's total order over all values; negative, zero or positive. */
export function compare(a: Value, b: Value): number {
  const ra = typeRank(a); const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case TypeRank.Null: return 0;
    case TypeRank.Boolean: return a === b ? 0 : a ? 1 : -1;
    case TypeRank.Number: return compareNumbers(a as number | bigint, b as number | bigint);
    case TypeRank.String: return compareStrings(a as string, b as string);
    case TypeRank.Array: return compareSequences(a as Value[], b as Value[]);
    case TypeRank.Object: {
      const x = (a as RObject).entries(); const y = (b as RObject).entries();
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i][0], y[i][0]) || compare(x[i][1], y[i][1]);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    default: return compareSequences((a as RSet).values(), (b as RSet).values());
  }
}

function compareSequences(a: readonly Value[], b: readonly Value[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compare(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

// ---------------------------------------------------------------------------
// Conversion to and from JSON

/** Plain JSON-ish JS data as parsers give it. */
export type JSONData = null | boolean | number | bigint | string | JSONData[] | { [key: string]: JSONData };

/**
 * Converts parsed JSON/YAML data (plain JS) into a Rego value. Objects convert
 * lazily (see `RObject.lazy`) and arrays of scalars are used as they are, so
 * `x` must not be changed afterwards; an unconvertible member (a function,
 * `undefined`) raises its TypeError when it is first read.
 */
export function fromJSON(x: unknown): Value {
  switch (typeof x) {
    case 'string':
    case 'boolean':
      return x;
    case 'number':
      return x;
    case 'bigint':
      return normalizeBig(x);
    case 'object': {
      if (x === null) return null;
      if (Array.isArray(x)) return isScalarArray(x) ? (x as Value[]) : x.map(fromJSON);
      if (x instanceof RObject || x instanceof RSet) return x;
      return RObject.lazy(x as Record<string, unknown>);
    }
    default:
      throw new TypeError(`cannot convert ${typeof x} to a Rego value`);
  }
}

/**
 * `fromJSON` converting everything at once: for long-lived documents (base
 * data) that many queries read, where a lazy member lookup, especially a miss,
 * would be paid on every query instead of once.
 */
export function fromJSONEager(x: unknown): Value {
  const v = fromJSON(x);
  materializeDeep(v);
  return v;
}

function materializeDeep(v: Value): void {
  if (v instanceof RObject) for (const [, x] of v.entries()) materializeDeep(x);
  else if (Array.isArray(v)) for (const x of v) materializeDeep(x);
}

/** True when every element is already a Value needing no conversion (no holes, no bigints). */
function isScalarArray(xs: readonly unknown[]): boolean {
  for (let i = 0; i < xs.length; i++) {
    const t = typeof xs[i];
    if (t !== 'string' && t !== 'number' && t !== 'boolean' && xs[i] !== null) return false;
  }
  return true;
}

/**
 * The JSON form of a value, as OPA's `ast.JSON` makes it: sets become sorted
 * arrays, non-string object keys become their compact JSON text.
 * Big integers stay `bigint`; use `stringifyJSON` to print exactly.
 */
export function toJSON(v: Value): JSONData {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toJSON);
  if (v instanceof RSet) return v.values().map(toJSON);
  const out: { [key: string]: JSONData } = {};
  for (const [k, x] of v) out[typeof k === 'string' ? k : stringifyJSON(k)] = toJSON(x);
  return out;
}

/**
 * Compact JSON text of a value (Go's encoding/json style: map keys sorted,
 * `<`, `>` and `&` escaped), with big integers exact. `indent` pretty-prints.
 */
export function stringifyJSON(v: Value, indent = ''): string {
  return write(v, indent, '');
}

function write(v: Value, indent: string, pad: string): string {
  switch (typeof v) {
    case 'string': return quoteJSON(v);
    case 'number':
      if (!Number.isFinite(v)) return quoteJSON(String(v));
      return formatNumber(v);
    case 'bigint': return v.toString();
    case 'boolean': return v ? 'true' : 'false';
  }
  if (v === null) return 'null';
  const inner = pad + indent;
  const sep = indent ? ',\n' + inner : ',';
  const open = (c: string) => (indent ? c + '\n' + inner : c);
  const close = (c: string) => (indent ? '\n' + pad + c : c);
  if (Array.isArray(v) || v instanceof RSet) {
    const items = Array.isArray(v) ? v : v.values();
    if (items.length === 0) return '[]';
    return open('[') + items.map((x) => write(x, indent, inner)).join(sep) + close(']');
  }
  const entries = v.entries().map(([k, x]) => [typeof k === 'string' ? k : stringifyJSON(k), x] as const);
  if (entries.length === 0) return '{}';
  entries.sort((a, b) => compareStrings(a[0], b[0]));
  const colon = indent ? ': ' : ':';
  return open('{') + entries.map(([k, x]) => quoteJSON(k) + colon + write(x, indent, inner)).join(sep) + close('}');
}

/** JSON string quoting with Go's HTML-safe escapes. */
export function quoteJSON(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * Parses JSON text into a Rego value, keeping big integers exact
 * (JSON.parse would round them). Throws SyntaxError on bad input.
 */
export function parseJSON(text: string): Value {
  // The reviver's context argument (Node ≥ 21) is not available on Node 20, so
  // big integers are protected by quoting them first when any are present.
  if (!/\d{16,}/.test(text)) return fromJSON(JSON.parse(text));
  return fromJSON(JSON.parse(protectBigInts(text), (_k, x: unknown) =>
    typeof x === 'string' && x.startsWith(BIG_MARK) ? normalizeBig(BigInt(x.slice(BIG_MARK.length))) : x));
}

const BIG_MARK = '\u0000bigint:';

/** Rewrites integer literals of 16+ digits outside strings as marked strings. */
function protectBigInts(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i + 1;
      while (j < n && /[0-9eE.+-]/.test(text[j])) j++;
      const lit = text.slice(i, j);
      out += /^-?\d{16,}$/.test(lit) && !Number.isSafeInteger(Number(lit)) ? JSON.stringify(BIG_MARK + lit) : lit;
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
