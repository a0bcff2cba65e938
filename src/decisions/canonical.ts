/**
 * Canonical JSON for hashing, in the style of RFC 8785 (JCS): object keys
 * sorted by UTF-16 code units, no whitespace, numbers as ECMAScript prints
 * them, strings with JSON.stringify's minimal escaping. Beyond JCS, `bigint`
 * prints as exact decimal digits, so integers of any size keep their value.
 */
import { createHash } from 'node:crypto';

/** JSON data as attest passes it around: integers beyond 2^53 are `bigint`. */
export type Json = null | boolean | number | bigint | string | Json[] | { [key: string]: Json };

/** Text that is already canonical JSON, spliced in verbatim (stored columns). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** What `canonicalJson` accepts: JSON, raw canonical fragments, and `undefined` object members (skipped). */
export type Canonicalizable = Json | RawJson | undefined | Canonicalizable[] | { [key: string]: Canonicalizable };

export function canonicalJson(value: Canonicalizable): string {
  // JCS prints strings and numbers as JSON.stringify does, so where every
  // object's keys already stand in canonical order (as `toJSON` of a Rego
  // value leaves them) and nothing needs special treatment, the native
  // serialiser gives the canonical text, several times faster.
  if (nativeIsCanonical(value, 0)) return JSON.stringify(value);
  try {
    return write(value);
  } catch (err) {
    // The fast path keeps no location; find it only when there is an error to report.
    if (err instanceof TypeError) throw new TypeError(`canonical JSON: ${err.message} at ${badPath(value, '') || '/'}`);
    throw err;
  }
}

/** Deeper than this, the general writer decides (and the check stays cheap and bounded). */
const NATIVE_MAX_DEPTH = 64;

/**
 * True when `JSON.stringify(v)` is exactly `write(v)`: every object plain
 * with its keys in strictly ascending UTF-16 order (which JS's own order puts
 * integer-like keys out of, so those fail), no member undefined, every number
 * finite and not -0, no bigint and no raw fragment.
 */
function nativeIsCanonical(v: Canonicalizable, depth: number): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'object':
      break;
    default:
      return false;
  }
  if (v === null) return true;
  if (depth > NATIVE_MAX_DEPTH || v instanceof RawJson) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!nativeIsCanonical(v[i], depth + 1)) return false;
    return true;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return false;
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) {
    if (i > 0 && !(keys[i - 1] < keys[i])) return false;
    if (!nativeIsCanonical((v as { [key: string]: Canonicalizable })[keys[i]], depth + 1)) return false;
  }
  return true;
}

/** String concatenation (ropes) rather than a parts array: no location strings on the way. */
function write(v: Canonicalizable): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'number':
      if (!Number.isFinite(v)) throw new TypeError(`${v} is not a JSON number`);
      return Object.is(v, -0) ? '0' : String(v);
    case 'undefined':
      throw new TypeError('undefined');
  }
  if (v === null) return 'null';
  if (v instanceof RawJson) return v.text;
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) s += (i > 0 ? ',' : '') + write(v[i]);
    return s + ']';
  }
  if (typeof v === 'object') {
    // Default sort order is by UTF-16 code units, which is what JCS asks for.
    const keys = Object.keys(v).sort();
    let s = '{';
    let first = true;
    for (const k of keys) {
      const x = v[k];
      if (x === undefined) continue;
      s += (first ? '' : ',') + JSON.stringify(k) + ':' + write(x);
      first = false;
    }
    return s + '}';
  }
  throw new TypeError(`unsupported ${typeof v}`);
}

/** Where in `v` the first value canonical JSON refuses sits (a JSON pointer), if anywhere. */
function badPath(v: Canonicalizable, where: string): string | undefined {
  if (v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return where;
  if (v === null || typeof v !== 'object' || v instanceof RawJson) {
    return ['string', 'boolean', 'bigint', 'number', 'object'].includes(typeof v) ? undefined : where;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = badPath(v[i], `${where}/${i}`);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  for (const k of Object.keys(v).sort()) {
    if (v[k] === undefined) continue;
    const p = badPath(v[k], `${where}/${k}`);
    if (p !== undefined) return p;
  }
  return undefined;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Parses JSON text, keeping integers outside the safe range exact as
 * `bigint` (JSON.parse would round them). Throws SyntaxError on bad input.
 */
export function parseJson(text: string): Json {
  const p = new Parser(text);
  p.ws();
  const v = p.value();
  p.ws();
  if (p.i !== text.length) p.fail('unexpected data after JSON value');
  return v;
}

// Sticky patterns match at `lastIndex` without copying the rest of the text.
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

class Parser {
  i = 0;
  constructor(private readonly s: string) {}

  fail(msg: string): never {
    throw new SyntaxError(`${msg} at offset ${this.i}`);
  }

  ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i])) this.i++;
  }

  value(): Json {
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, val] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return val;
      }
    }
    return this.fail('unexpected token');
  }

  object(): Json {
    const o: { [key: string]: Json } = {};
    this.i++;
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return o;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('expected string key');
      const k = this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail('expected ":"');
      this.i++;
      this.ws();
      o[k] = this.value();
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return o;
      if (c !== ',') this.fail('expected "," or "}"');
    }
  }

  array(): Json {
    const a: Json[] = [];
    this.i++;
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return a;
    }
    for (;;) {
      this.ws();
      a.push(this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return a;
      if (c !== ',') this.fail('expected "," or "]"');
    }
  }

  string(): string {
    STRING.lastIndex = this.i;
    const m = STRING.exec(this.s);
    if (!m) return this.fail('bad string');
    this.i += m[0].length;
    return JSON.parse(m[0]) as string;
  }

  number(): number | bigint {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (!m) return this.fail('bad number');
    this.i += m[0].length;
    const n = Number(m[0]);
    if (m[1] === undefined && m[2] === undefined && !Number.isSafeInteger(n)) return BigInt(m[0]);
    return n;
  }
}
