/**
 * Decision-log masking with OPA's semantics (`data.system.log.mask`).
 *
 * The mask rule's value is a set (given here as an array, in set order) whose
 * elements are either a JSON pointer string (erase it) or an object
 * `{"op": "remove"|"upsert", "path": pointer, "value": any}`. Pointers start
 * with /input, /result or /nd_builtin_cache. Pointers that do not resolve are
 * ignored. Erased pointers are appended to `erased`, upserted ones to `masked`.
 *
 * Behaviour follows OPA's plugins/logs/mask.go, including its corners:
 * - a path segment is matched in its URL-path-escaped form (Go's
 *   url.PathEscape), so a segment with a space, `%` or non-ASCII characters
 *   never matches a key, exactly as in OPA;
 * - array elements can be removed (not at the top level of input/result) and
 *   upserted in place, but upsert never grows an array or walks into a missing index;
 * - upsert creates missing intermediate objects.
 */
import type { Json } from './canonical.js';

export interface MaskableEvent {
  input?: Json;
  result?: Json;
  nd_builtin_cache?: Json;
  erased?: string[];
  masked?: string[];
}

/** A mask rule value that OPA would refuse; the caller must not log the event unmasked. */
export class MaskRuleError extends Error {
  readonly code = 'mask_invalid';
  constructor(message: string) {
    super(message);
    this.name = 'MaskRuleError';
  }
}

type Op = 'remove' | 'upsert';
type Root = 'input' | 'result' | 'nd_builtin_cache';

export interface MaskRule {
  readonly op: Op;
  /** Segments after the root, in escaped form (as OPA keeps them). */
  readonly parts: readonly string[];
  readonly root: Root;
  readonly value: Json;
  /** The pointer as recorded in `erased`/`masked`. */
  readonly pointer: string;
}

/** Validates a mask rule value (the JSON form of the `mask` set) into rules. */
export function parseMaskRules(value: unknown): MaskRule[] {
  if (!Array.isArray(value)) {
    throw new MaskRuleError(`unexpected rule format ${describe(value)} (${goType(value)})`);
  }
  return value.map((item: unknown) => {
    if (typeof item === 'string') return newRule(item, 'remove', null);
    if (isPlainObject(item)) {
      const op = stringField(item, 'op');
      const path = stringField(item, 'path');
      const v = item.value === undefined ? null : (item.value as Json);
      if (op !== 'remove' && op !== 'upsert') throw new MaskRuleError(`mask op is not supported: ${op}`);
      return newRule(path, op, v);
    }
    throw new MaskRuleError(`invalid mask rule format encountered: ${goType(item)}`);
  });
}

/**
 * Returns a masked copy of `event` (plain JSON data); the argument is left
 * untouched, since its result is what the caller answers with. `maskValue` is
 * the JSON form of the mask rule's value; throws `MaskRuleError` when OPA
 * would reject it.
 */
export function applyMask<E extends MaskableEvent>(event: E, maskValue: unknown): E {
  return applyMaskRules(event, parseMaskRules(maskValue));
}

/** `applyMask` with rules parsed once by `parseMaskRules`. */
export function applyMaskRules<E extends MaskableEvent>(event: E, rules: readonly MaskRule[]): E {
  const out: E = { ...event };
  for (const root of ['input', 'result', 'nd_builtin_cache'] as const) {
    if (out[root] !== undefined) out[root] = cloneJson(out[root] as Json);
  }
  if (event.erased) out.erased = [...event.erased];
  if (event.masked) out.masked = [...event.masked];
  for (const rule of rules) applyRule(out, rule);
  return out;
}

function applyRule(event: MaskableEvent, rule: MaskRule): void {
  const target = event[rule.root];
  if (target === undefined) return; // undefined input/result: nothing to mask
  if (rule.op === 'remove') {
    if (rule.parts.length === 0) delete event[rule.root];
    else if (!removeValue(target, rule.parts)) return;
    (event.erased ??= []).push(rule.pointer);
  } else {
    if (rule.parts.length === 0) event[rule.root] = cloneJson(rule.value);
    else if (!isPlainObject(target) || !upsertValue(target, rule.parts, cloneJson(rule.value))) return;
    (event.masked ??= []).push(rule.pointer);
  }
}

/** Removes the value at `path`; false when the path does not resolve. */
function removeValue(root: Json, path: readonly string[]): boolean {
  let node: Json = root;
  let parentIsContainer = false; // OPA needs a parent to rewrite an array
  for (let i = 0; i < path.length - 1; i++) {
    const next = child(node, path[i]);
    if (next === undefined) return false;
    node = next;
    parentIsContainer = true;
  }
  const key = path[path.length - 1];
  if (isPlainObject(node)) {
    if (!Object.prototype.hasOwnProperty.call(node, key)) return false;
    delete node[key];
    return true;
  }
  if (Array.isArray(node)) {
    const idx = goAtoi(key);
    if (idx === undefined || idx < 0 || idx >= node.length || !parentIsContainer) return false;
    node.splice(idx, 1);
    return true;
  }
  return false;
}

/** Sets `value` at `path`, creating missing objects; false when the path cannot be made. */
function upsertValue(root: { [key: string]: Json }, path: readonly string[], value: Json): boolean {
  let node: Json = root;
  for (let i = 0; i < path.length - 1; i++) {
    if (isPlainObject(node)) {
      if (!Object.prototype.hasOwnProperty.call(node, path[i])) node[path[i]] = {};
      node = node[path[i]];
    } else if (Array.isArray(node)) {
      const idx = goAtoi(path[i]);
      if (idx === undefined || idx < 0 || idx >= node.length) return false;
      node = node[idx];
    } else {
      return false;
    }
  }
  const key = path[path.length - 1];
  if (isPlainObject(node)) {
    node[key] = value;
    return true;
  }
  if (Array.isArray(node)) {
    const idx = goAtoi(key);
    if (idx === undefined || idx < 0 || idx >= node.length) return false;
    node[idx] = value;
    return true;
  }
  return false;
}

function child(node: Json, key: string): Json | undefined {
  if (isPlainObject(node)) return Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
  if (Array.isArray(node)) {
    const idx = goAtoi(key);
    return idx === undefined || idx < 0 || idx >= node.length ? undefined : node[idx];
  }
  return undefined;
}

function newRule(path: string, op: Op, value: Json): MaskRule {
  if (path.length === 0) throw new MaskRuleError('mask must be non-empty');
  if (!path.startsWith('/')) throw new MaskRuleError('mask must be slash-prefixed');
  const raw = path.slice(1).split('/');
  if (raw[0] !== 'input' && raw[0] !== 'result' && raw[0] !== 'nd_builtin_cache') {
    throw new MaskRuleError(`mask prefix not allowed: ${raw[0]}`);
  }
  const escaped = raw.map((p) => {
    checkUnescape(p);
    return pathEscape(p);
  });
  return { op, root: raw[0], parts: escaped.slice(1), value, pointer: '/' + escaped.join('/') };
}

// Go's url.PathEscape: keeps unreserved characters and $&+:=@, escapes the rest byte-wise.
function pathEscape(s: string): string {
  if (/^[A-Za-z0-9\-_.~$&+:=@]*$/.test(s)) return s;
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.~$&+:=@]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

// Go's url.PathUnescape fails only on a malformed %-escape.
function checkUnescape(s: string): void {
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '%') continue;
    if (!/^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      throw new MaskRuleError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
    }
    i += 2;
  }
}

// strconv.Atoi: optional sign, decimal digits.
function goAtoi(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

function stringField(o: { [key: string]: unknown }, key: string): string {
  const v = o[key];
  if (v === undefined) return '';
  if (typeof v !== 'string' || v === '') {
    throw new MaskRuleError(`invalid "${key}" value: ${typeof v === 'string' ? v : describe(v)} ${goType(v)}`);
  }
  return v;
}

function isPlainObject(x: unknown): x is { [key: string]: Json } {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Deep copy of JSON data (bigints and all). */
export function cloneJson<T extends Json>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => cloneJson(x)) as T;
  const o: { [key: string]: Json } = {};
  for (const k of Object.keys(v)) o[k] = cloneJson(v[k]);
  return o as T;
}

function describe(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

// The Go type names OPA's messages show for JSON values.
function goType(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number' || typeof v === 'bigint') return 'json.Number';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}
