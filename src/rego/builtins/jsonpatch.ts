/**
 * json.patch: RFC 6902 operations applied to Rego values, as OPA applies them.
 * Beyond JSON, a path segment may address a set member by its value (adding a
 * member requires path key == value) and object keys of any type when the path
 * is given as an array. Any failing operation makes the result undefined, not
 * an error; only a non-array patch list is a type error.
 */
import { equals, RObject, RSet, type Value } from '../value.js';
import { arr } from './args.js';
import type { BuiltinDef } from './contract.js';
import { parsePath } from './objects.js';

/** An operation that cannot be applied; it makes the whole patch undefined. */
class PatchFailure extends Error {}

function fail(why: string): never {
  throw new PatchFailure(why);
}

/** An array index segment: an integer, a decimal string without leading zeros, or "-" (the end). */
function toIndex(length: number, key: Value): number {
  if (typeof key === 'number' && Number.isInteger(key)) return key;
  if (typeof key === 'string') {
    if (key === '-') return length;
    if (!/^[+-]?\d+$/.test(key)) fail('invalid string for indexing');
    if (key !== '0' && key.startsWith('0')) fail('leading zeros are not allowed in JSON paths');
    return Number(key);
  }
  return fail('invalid type for indexing');
}

function child(v: Value, key: Value): Value {
  if (v instanceof RObject) return v.get(key) ?? fail('path does not exist');
  if (v instanceof RSet) return v.has(key) ? key : fail('path does not exist');
  if (Array.isArray(v)) {
    const i = toIndex(v.length, key);
    return i >= 0 && i < v.length ? v[i] : fail('path does not exist');
  }
  return fail('expected composite type');
}

/** `v` with its child at `key` replaced (a set member is replaced by its new value). */
function withChild(v: Value, key: Value, value: Value): Value {
  if (v instanceof RObject) return v.clone().set(key, value);
  if (v instanceof RSet) {
    const out = new RSet(v.values());
    out.delete(key);
    return out.add(value);
  }
  if (Array.isArray(v)) {
    const out = [...v];
    out[toIndex(v.length, key)] = value;
    return out;
  }
  return fail('expected composite type');
}

function insert(v: Value, key: Value, value: Value): Value {
  if (v instanceof RObject) return v.clone().set(key, value);
  if (v instanceof RSet) {
    if (!equals(key, value)) fail('set key does not equal value to be inserted');
    return new RSet(v.values()).add(value);
  }
  if (Array.isArray(v)) {
    const i = toIndex(v.length, key);
    if (i < 0 || i > v.length) fail('index for array insertion out of bounds');
    return [...v.slice(0, i), value, ...v.slice(i)];
  }
  return fail('expected composite type');
}

function remove(v: Value, key: Value): Value {
  if (v instanceof RObject) {
    if (!v.has(key)) fail('cannot delete child key that does not exist');
    const out = v.clone();
    out.delete(key);
    return out;
  }
  if (v instanceof RSet) {
    if (!v.has(key)) fail('cannot delete child key that does not exist');
    const out = new RSet(v.values());
    out.delete(key);
    return out;
  }
  if (Array.isArray(v)) {
    const i = toIndex(v.length, key);
    if (i < 0 || i >= v.length) fail('index for array delete out of bounds');
    return [...v.slice(0, i), ...v.slice(i + 1)];
  }
  return fail('expected composite type');
}

/** Rebuilds `v` with `edit` applied to the value at `path`. */
function editAt(v: Value, path: readonly Value[], edit: (target: Value) => Value): Value {
  if (path.length === 0) return edit(v);
  return withChild(v, path[0], editAt(child(v, path[0]), path.slice(1), edit));
}

/** The document being patched; undefined once its root has been removed. */
type Doc = Value | undefined;

function getAt(doc: Doc, path: readonly Value[]): Value {
  if (doc === undefined) return fail('deleted node');
  return path.reduce<Value>(child, doc);
}

function addAt(doc: Doc, path: readonly Value[], value: Value): Doc {
  if (path.length === 0) return value;
  if (doc === undefined) return fail('deleted node');
  return editAt(doc, path.slice(0, -1), (parent) => insert(parent, path[path.length - 1], value));
}

function removeAt(doc: Doc, path: readonly Value[]): Doc {
  if (doc === undefined) return fail('deleted node');
  if (path.length === 0) return undefined;
  return editAt(doc, path.slice(0, -1), (parent) => remove(parent, path[path.length - 1]));
}

function attribute(op: RObject, name: string): Value {
  return op.get(name) ?? fail(`missing '${name}' attribute`);
}

function pathAttribute(op: RObject, name: string): Value[] {
  const p = attribute(op, name);
  if (typeof p !== 'string' && !Array.isArray(p)) fail(`invalid '${name}' attribute`);
  return parsePath('json.patch', p);
}

function applyOne(doc: Doc, op: Value): Doc {
  if (!(op instanceof RObject)) return fail('must be an array of JSON-Patch objects');
  const kind = attribute(op, 'op');
  if (typeof kind !== 'string') return fail("attribute 'op' must be a string");
  if (!['add', 'remove', 'replace', 'move', 'copy', 'test'].includes(kind)) fail(`unrecognized op '${kind}'`);
  const path = pathAttribute(op, 'path');
  switch (kind) {
    case 'add':
      return addAt(doc, path, attribute(op, 'value'));
    case 'remove':
      return removeAt(doc, path);
    case 'replace': {
      const value = attribute(op, 'value');
      return addAt(removeAt(doc, path), path, value);
    }
    case 'move': {
      const from = pathAttribute(op, 'from');
      const chunk = getAt(doc, from);
      return addAt(removeAt(doc, from), path, chunk);
    }
    case 'copy': {
      const from = pathAttribute(op, 'from');
      return addAt(doc, path, getAt(doc, from));
    }
    default: // test
      if (!equals(getAt(doc, path), attribute(op, 'value'))) fail('test failed');
      return doc;
  }
}

function jsonPatch(args: Value[]): Value | undefined {
  const ops = arr('json.patch', args, 1);
  try {
    return ops.reduce<Doc>(applyOne, args[0]);
  } catch (e) {
    if (e instanceof PatchFailure) return undefined;
    throw e;
  }
}

export const builtins: BuiltinDef[] = [{ name: 'json.patch', args: ['any', 'array'], fn: jsonPatch }];
