/**
 * Walking references: into values (`x.a[i]`) and into the data tree
 * (`data.pkg.rule[k]`), where rules and the base document meet.
 */
import type { DocNode, RuleSet } from '../compile/tree.js';
import { RObject, RSet, type Value } from '../value.js';
import { UNDEFINED, step, type EvalContext } from './context.js';
import type { Frame, PatFn, ValueFn } from './types.js';
import { evalRuleSet } from './rules.js';

/** Where iteration inside a reference is charged when a limit trips (the reference's own location is not at hand). */
const ITERATION = { file: '<iteration>', row: 0, col: 0 };

/** One step of a reference path. */
export type Step =
  | { kind: 'value'; fn: ValueFn }
  /** An unbound variable: iterate every key, binding it. */
  | { kind: 'bind'; slot: number }
  /** A term with unbound variables inside: iterate keys that unify with it. */
  | { kind: 'pattern'; pat: PatFn };

/** `v[key]` for one key; undefined where OPA's ref is undefined. */
export function index(v: Value, key: Value): Value | undefined {
  if (v instanceof RObject) return v.get(key);
  if (Array.isArray(v)) {
    if (typeof key === 'number' && Number.isInteger(key) && key >= 0) return v[key];
    return undefined;
  }
  if (v instanceof RSet) return v.has(key) ? key : undefined;
  return undefined;
}

/** Calls `k(key, value)` for each member of a collection, in OPA's order. */
export function forEachMember(v: Value, k: (key: Value, value: Value) => boolean): boolean {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (k(i, v[i])) return true;
  } else if (v instanceof RObject) {
    for (const [key, value] of v.entries()) if (k(key, value)) return true;
  } else if (v instanceof RSet) {
    for (const m of v.values()) if (k(m, m)) return true;
  }
  return false;
}

export function navValue(v: Value, steps: readonly Step[], i: number, f: Frame, c: EvalContext, k: (v: Value) => boolean): boolean {
  for (; i < steps.length; i++) {
    const s = steps[i];
    if (s.kind === 'value') {
      const key = s.fn(f, c);
      if (key === undefined) return false;
      const next = index(v, key);
      if (next === undefined) return false;
      v = next;
      continue;
    }
    const rest = i + 1;
    if (s.kind === 'bind') {
      const slot = s.slot;
      return forEachMember(v, (key, value) => {
        step(c, ITERATION);
        f[slot] = key;
        const r = navValue(value, steps, rest, f, c, k);
        f[slot] = undefined;
        return r;
      });
    }
    const pat = s.pat;
    return forEachMember(v, (key, value) => {
      step(c, ITERATION);
      return pat(key, f, c, () => navValue(value, steps, rest, f, c, k));
    });
  }
  return k(v);
}

// ---------------------------------------------------------------------------
// The data tree

function baseAt(c: EvalContext, path: readonly string[]): Value | undefined {
  let v: Value | undefined = c.data;
  for (const p of path) {
    if (!(v instanceof RObject)) return undefined;
    v = v.get(p);
    if (v === undefined) return undefined;
  }
  return v;
}

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  if (prefix.length > path.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== path[i]) return false;
  return true;
}

/** An override installed by `with data.… as v` covering `path`, as the value at `path`. */
function overrideAt(c: EvalContext, path: readonly string[]): Value | undefined {
  const ovs = c.dataOverrides;
  if (!ovs) return undefined;
  for (let j = ovs.length - 1; j >= 0; j--) {
    const o = ovs[j];
    if (isPrefix(o.path, path)) {
      let v: Value | undefined = o.value;
      for (let i = o.path.length; i < path.length && v !== undefined; i++) v = index(v, path[i]);
      return v === undefined ? UNDEF_OVERRIDE : v;
    }
  }
  return undefined;
}
/** Marks "overridden to undefined" apart from "not overridden". */
const UNDEF_OVERRIDE = Symbol('undefined override') as unknown as Value;

/** Base data at `path`, with any `with data.…` overrides below it applied. */
function baseWithOverrides(c: EvalContext, path: readonly string[]): Value | undefined {
  let v = baseAt(c, path);
  for (const o of c.dataOverrides ?? []) {
    if (o.path.length > path.length && isPrefix(path, o.path)) v = upsertPath(v, o.path.slice(path.length), o.value);
  }
  return v;
}

function upsertPath(v: Value | undefined, path: readonly string[], x: Value): Value {
  if (path.length === 0) return x;
  const o = v instanceof RObject ? v.clone() : new RObject();
  o.set(path[0], upsertPath(o.get(path[0]), path.slice(1), x));
  return o;
}

/** The whole value of a tree node: its rules, or its children merged over base data. */
export function nodeValue(node: DocNode, c: EvalContext): Value | undefined {
  const ov = overrideAt(c, node.path);
  if (ov !== undefined) return ov === UNDEF_OVERRIDE ? undefined : ov;
  const rs = node.ruleSet;
  if (rs && node.children.size === 0) return rs.kind === 'function' ? undefined : evalRuleSet(rs, c);
  const cache = (c.cache ??= new Map());
  const cached = cache.get(node);
  if (cached !== undefined) return cached === UNDEFINED ? undefined : cached;
  const v = buildNodeObject(node, rs, c);
  cache.set(node, v === undefined ? UNDEFINED : v);
  return v;
}

function buildNodeObject(node: DocNode, rs: RuleSet | undefined, c: EvalContext): Value | undefined {
  let out: RObject;
  if (rs) {
    if (rs.kind === 'function') out = new RObject();
    else {
      const v = evalRuleSet(rs, c);
      if (!(v instanceof RObject)) return v;
      out = v.clone();
    }
  } else {
    const base = c.dataOverrides ? baseWithOverrides(c, node.path) : baseAt(c, node.path);
    out = base instanceof RObject ? base.clone() : new RObject();
  }
  for (const [name, child] of node.children) {
    const v = nodeValue(child, c);
    if (v !== undefined) out.set(name, v);
    else out.delete(name);
  }
  if (c.dataOverrides) {
    for (const o of c.dataOverrides) {
      if (o.path.length === node.path.length + 1 && isPrefix(node.path, o.path)) out.set(o.path[o.path.length - 1], o.value);
    }
  }
  return out;
}

/** Walks `steps` from a tree node; below the rules the walk continues in values. */
export function navData(node: DocNode, steps: readonly Step[], i: number, f: Frame, c: EvalContext, k: (v: Value) => boolean): boolean {
  while (true) {
    if (c.dataOverrides) {
      const ov = overrideAt(c, node.path);
      if (ov !== undefined) return ov === UNDEF_OVERRIDE ? false : navValue(ov, steps, i, f, c, k);
    }
    if (i === steps.length) {
      const v = nodeValue(node, c);
      return v === undefined ? false : k(v);
    }
    const rs = node.ruleSet;
    if (rs && node.children.size === 0) {
      if (rs.kind === 'function') return false;
      const v = evalRuleSet(rs, c);
      return v === undefined ? false : navValue(v, steps, i, f, c, k);
    }
    const s = steps[i];
    if (s.kind === 'value') {
      const key = s.fn(f, c);
      if (key === undefined) return false;
      const child = typeof key === 'string' ? node.children.get(key) : undefined;
      if (child) { node = child; i++; continue; }
      // Not a rule path: the rest is a partial object's member, or base data.
      if (rs) {
        const v = nodeValue(node, c);
        return v === undefined ? false : navValue(v, steps, i, f, c, k);
      }
      // Base documents are JSON: numeric keys address them as strings (`data[1]` is `data["1"]`).
      if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'bigint') return false;
      const path = [...node.path, String(key)];
      const ov = overrideAt(c, path);
      const base = ov !== undefined ? (ov === UNDEF_OVERRIDE ? undefined : ov) : baseWithOverrides(c, path);
      return base === undefined ? false : navValue(base, steps, i + 1, f, c, k);
    }
    const v = nodeValue(node, c);
    return v === undefined ? false : navValue(v, steps, i, f, c, k);
  }
}


