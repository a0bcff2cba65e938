/**
 * Encoding builtins: base64, base64url, hex, json, yaml and urlquery.
 * OPA uses Go's encoders, so decoding is as strict as Go's and the error
 * texts are Go's. Rego strings are UTF-8; decoded bytes are read as UTF-8.
 */
import YAML from 'yaml';
import type { BuiltinDef } from './contract.js';
import { builtinError, obj, str } from './args.js';
import { BuiltinError } from '../errors.js';
import { fromJSON, parseJSON, RObject, RSet, stringifyJSON, type Value } from '../value.js';

const utf8 = new TextEncoder();
const decodeUtf8 = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

// ---------------------------------------------------------------------------
// base64, as Go's encoding/base64 (padding required, \r and \n ignored)

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL = STD.slice(0, 62) + '-_';

function decodeMap(alphabet: string): Int16Array {
  const m = new Int16Array(256).fill(-1);
  for (let i = 0; i < alphabet.length; i++) m[alphabet.charCodeAt(i)] = i;
  return m;
}
const STD_MAP = decodeMap(STD);
const URL_MAP = decodeMap(URL);

const corrupt = (at: number) => new Error(`illegal base64 data at input byte ${at}`);
const isNewline = (b: number) => b === 0x0a || b === 0x0d;

/** Go's base64 Encoding.DecodeString for a padded encoding. */
function base64Decode(text: string, map: Int16Array): Uint8Array {
  const src = utf8.encode(text);
  const out: number[] = [];
  let si = 0;
  while (si < src.length) {
    const buf = [0, 0, 0, 0];
    let len = 4;
    let trailing: Error | undefined;
    for (let j = 0; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Uint8Array.from(out);
        throw corrupt(si - j);
      }
      const c = src[si++];
      if (map[c] >= 0) { buf[j] = map[c]; continue; }
      if (isNewline(c)) { j--; continue; }
      if (c !== 0x3d) throw corrupt(si - 1);
      // Padding: only after two or three symbols, and it ends the input.
      if (j < 2) throw corrupt(si - 1);
      if (j === 2) {
        while (si < src.length && isNewline(src[si])) si++;
        if (si === src.length) throw corrupt(src.length);
        if (src[si] !== 0x3d) throw corrupt(si - 1);
        si++;
      }
      while (si < src.length && isNewline(src[si])) si++;
      if (si < src.length) trailing = corrupt(si);
      len = j;
      break;
    }
    const v = (buf[0] << 18) | (buf[1] << 12) | (buf[2] << 6) | buf[3];
    out.push((v >> 16) & 0xff);
    if (len > 2) out.push((v >> 8) & 0xff);
    if (len > 3) out.push(v & 0xff);
    if (trailing) throw trailing;
  }
  return Uint8Array.from(out);
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const b64url = (s: string) => b64(s).replace(/\+/g, '-').replace(/\//g, '_');

/** base64url.decode: unpadded input is padded first (RFC 7515 appendix C). */
export function base64UrlDecode(s: string): Uint8Array {
  if (!s.endsWith('=')) {
    switch (s.length % 4) {
      case 0: break;
      case 2: s += '=='; break;
      case 3: s += '='; break;
      default: throw new Error(`illegal base64url string: ${s}`);
    }
  }
  return base64Decode(s, URL_MAP);
}

// ---------------------------------------------------------------------------
// hex, as Go's encoding/hex

function hexInvalid(b: number): Error {
  const cp = 'U+' + b.toString(16).toUpperCase().padStart(4, '0');
  const ch = String.fromCharCode(b);
  // Go's %#U adds the character only when it is printable.
  const printable = b >= 0x20 && b !== 0x7f && !(b >= 0x80 && b < 0xa0) && b !== 0xad;
  return new Error(`encoding/hex: invalid byte: ${cp}${printable ? ` '${ch}'` : ''}`);
}

function hexDecode(text: string): Uint8Array {
  const src = utf8.encode(text);
  const val = (b: number) => (b >= 48 && b <= 57 ? b - 48 : b >= 97 && b <= 102 ? b - 87 : b >= 65 && b <= 70 ? b - 55 : -1);
  const out = new Uint8Array(src.length >> 1);
  let j = 1;
  for (; j < src.length; j += 2) {
    const a = val(src[j - 1]); const b = val(src[j]);
    if (a < 0) throw hexInvalid(src[j - 1]);
    if (b < 0) throw hexInvalid(src[j]);
    out[j >> 1] = (a << 4) | b;
  }
  if (src.length % 2 === 1) {
    if (val(src[j - 1]) < 0) throw hexInvalid(src[j - 1]);
    throw new Error('encoding/hex: odd length hex string');
  }
  return out;
}

// ---------------------------------------------------------------------------
// JSON

/** Go's json.Indent over compact JSON text: newline, prefix, then indent per level. */
function indentJSON(compact: string, prefix: string, indent: string): string {
  let out = '';
  let depth = 0;
  let inString = false;
  const newline = (d: number) => '\n' + prefix + indent.repeat(d);
  for (let i = 0; i < compact.length; i++) {
    const c = compact[i];
    if (inString) {
      out += c;
      if (c === '\\') out += compact[++i];
      else if (c === '"') inString = false;
      continue;
    }
    switch (c) {
      case '"': inString = true; out += c; break;
      case '{':
      case '[':
        // Empty containers stay on one line.
        if (compact[i + 1] === (c === '{' ? '}' : ']')) { out += c + compact[++i]; break; }
        out += c + newline(++depth);
        break;
      case '}':
      case ']': out += newline(--depth) + c; break;
      case ',': out += c + newline(depth); break;
      case ':': out += ': '; break;
      default: out += c;
    }
  }
  return out;
}

function marshalWithOptions(fn: string, v: Value, opts: RObject): string {
  let indent = '\t';
  let prefix = '';
  let implicit = false;
  let explicit: boolean | undefined;
  for (const [k, x] of opts) {
    if (typeof k !== 'string') throw new BuiltinError('eval_type_error', `${fn}: operand 2 failed to stringify key ${stringifyJSON(k)}`);
    if (k === 'prefix' || k === 'indent') {
      if (typeof x !== 'string') throw new BuiltinError('eval_type_error', `${fn}: operand 2 key ${k} failed cast to string`);
      if (k === 'prefix') prefix = x; else indent = x;
      implicit = true;
    } else if (k === 'pretty') {
      if (typeof x !== 'boolean') throw new BuiltinError('eval_type_error', `${fn}: operand 2 key ${k} failed cast to bool`);
      explicit = x;
    } else {
      throw new BuiltinError('eval_type_error', `${fn}: operand 2 object contained unknown key ${k}`);
    }
  }
  const compact = stringifyJSON(v);
  // json.MarshalIndent does not prefix the first line; OPA adds it.
  return explicit ?? implicit ? prefix + indentJSON(compact, prefix, indent) : compact;
}

/** OPA's util.UnmarshalJSON: empty input is null; one value, nothing after it. */
function unmarshalJSON(text: string): Value {
  if (text.trim() === '') return null;
  try {
    return parseJSON(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(/end of JSON input/i.test(msg) ? 'unexpected end of JSON input' : msg);
  }
}

function isValidJSON(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// YAML, as sigs.k8s.io/yaml (YAML 1.1 scalars, timestamps and sexagesimals left as strings)

const YAML_OMIT = new Set(['tag:yaml.org,2002:timestamp']);
const yamlTags = (tags: YAML.Tags): YAML.Tags =>
  tags.filter((t) => typeof t !== 'object' || !('tag' in t) || !(YAML_OMIT.has(t.tag) || (t as { format?: string }).format === 'TIME'));

function yamlUnmarshal(text: string): Value {
  const docs = YAML.parseAllDocuments(text, { version: '1.1', customTags: yamlTags, intAsBigInt: true, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const doc = list[0];
  if (doc === undefined) return null;
  if (doc.errors.length > 0) throw new Error(doc.errors[0].message.split('\n')[0]);
  return fromJSON(doc.toJS({ mapAsMap: false, maxAliasCount: 100 }) ?? null);
}

/** Rego value → plain data for the YAML printer (sets as arrays, keys as JSON text). */
function toYAMLData(v: Value): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toYAMLData);
  if (v instanceof RSet) return v.values().map(toYAMLData);
  const out: Record<string, unknown> = {};
  for (const [k, x] of v) out[typeof k === 'string' ? k : stringifyJSON(k)] = toYAMLData(x);
  return out;
}

function yamlMarshal(v: Value): string {
  return YAML.stringify(toYAMLData(v), { version: '1.1', indentSeq: false, lineWidth: 0, sortMapEntries: true });
}

// ---------------------------------------------------------------------------
// URL query encoding, as Go's net/url

function queryEscape(s: string): string {
  let out = '';
  for (const b of utf8.encode(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function queryUnescape(s: string): string {
  const isHex = (c: string | undefined) => c !== undefined && /[0-9a-fA-F]/.test(c);
  const bytes: number[] = [];
  for (let i = 0; i < s.length;) {
    if (s[i] === '%') {
      if (!isHex(s[i + 1]) || !isHex(s[i + 2])) throw new Error(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 3;
    } else if (s[i] === '+') {
      bytes.push(0x20);
      i++;
    } else {
      const chars = s.codePointAt(i)! > 0xffff ? 2 : 1;
      for (const b of utf8.encode(s.slice(i, i + chars))) bytes.push(b);
      i += chars;
    }
  }
  return decodeUtf8(Uint8Array.from(bytes));
}

/** Go's url.ParseQuery: `&`-separated; a semicolon is an error; the first error wins. */
function parseQuery(query: string): RObject {
  const params = new Map<string, string[]>();
  let firstError: Error | undefined;
  for (const part of query.split('&')) {
    if (part === '') continue;
    if (part.includes(';')) { firstError ??= new Error('invalid semicolon separator in query'); continue; }
    const eq = part.indexOf('=');
    try {
      const key = queryUnescape(eq < 0 ? part : part.slice(0, eq));
      const value = queryUnescape(eq < 0 ? '' : part.slice(eq + 1));
      const list = params.get(key) ?? [];
      list.push(value);
      params.set(key, list);
    } catch (e) {
      firstError ??= e as Error;
    }
  }
  if (firstError) throw firstError;
  return RObject.fromEntries([...params].map(([k, vs]) => [k, vs] as const));
}

function encodeObject(fn: string, o: RObject): string {
  const bad = () => new BuiltinError('eval_type_error', `${fn}: operand 1 values must be string, array[string], or set[string]`);
  const pairs: [string, string][] = [];
  for (const [k, v] of o) {
    const key = typeof k === 'string' ? k : stringifyJSON(k);
    const vals = typeof v === 'string' ? [v] : Array.isArray(v) ? v : v instanceof RSet ? v.values() : undefined;
    if (vals === undefined) throw bad();
    for (const x of vals) {
      if (typeof x !== 'string') throw bad();
      pairs.push([key, x]);
    }
  }
  // url.Values.Encode sorts by key, keeping each key's values in order.
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return pairs.map(([k, v]) => queryEscape(k) + '=' + queryEscape(v)).join('&');
}

// ---------------------------------------------------------------------------
// Builtins

/** A builtin of one string operand whose Go errors become builtin errors. */
function stringFn(name: string, f: (s: string) => Value): BuiltinDef {
  return {
    name,
    args: ['string'],
    fn: (args) => {
      const s = str(name, args, 0);
      try {
        return f(s);
      } catch (e) {
        if (e instanceof BuiltinError) throw e;
        throw builtinError(name, e instanceof Error ? e.message : String(e));
      }
    },
  };
}

/** `*.is_valid` builtins answer false, not an error, for a non-string. */
function validFn(name: string, f: (s: string) => boolean): BuiltinDef {
  return { name, args: ['string'], fn: (args) => typeof args[0] === 'string' && f(args[0]) };
}

const succeeds = (f: (s: string) => unknown) => (s: string): boolean => {
  try {
    f(s);
    return true;
  } catch {
    return false;
  }
};

export const builtins: BuiltinDef[] = [
  stringFn('base64.encode', b64),
  stringFn('base64.decode', (s) => decodeUtf8(base64Decode(s, STD_MAP))),
  validFn('base64.is_valid', succeeds((s) => base64Decode(s, STD_MAP))),
  stringFn('base64url.encode', b64url),
  stringFn('base64url.encode_no_pad', (s) => b64url(s).replace(/=+$/, '')),
  stringFn('base64url.decode', (s) => decodeUtf8(base64UrlDecode(s))),
  stringFn('hex.encode', (s) => Buffer.from(s, 'utf8').toString('hex')),
  stringFn('hex.decode', (s) => decodeUtf8(hexDecode(s))),
  { name: 'json.marshal', args: ['any'], fn: (args) => stringifyJSON(args[0]) },
  {
    name: 'json.marshal_with_options',
    args: ['any', 'object'],
    fn: (args) => marshalWithOptions('json.marshal_with_options', args[0], obj('json.marshal_with_options', args, 1)),
  },
  stringFn('json.unmarshal', unmarshalJSON),
  validFn('json.is_valid', isValidJSON),
  { name: 'yaml.marshal', args: ['any'], fn: (args) => yamlMarshal(args[0]) },
  stringFn('yaml.unmarshal', yamlUnmarshal),
  validFn('yaml.is_valid', succeeds(yamlUnmarshal)),
  stringFn('urlquery.encode', queryEscape),
  stringFn('urlquery.decode', queryUnescape),
  {
    name: 'urlquery.encode_object',
    args: ['object'],
    fn: (args) => encodeObject('urlquery.encode_object', obj('urlquery.encode_object', args, 0)),
  },
  stringFn('urlquery.decode_object', parseQuery),
];
