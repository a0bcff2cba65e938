/**
 * Object builtins (object.get/keys/remove/filter/union/union_n/subset) and the
 * path-based json.filter / json.remove.
 */
import { BuiltinError } from '../errors.js';
import { equals, isInteger, RObject, RSet, typeName, type Value } from '../value.js';
import { arr, obj, typeError } from './args.js';
import type { BuiltinDef } from './contract.js';

// ---------------------------------------------------------------------------
// Paths

/** The value at `path` inside `v` (object keys, array indexes, set members), or undefined. */
export function findPath(v: Value, path: readonly Value[]): Value | undefined {
  let cur: Value = v;
  for (const key of path) {
    if (cur instanceof RObject) {
      const next = cur.get(key);
      if (next === undefined) return undefined;
      cur = next;
    } else if (Array.isArray(cur)) {
      if ((typeof key !== 'number' && typeof key !== 'bigint') || !isInteger(key)) return undefined;
      const i = Number(key);
      if (i < 0 || i >= cur.length) return undefined;
      cur = cur[i];
    } else if (cur instanceof RSet) {
      if (!cur.has(key)) return undefined;
      cur = key;
    } else {
      return undefined;
    }
  }
  return cur;
}

/**
 * A JSON-pointer-like path: "a/b/c" (leading slashes optional, `~1` and `~0`
 * unescaped) or an array of segments of any type.
 */
export function parsePath(fn: string, p: Value): Value[] {
  if (Array.isArray(p)) return p;
  if (typeof p !== 'string') {
    throw new BuiltinError('eval_type_error', `${fn}: operand 2 must be one of {set, array} containing string paths or array of path segments but got ${typeName(p)}`);
  }
  if (p === '') return [];
  return p.replace(/^\/+/, '').split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function jsonPaths(fn: string, v: Value): Value[][] {
  if (Array.isArray(v)) return v.map((p) => parsePath(fn, p));
  if (v instanceof RSet) return v.values().map((p) => parsePath(fn, p));
  throw typeError(fn, 1, 'one of {set, array}', v);
}

/**
 * Merges paths into a tree of objects whose leaves are null. A shorter path
 * covers a longer one with the same prefix, whichever comes first.
 */
function pathTree(paths: readonly Value[][]): RObject {
  const root = new RObject();
  for (const path of paths) {
    if (path.length === 0) continue;
    let node = root;
    let covered = false;
    for (const key of path.slice(0, -1)) {
      const child = node.get(key);
      if (child === undefined) {
        const next = new RObject();
        node.set(key, next);
        node = next;
      } else if (child instanceof RObject) {
        node = child;
      } else {
        covered = true;
        break;
      }
    }
    if (!covered) node.set(path[path.length - 1], null);
  }
  return root;
}

/** Keeps only what the tree selects. Array elements are selected by their index as a string. */
function filterByTree(v: Value, tree: Value): Value {
  if (!(tree instanceof RObject)) return v;
  if (Array.isArray(v)) {
    const out: Value[] = [];
    v.forEach((x, i) => {
      const sub = tree.get(String(i));
      if (sub !== undefined) out.push(filterByTree(x, sub));
    });
    return out;
  }
  if (v instanceof RSet) {
    const out = new RSet();
    for (const m of v) {
      const sub = tree.get(m);
      if (sub !== undefined) out.add(filterByTree(m, sub));
    }
    return out;
  }
  if (v instanceof RObject) {
    const out = new RObject();
    for (const [k, x] of v) {
      const sub = tree.get(k);
      if (sub !== undefined) out.set(k, filterByTree(x, sub));
    }
    return out;
  }
  return v;
}

/** Drops what the tree's null leaves select; undefined when `v` itself is removed. */
function removeByTree(v: Value, tree: Value | undefined): Value | undefined {
  if (tree === null) return undefined;
  if (!(tree instanceof RObject)) return v;
  if (Array.isArray(v)) {
    const out: Value[] = [];
    v.forEach((x, i) => {
      const r = removeByTree(x, tree.get(String(i)));
      if (r !== undefined) out.push(r);
    });
    return out;
  }
  if (v instanceof RSet) {
    const out = new RSet();
    for (const m of v) {
      const r = removeByTree(m, tree.get(m));
      if (r !== undefined) out.add(r);
    }
    return out;
  }
  if (v instanceof RObject) {
    const out = new RObject();
    for (const [k, x] of v) {
      const r = removeByTree(x, tree.get(k));
      if (r !== undefined) out.set(k, r);
    }
    return out;
  }
  return v;
}

// ---------------------------------------------------------------------------
// object.*

function objectGet(args: Value[]): Value {
  const o = obj('object.get', args, 0);
  const [, key, fallback] = args;
  if (!Array.isArray(key)) return o.get(key) ?? fallback;
  return findPath(o, key) ?? fallback;
}

/** Keys given as an array, a set, or an object's keys. */
function keySet(fn: string, v: Value): RSet {
  if (Array.isArray(v)) return new RSet(v);
  if (v instanceof RSet) return v;
  if (v instanceof RObject) return new RSet(v.keys());
  throw typeError(fn, 1, 'one of {object, set, array}', v);
}

function objectRemove(args: Value[]): Value {
  const o = obj('object.remove', args, 0);
  const keys = keySet('object.remove', args[1]);
  const out = new RObject();
  for (const [k, v] of o) if (!keys.has(k)) out.set(k, v);
  return out;
}

function objectFilter(args: Value[]): Value {
  const o = obj('object.filter', args, 0);
  const keys = keySet('object.filter', args[1]);
  const out = new RObject();
  for (const [k, v] of o) if (keys.has(k)) out.set(k, v);
  return out;
}

/** Recursive merge: where both sides hold objects they merge, otherwise `b` wins. */
function mergeObjects(a: RObject, b: RObject): RObject {
  const out = a.clone();
  for (const [k, v] of b) {
    const old = out.get(k);
    out.set(k, old instanceof RObject && v instanceof RObject ? mergeObjects(old, v) : v);
  }
  return out;
}

function objectUnionN(args: Value[]): Value {
  let out = new RObject();
  for (const v of arr('object.union_n', args, 0)) {
    if (!(v instanceof RObject)) {
      throw new BuiltinError('eval_type_error', `object.union_n: operand 1 must be array of objects but got array containing ${typeName(v)}`);
    }
    out = mergeObjects(out, v);
  }
  return out;
}

// object.subset: objects recurse; sets and arrays compare members by equality.

function objectSubset(sup: RObject, sub: RObject): boolean {
  for (const [k, s] of sub) {
    const p = sup.get(k);
    if (p === undefined) return false;
    if (equals(s, p)) continue;
    if (p instanceof RObject && s instanceof RObject) { if (!objectSubset(p, s)) return false; continue; }
    if (p instanceof RSet && s instanceof RSet) { if (!setSubset(p, s)) return false; continue; }
    if (Array.isArray(p) && Array.isArray(s)) { if (!arraySubset(p, s)) return false; continue; }
    return false;
  }
  return true;
}

function setSubset(sup: RSet, sub: RSet): boolean {
  for (const v of sub) if (!sup.has(v)) return false;
  return true;
}

/** `sub` occurs in `sup` as a contiguous run. */
function arraySubset(sup: readonly Value[], sub: readonly Value[]): boolean {
  if (sub.length > sup.length) return false;
  for (let start = 0; start + sub.length <= sup.length; start++) {
    if (sub.every((v, i) => equals(v, sup[start + i]))) return true;
  }
  return false;
}

/** Every member of the set occurs somewhere in the array (OPA: false for an empty array). */
function arraySetSubset(sup: readonly Value[], sub: RSet): boolean {
  if (sup.length === 0) return false;
  const seen = new RSet();
  for (const v of sup) if (sub.has(v)) seen.add(v);
  return seen.size === sub.size;
}

function subset(args: Value[]): Value {
  const [sup, sub] = args;
  if (sup instanceof RObject && sub instanceof RObject) return objectSubset(sup, sub);
  if (sup instanceof RSet && sub instanceof RSet) return setSubset(sup, sub);
  if (Array.isArray(sup) && Array.isArray(sub)) return arraySubset(sup, sub);
  if (Array.isArray(sup) && sub instanceof RSet) return arraySetSubset(sup, sub);
  throw new BuiltinError('eval_type_error', 'object.subset: both arguments object.subset must be of the same type or array and set');
}

// ---------------------------------------------------------------------------
// json.filter / json.remove

function jsonFilter(args: Value[]): Value {
  const o = obj('json.filter', args, 0);
  return filterByTree(o, pathTree(jsonPaths('json.filter', args[1])));
}

function jsonRemove(args: Value[]): Value | undefined {
  const o = obj('json.remove', args, 0);
  return removeByTree(o, pathTree(jsonPaths('json.remove', args[1])));
}

const COLLECTION = ['object', 'array', 'set'] as const;

export const builtins: BuiltinDef[] = [
  { name: 'object.get', args: ['object', 'any', 'any'], fn: objectGet },
  { name: 'object.keys', args: ['object'], fn: (args) => new RSet(obj('object.keys', args, 0).keys()) },
  { name: 'object.remove', args: ['object', ['array', 'object', 'set']], fn: objectRemove },
  { name: 'object.filter', args: ['object', ['array', 'object', 'set']], fn: objectFilter },
  {
    name: 'object.union',
    args: ['object', 'object'],
    fn: (args) => mergeObjects(obj('object.union', args, 0), obj('object.union', args, 1)),
  },
  { name: 'object.union_n', args: ['array'], fn: objectUnionN },
  { name: 'object.subset', args: [COLLECTION, COLLECTION], fn: subset },
  { name: 'json.filter', args: ['object', ['array', 'set']], fn: jsonFilter },
  { name: 'json.remove', args: ['object', ['array', 'set']], fn: jsonRemove },
];
