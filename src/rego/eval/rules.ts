/**
 * Rule semantics: complete rules (one value, `default`, `else`, conflicts),
 * multi-value rules (sets), partial objects (ref heads) and functions.
 * Values are memoised per query in the context's cache.
 */
import { EvalError, type Location } from '../errors.js';
import type { RuleSet } from '../compile/tree.js';
import { candidates } from '../compile/indexing.js';
import { RObject, RSet, equals, type Value } from '../value.js';
import { UNDEFINED, checkCollectionSize, type EvalContext } from './context.js';
import type { CompiledClause, CompiledDefinition, Frame } from './types.js';

export function evalRuleSet(rs: RuleSet, c: EvalContext): Value | undefined {
  const cached = c.memo[rs.id];
  if (cached !== undefined) return cached === UNDEFINED ? undefined : cached;
  let v: Value | undefined;
  switch (rs.kind) {
    case 'complete': v = evalComplete(rs, c); break;
    case 'set': v = evalSet(rs, c); break;
    case 'object': v = evalObject(rs, c); break;
    default: v = undefined;
  }
  c.memo[rs.id] = v === undefined ? UNDEFINED : v;
  return v;
}

function conflictError(rs: RuleSet, message: string, loc?: Location): never {
  throw new EvalError('eval_conflict_error', message, loc ?? rs.rules[0]?.rule.loc);
}

/** The value of one definition (with its else chain) in a fresh frame. */
function evalClauses(rs: RuleSet, def: CompiledDefinition, f: Frame, c: EvalContext, what: string): Value | undefined {
  for (const clause of def.clauses) {
    const v = evalClause(rs, clause, f, c, what);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Stops at the first solution; a goal returns true exactly when its continuation did. */
const FIRST: () => boolean = () => true;

function evalClause(rs: RuleSet, clause: CompiledClause, f: Frame, c: EvalContext, what: string): Value | undefined {
  const constant = clause.constValue;
  if (constant !== undefined) {
    const test = clause.test;
    return (test !== undefined ? test(f, c) : clause.body(f, c, FIRST)) ? constant : undefined;
  }
  // A body that never iterates succeeds at most once: no conflict to look for, no continuation to allocate.
  if (clause.test !== undefined) return clause.test(f, c) ? clause.value(f, c) : undefined;
  let result: Value | undefined;
  clause.body(f, c, () => {
    const v = clause.value(f, c);
    if (v === undefined) return false;
    if (result === undefined) result = v;
    else if (!equals(result, v)) conflictError(rs, `${what} must not produce multiple outputs`, clause.loc);
    return false;
  });
  return result;
}

/** The frame of a definition without variables: nothing is ever written to it. */
const NO_SLOTS: Frame = [];

function evalComplete(rs: RuleSet, c: EvalContext): Value | undefined {
  const tests = rs.tests;
  if (tests !== undefined) {
    // Every definition gives the same constant: the first that holds decides.
    for (let i = 0; i < tests.length; i++) if (tests[i](NO_SLOTS, c)) return rs.defs[i].clauses[0].constValue;
    return rs.defaultValue !== undefined ? rs.defaultValue : rs.defaultFn?.(c);
  }
  let result: Value | undefined;
  const defs = rs.index ? candidates(rs, c) : rs.defs;
  for (let d = 0; d < defs.length; d++) {
    const def = defs[d];
    const v = evalClauses(rs, def, def.frameSize === 0 ? NO_SLOTS : new Array(def.frameSize), c, 'complete rules');
    if (v === undefined) continue;
    if (result === undefined) {
      result = v;
      if (rs.constantOutcome) break;
    } else if (!equals(result, v)) {
      conflictError(rs, 'complete rules must not produce multiple outputs', def.loc);
    }
  }
  return result !== undefined ? result : rs.defaultValue !== undefined ? rs.defaultValue : rs.defaultFn?.(c);
}

function evalSet(rs: RuleSet, c: EvalContext): Value {
  const out = new RSet();
  for (const def of candidates(rs, c)) {
    const f: Frame = new Array(def.frameSize);
    const key = def.keyPath[0];
    for (const clause of def.clauses) {
      clause.body(f, c, () => {
        const m = key(f, c);
        if (m !== undefined) {
          out.add(m);
          checkCollectionSize(c, out.size, clause.loc);
        }
        return false;
      });
    }
  }
  return out;
}

function evalObject(rs: RuleSet, c: EvalContext): Value {
  const out = new RObject();
  for (const def of candidates(rs, c)) {
    const f: Frame = new Array(def.frameSize);
    for (const clause of def.clauses) {
      let done = false;
      clause.body(f, c, def.keyPath.length === 1 && !def.setLeaf ? () => {
        // One key (`p[k] := v`, the common case): no key path to build.
        const key = def.keyPath[0](f, c);
        if (key === undefined) return false;
        const v = clause.value(f, c);
        if (v === undefined) return false;
        setMember(rs, out, key, v, clause);
        checkCollectionSize(c, out.size, clause.loc);
        done = true;
        return false;
      } : () => {
        const keys: Value[] = [];
        for (const kf of def.keyPath) {
          const key = kf(f, c);
          if (key === undefined) return false;
          keys.push(key);
        }
        if (def.setLeaf) {
          insertMember(rs, out, keys, clause);
        } else {
          const v = clause.value(f, c);
          if (v === undefined) return false;
          insertAt(rs, out, keys, v, clause);
        }
        checkCollectionSize(c, out.size, clause.loc);
        done = true;
        return false;
      });
      if (done) break;
    }
  }
  return out;
}

/** Adds the last key to the set at `obj[k1]…[kn-1]`. */
function insertMember(rs: RuleSet, obj: RObject, keys: readonly Value[], clause: CompiledClause): void {
  const path = keys.slice(0, -1);
  let o = obj;
  for (let i = 0; i < path.length - 1; i++) {
    let next = o.get(path[i]);
    if (next === undefined) o.set(path[i], (next = new RObject()));
    if (!(next instanceof RObject)) conflictError(rs, 'object keys must be unique', clause.loc);
    o = next;
  }
  const last = path[path.length - 1];
  let set = o.get(last);
  if (set === undefined) o.set(last, (set = new RSet()));
  if (!(set instanceof RSet)) conflictError(rs, 'object keys must be unique', clause.loc);
  set.add(keys[keys.length - 1]);
}

/** Sets `obj[k1][k2]… = v`, creating nested objects and reporting conflicts. */
function insertAt(rs: RuleSet, obj: RObject, keys: readonly Value[], v: Value, clause: CompiledClause): void {
  let o = obj;
  for (let i = 0; i < keys.length - 1; i++) {
    const next = o.get(keys[i]);
    if (next === undefined) {
      const n = new RObject();
      o.set(keys[i], n);
      o = n;
    } else if (next instanceof RObject) {
      o = next;
    } else {
      conflictError(rs, 'object keys must be unique', clause.loc);
    }
  }
  setMember(rs, o, keys[keys.length - 1], v, clause);
}

/** Sets `obj[key] = v`; a different value already there is a conflict. */
function setMember(rs: RuleSet, obj: RObject, key: Value, v: Value, clause: CompiledClause): void {
  const prev = obj.get(key);
  if (prev !== undefined && !equals(prev, v)) conflictError(rs, 'object keys must be unique', clause.loc);
  obj.set(key, v);
}

/** Calls a user-defined function. */
export function callFunction(rs: RuleSet, args: readonly Value[], c: EvalContext): Value | undefined {
  let result: Value | undefined;
  for (const def of rs.defs) {
    const f: Frame = new Array(def.frameSize);
    let v: Value | undefined;
    const tests = def.argTests;
    if (tests) {
      let ok = true;
      for (let i = 0; i < tests.length && ok; i++) ok = tests[i](args[i], f, c);
      if (ok) v = evalClauses(rs, def, f, c, 'functions');
    } else {
      bindArgs(def, args, 0, f, c, () => {
        v = evalClauses(rs, def, f, c, 'functions');
        return true;
      });
    }
    if (v === undefined) continue;
    if (result === undefined) result = v;
    else if (!equals(result, v)) conflictError(rs, 'functions must not produce multiple outputs for same inputs', def.loc);
  }
  return result !== undefined ? result : rs.defaultValue !== undefined ? rs.defaultValue : rs.defaultFn?.(c);
}

function bindArgs(def: CompiledDefinition, args: readonly Value[], i: number, f: Frame, c: EvalContext, k: () => boolean): boolean {
  if (i === def.args.length) return k();
  return def.args[i](args[i], f, c, () => bindArgs(def, args, i + 1, f, c, k));
}
