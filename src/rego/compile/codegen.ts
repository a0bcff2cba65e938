/**
 * Code generation: rule bodies and terms become closures over frame slots.
 *
 * Which variables are bound at each point is known statically once a body is
 * ordered for safety (OPA's reordering), so each variable occurrence compiles
 * to either a slot read or a binding, never a runtime check. The safety pass
 * and code generation are one traversal: trying to compile an expression whose
 * inputs are not yet bound raises `Unsafe`, and the body compiler then tries
 * the next expression, as OPA's compiler reorders bodies.
 */
import type { Body, CallTerm, EveryExpr, Expr, RefTerm, SomeInExpr, Term, VarTerm, WithModifier } from '../ast.js';
import { BUILTINS, type BuiltinDef } from '../builtins/index.js';
import { BuiltinError, EvalError, RegoError, type Location } from '../errors.js';
import { UNDEFINED, checkCollectionSize, step, type EvalContext, type FunctionOverride } from '../eval/context.js';
import { forEachMember, navData, navValue, nodeValue, type Step } from '../eval/navigate.js';
import { callFunction, evalRuleSet } from '../eval/rules.js';
import type { Cont, Frame, GenFn, Goal, PatFn, ValueFn } from '../eval/types.js';
import { RObject, RSet, compare, equals, stringifyJSON, type Value } from '../value.js';
import { collectVars, forEachVar, Scope, type Resolved } from './scope.js';
import type { DocNode, RuleSet } from './tree.js';
import { checkBuiltinArgs } from './typecheck.js';

/** Raised while compiling an expression whose inputs are not bound yet. */
export class Unsafe extends Error {
  constructor(readonly vars: VarTerm[]) {
    super('unsafe');
  }
}

/** Slots bound at a point of a body. */
export type Bound = Set<number>;

export interface CompileContext {
  scope: Scope;
  tree: DocNode;
  errors: RegoError[];
  /** Values of rego.metadata.rule() / rego.metadata.chain() for the rule being compiled. */
  metadata?: { rule: Value; chain: Value };
  /** Query compilation: term expressions whose value is kept in a slot. */
  capture?: Map<Expr, number>;
}


// ---------------------------------------------------------------------------
// Terms

function constant(v: Value): ValueFn {
  return () => v;
}

/** Constant value of a ground term (no variables, refs or calls), else undefined. */
export function groundValue(t: Term): Value | undefined {
  switch (t.type) {
    case 'scalar': return t.value;
    case 'array': {
      const out: Value[] = [];
      for (const x of t.items) {
        const v = groundValue(x);
        if (v === undefined) return undefined;
        out.push(v);
      }
      return out;
    }
    case 'set': {
      const out = new RSet();
      for (const x of t.items) {
        const v = groundValue(x);
        if (v === undefined) return undefined;
        out.add(v);
      }
      return out;
    }
    case 'object': {
      const out = new RObject();
      for (const [kt, vt] of t.entries) {
        const k = groundValue(kt); const v = groundValue(vt);
        if (k === undefined || v === undefined) return undefined;
        out.set(k, v);
      }
      return out;
    }
    default: return undefined;
  }
}

/**
 * A term that yields at most one value and binds nothing, or `null` when it
 * needs to iterate (unbound variables in reference paths or output positions).
 */
export function valueFn(t: Term, cx: CompileContext, B: Bound): ValueFn | null {
  const g = groundValue(t);
  if (g !== undefined) return constant(g);
  switch (t.type) {
    case 'var': return varValue(t, cx, B);
    case 'ref': return refValue(t, cx, B);
    case 'array': {
      const items = itemsValue(t.items, cx, B);
      if (!items) return null;
      return (f, c) => {
        const out: Value[] = new Array(items.length);
        for (let i = 0; i < items.length; i++) {
          const v = items[i](f, c);
          if (v === undefined) return undefined;
          out[i] = v;
        }
        return out;
      };
    }
    case 'set': {
      const items = itemsValue(t.items, cx, B);
      if (!items) return null;
      return (f, c) => {
        const out = new RSet();
        for (const fn of items) {
          const v = fn(f, c);
          if (v === undefined) return undefined;
          out.add(v);
        }
        return out;
      };
    }
    case 'object': {
      const keys = itemsValue(t.entries.map((e) => e[0]), cx, B);
      const vals = keys && itemsValue(t.entries.map((e) => e[1]), cx, B);
      if (!keys || !vals) return null;
      const loc = t.loc;
      return (f, c) => {
        const out = new RObject();
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i](f, c); const v = vals[i](f, c);
          if (k === undefined || v === undefined) return undefined;
          const prev = out.get(k);
          if (prev !== undefined && !equals(prev, v)) throw new EvalError('eval_conflict_error', 'object keys must be unique', loc);
          out.set(k, v);
        }
        return out;
      };
    }
    case 'arraycompr':
    case 'setcompr':
    case 'objectcompr':
      return comprehension(t, cx, B);
    case 'call':
      return callValue(t, cx, B);
    default:
      return null;
  }
}

function itemsValue(items: readonly Term[], cx: CompileContext, B: Bound): ValueFn[] | null {
  const out: ValueFn[] = [];
  for (const x of items) {
    const fn = valueFn(x, cx, B);
    if (!fn) return null;
    out.push(fn);
  }
  return out;
}

function varValue(t: VarTerm, cx: CompileContext, B: Bound): ValueFn | null {
  const r = cx.scope.resolve(t);
  if (r.kind === 'root') return rootValue(r, cx);
  if (!B.has(r.slot)) throw new Unsafe([t]);
  const slot = r.slot;
  return (f) => f[slot];
}

function rootValue(r: Extract<Resolved, { kind: 'root' }>, cx: CompileContext): ValueFn {
  const steps: Step[] = r.path.map((p) => ({ kind: 'value', fn: constantKey(p) }));
  if (r.root === 'input') {
    if (steps.length === 0) return (_f, c) => c.input;
    return (f, c) => {
      if (c.input === undefined) return undefined;
      let out: Value | undefined;
      navValue(c.input, steps, 0, f, c, (v) => { out = v; return true; });
      return out;
    };
  }
  return dataRefValue(steps, cx);
}

/** Resolves the constant prefix of a data reference at compile time. */
function dataStart(steps: readonly Step[], consts: readonly (string | undefined)[], cx: CompileContext): { node: DocNode; i: number } {
  let node = cx.tree;
  let i = 0;
  for (; i < steps.length; i++) {
    const name = consts[i];
    if (name === undefined || node.ruleSet) break;
    const child = node.children.get(name);
    if (!child) break;
    node = child;
  }
  return { node, i };
}

function dataRefValue(steps: Step[], cx: CompileContext, consts?: (string | undefined)[]): ValueFn {
  const names = consts ?? steps.map((s) => (s.kind === 'value' ? constName(s.fn) : undefined));
  const { node, i } = dataStart(steps, names, cx);
  if (i === steps.length) return nodeRead(node);
  const base = baseFastPath(node, steps, names, i);
  if (base) return base;
  const rule = ruleFastPath(node, steps, i);
  if (rule) return rule;
  return (f, c) => {
    let out: Value | undefined;
    navData(node, steps, i, f, c, (v) => { out = v; return true; });
    return out;
  };
}

/**
 * The value of a tree node. A node holding just a (non-function) rule set,
 * the usual `allow`/`deny` reference, reads the query's memo first and
 * evaluates the rules directly, unless `with data…` overrides are in force.
 */
function nodeRead(node: DocNode): ValueFn {
  const rs = node.ruleSet;
  if (!rs || rs.kind === 'function' || node.children.size > 0) return (_f, c) => nodeValue(node, c);
  const id = rs.id;
  const read: ValueFn = (_f, c) => {
    if (c.dataOverrides) return nodeValue(node, c);
    const memo = c.memo[id];
    if (memo !== undefined) return memo === UNDEFINED ? undefined : memo;
    return evalRuleSet(rs, c);
  };
  return withTest(read, (_f, c) => {
    const v = c.dataOverrides ? nodeValue(node, c) : c.memo[id] ?? evalRuleSet(rs, c);
    return v !== undefined && v !== false && v !== UNDEFINED;
  });
}

/**
 * Test forms of value closures (true when the value is defined and not
 * false), for the commonest expressions (comparisons, rule references): an
 * expression used as a test then runs one closure rather than a wrapper
 * around the value closure.
 */
const valueTests = new WeakMap<ValueFn, Test>();

function withTest(vf: ValueFn, test: Test): ValueFn {
  valueTests.set(vf, test);
  return vf;
}

/** The test form of a value closure. */
function asTest(vf: ValueFn): Test {
  return valueTests.get(vf) ?? ((f, c) => isTrue(vf(f, c)));
}

/**
 * A reference that leaves the rule tree at a constant key reads the base
 * document directly (no tree walk, no path allocation) unless `with data…`
 * overrides are in force.
 */
function baseFastPath(node: DocNode, steps: readonly Step[], names: readonly (string | undefined)[], i: number): ValueFn | undefined {
  if (node.ruleSet || names[i] === undefined || node.children.has(names[i]!)) return undefined;
  let j = i;
  while (j < steps.length && names[j] !== undefined) j++;
  const basePath = [...node.path, ...(names.slice(i, j) as string[])];
  const rest = steps.slice(j);
  // `data.a.b[x][y]` with single-valued keys: index directly, without a continuation.
  const restKeys = rest.every((s) => s.kind === 'value') ? rest.map((s) => (s as { fn: ValueFn }).fn) : undefined;
  const slow = (f: Frame, c: EvalContext): Value | undefined => {
    let out: Value | undefined;
    navData(node, steps, i, f, c, (v) => { out = v; return true; });
    return out;
  };
  // The value at the constant path, kept for the base document it was read from (values are immutable).
  let lastData: Value | undefined;
  let lastValue: Value | undefined;
  const atBasePath = (data: Value): Value | undefined => {
    if (data === lastData) return lastValue;
    let v: Value | undefined = data;
    for (const p of basePath) {
      if (!(v instanceof RObject)) { v = undefined; break; }
      v = v.get(p);
      if (v === undefined) break;
    }
    lastData = data;
    lastValue = v;
    return v;
  };
  return (f, c) => {
    if (c.dataOverrides) return slow(f, c);
    let v = atBasePath(c.data);
    if (v === undefined) return undefined;
    if (rest.length === 0) return v;
    if (restKeys) {
      for (let k = 0; k < restKeys.length && v !== undefined; k++) {
        const key = restKeys[k](f, c);
        if (key === undefined) return undefined;
        v = indexValue(v, key);
      }
      return v;
    }
    let out: Value | undefined;
    navValue(v, rest, 0, f, c, (x) => { out = x; return true; });
    return out;
  };
}

/**
 * `rule[k]…` with single-valued keys: evaluate (or fetch memoised) the rule
 * and index into its value, without the general tree walk.
 */
function ruleFastPath(node: DocNode, steps: readonly Step[], i: number): ValueFn | undefined {
  const rs = node.ruleSet;
  if (!rs || rs.kind === 'function' || node.children.size > 0) return undefined;
  const keys: ValueFn[] = [];
  for (const s of steps.slice(i)) {
    if (s.kind !== 'value') return undefined;
    keys.push(s.fn);
  }
  const n = keys.length;
  return (f, c) => {
    if (c.dataOverrides) {
      let out: Value | undefined;
      navData(node, steps, i, f, c, (v) => { out = v; return true; });
      return out;
    }
    let v = evalRuleSet(rs, c);
    for (let j = 0; j < n && v !== undefined; j++) {
      const key = keys[j](f, c);
      if (key === undefined) return undefined;
      v = indexValue(v, key);
    }
    return v;
  };
}

const constNames = new WeakMap<ValueFn, string>();
function constName(fn: ValueFn): string | undefined { return constNames.get(fn); }
function constantKey(name: string): ValueFn {
  const fn = constant(name);
  constNames.set(fn, name);
  return fn;
}

interface RefPlan {
  head: { kind: 'root'; root: 'data' | 'input' } | { kind: 'value'; fn: ValueFn } | { kind: 'gen'; fn: GenFn };
  steps: Step[];
  /** Constant string steps, for resolving data prefixes at compile time. */
  names: (string | undefined)[];
  iterates: boolean;
}

/** Plans a reference: its head and the step for each path element. Mutates B for bound path vars. */
function planRef(t: RefTerm, cx: CompileContext, B: Bound): RefPlan {
  let head: RefPlan['head'];
  const steps: Step[] = [];
  const names: (string | undefined)[] = [];
  let iterates = false;
  if (t.head.type === 'var') {
    const r = cx.scope.resolve(t.head);
    if (r.kind === 'root') {
      head = { kind: 'root', root: r.root };
      for (const p of r.path) { steps.push({ kind: 'value', fn: constantKey(p) }); names.push(p); }
    } else {
      if (!B.has(r.slot)) throw new Unsafe([t.head]);
      const slot = r.slot;
      head = { kind: 'value', fn: (f) => f[slot] };
    }
  } else {
    const hv = valueFn(t.head, cx, B);
    if (hv) head = { kind: 'value', fn: hv };
    else { head = { kind: 'gen', fn: genFn(t.head, cx, B) }; iterates = true; }
  }
  for (const p of t.path) {
    if (p.type === 'scalar') {
      if (typeof p.value === 'string') { steps.push({ kind: 'value', fn: constantKey(p.value) }); names.push(p.value); }
      else { steps.push({ kind: 'value', fn: constant(p.value) }); names.push(undefined); }
      continue;
    }
    names.push(undefined);
    if (p.type === 'var') {
      const r = cx.scope.resolve(p);
      if (r.kind === 'local' && !B.has(r.slot)) {
        B.add(r.slot);
        steps.push({ kind: 'bind', slot: r.slot });
        iterates = true;
        continue;
      }
    }
    if ((p.type === 'array' || p.type === 'object') && hasUnboundVars(p, cx, B)) {
      steps.push({ kind: 'pattern', pat: patFn(p, cx, B) });
      iterates = true;
      continue;
    }
    const fn = valueFn(p, cx, B);
    if (fn) { steps.push({ kind: 'value', fn }); continue; }
    // A path element that iterates by itself (e.g. `x[y[_]]`): evaluate it first into a slot.
    const slot = cx.scope.layout.alloc('$ref');
    const gen = genFn(p, cx, B);
    steps.push({ kind: 'value', fn: (f) => f[slot] });
    iterates = true;
    head = wrapGenBefore(head, gen, slot);
  }
  return { head, steps, names, iterates };
}

/**
 * Turns a head into a generator that first runs `gen` into `slot`. Used when a
 * path element must iterate before the reference is walked.
 */
function wrapGenBefore(head: RefPlan['head'], gen: GenFn, slot: number): RefPlan['head'] {
  const headGen: GenFn = headAsGen(head);
  return {
    kind: 'gen',
    fn: (f, c, k) => gen(f, c, (v) => {
      f[slot] = v;
      const r = headGen(f, c, k);
      f[slot] = undefined;
      return r;
    }),
  };
}

function headAsGen(head: RefPlan['head']): GenFn {
  switch (head.kind) {
    case 'gen': return head.fn;
    case 'value': { const fn = head.fn; return (f, c, k) => { const v = fn(f, c); return v === undefined ? false : k(v); }; }
    default:
      if (head.root === 'input') return (_f, c, k) => (c.input === undefined ? false : k(c.input));
      throw new Error('data head cannot be wrapped');
  }
}

function refValue(t: RefTerm, cx: CompileContext, B: Bound): ValueFn | null {
  const B2 = new Set(B);
  const plan = planRef(t, cx, B2);
  if (plan.iterates) return null;
  const { head, steps } = plan;
  if (head.kind === 'root' && head.root === 'data') return dataRefValue(steps, cx, plan.names);
  const first = (f: Frame, c: EvalContext): Value | undefined =>
    head.kind === 'root' ? c.input : head.kind === 'value' ? head.fn(f, c) : undefined;
  // Fastest path: constant string keys from input (`input.a.b`), navigated without key closures.
  if (head.kind === 'root' && plan.names.every((n) => n !== undefined)) return inputPathRead(plan.names as string[], cx);
  // `x.a.b` on a local variable with constant string keys: the slot and the keys read inline.
  const slot = localSlot(t.head, cx);
  if (slot !== undefined && plan.names.every((n) => n !== undefined)) return localPathRead(slot, plan.names as string[]);
  // Fast path: constant keys only.
  if (steps.every((s) => s.kind === 'value')) {
    const keys = steps.map((s) => (s as { fn: ValueFn }).fn);
    return (f, c) => {
      let v = first(f, c);
      for (let i = 0; i < keys.length && v !== undefined; i++) {
        const key = keys[i](f, c);
        if (key === undefined) return undefined;
        v = indexValue(v, key);
      }
      return v;
    };
  }
  return (f, c) => {
    const v = first(f, c);
    if (v === undefined) return undefined;
    let out: Value | undefined;
    navValue(v, steps, 0, f, c, (x) => { out = x; return true; });
    return out;
  };
}

/**
 * Memo slots of a policy's queries: one per rule set, then one per constant
 * input path read anywhere in the policy (or in a query compiled against it).
 */
export interface MemoSlots {
  next: number;
  readonly inputPaths: Map<string, number>;
}

const memoSlotsByTree = new WeakMap<DocNode, MemoSlots>();

/** Reserves the first `ruleSetCount` slots for rule values; input paths get the slots after. */
export function reserveMemoSlots(tree: DocNode, ruleSetCount: number): MemoSlots {
  const slots: MemoSlots = { next: ruleSetCount, inputPaths: new Map() };
  memoSlotsByTree.set(tree, slots);
  return slots;
}

/** The frame slot of a term that is a local variable, else undefined. */
function localSlot(t: Term, cx: CompileContext): number | undefined {
  if (t.type !== 'var') return undefined;
  const r = cx.scope.resolve(t);
  return r.kind === 'local' ? r.slot : undefined;
}

function localPathRead(slot: number, names: readonly string[]): ValueFn {
  const n = names.length;
  if (n === 1) {
    const a = names[0];
    return (f) => { const v = f[slot]; return v === undefined ? undefined : indexValue(v, a); };
  }
  return (f) => {
    let v = f[slot];
    for (let i = 0; i < n && v !== undefined; i++) v = indexValue(v, names[i]);
    return v;
  };
}

/**
 * `input.a.b…` with constant string keys. Policies read the same input paths
 * in many rules (`input.subject.roles` a dozen times a decision), so each
 * path's value is kept in the query's memo, and each prefix reads its parent's.
 */
function inputPathRead(names: readonly string[], cx: CompileContext): ValueFn {
  if (names.length === 0) return (_f, c) => c.input;
  const slots = memoSlotsByTree.get(cx.tree);
  const parent = inputPathRead(names.slice(0, -1), cx);
  const last = names[names.length - 1];
  if (!slots) {
    return (f, c) => { const p = parent(f, c); return p === undefined ? undefined : indexValue(p, last); };
  }
  const key = JSON.stringify(names);
  let id = slots.inputPaths.get(key);
  if (id === undefined) slots.inputPaths.set(key, (id = slots.next++));
  const slot = id;
  return (f, c) => {
    const m = c.memo[slot];
    if (m !== undefined) return m === UNDEFINED ? undefined : m;
    const p = parent(f, c);
    const v = p === undefined ? undefined : indexValue(p, last);
    c.memo[slot] = v === undefined ? UNDEFINED : v;
    return v;
  };
}

function indexValue(v: Value, key: Value): Value | undefined {
  if (v instanceof RObject) return v.get(key);
  if (Array.isArray(v)) return typeof key === 'number' && Number.isInteger(key) && key >= 0 ? v[key] : undefined;
  if (v instanceof RSet) return v.has(key) ? key : undefined;
  return undefined;
}

function refGen(t: RefTerm, cx: CompileContext, B: Bound): GenFn {
  const plan = planRef(t, cx, B);
  const { head, steps } = plan;
  if (head.kind === 'root' && head.root === 'data') {
    const { node, i } = dataStart(steps, plan.names, cx);
    const constPrefix = plan.names.slice(i).findIndex((n) => n === undefined);
    const n = constPrefix < 0 ? steps.length - i : constPrefix;
    if (n > 0) {
      const base = baseFastPath(node, steps.slice(0, i + n), plan.names, i);
      if (base) {
        const rest = steps.slice(i + n);
        return (f, c, k) => {
          if (c.dataOverrides) return navData(node, steps, i, f, c, k);
          const v = base(f, c);
          return v === undefined ? false : navValue(v, rest, 0, f, c, k);
        };
      }
    }
    return (f, c, k) => navData(node, steps, i, f, c, k);
  }
  const hg = headAsGen(head);
  return (f, c, k) => hg(f, c, (v) => navValue(v, steps, 0, f, c, k));
}

function hasUnboundVars(t: Term, cx: CompileContext, B: Bound): boolean {
  return unboundVars(t, cx, B).length > 0;
}

/** A term as a generator of values; binds variables in reference paths and call outputs. */
export function genFn(t: Term, cx: CompileContext, B: Bound): GenFn {
  if (t.type === 'ref') {
    // A reference that does not iterate (`some x in input.xs`) takes the single-value fast paths.
    const vf = refValue(t, cx, B);
    if (vf) return (f, c, k) => { const v = vf(f, c); return v === undefined ? false : k(v); };
    return refGen(t, cx, B);
  }
  if (t.type === 'call') return callGen(t, cx, B);
  const vf = valueFn(t, cx, B);
  if (vf) return (f, c, k) => { const v = vf(f, c); return v === undefined ? false : k(v); };
  if (t.type === 'array' || t.type === 'set' || t.type === 'object') return compositeGen(t, cx, B);
  throw new Unsafe(unboundVars(t, cx, B));
}

function unboundVars(t: Term, cx: CompileContext, B: Bound): VarTerm[] {
  const vars: VarTerm[] = [];
  forEachVar(t, (v) => vars.push(v));
  return vars.filter((v) => { const r = cx.scope.resolve(v); return r.kind === 'local' && !B.has(r.slot); });
}

/** Composite terms whose members iterate, e.g. `[input.xs[i], i]`. */
function compositeGen(t: Term & { type: 'array' | 'set' | 'object' }, cx: CompileContext, B: Bound): GenFn {
  const terms = t.type === 'object' ? t.entries.flat() : t.items;
  const gens = terms.map((x) => genFn(x, cx, B));
  const build = (vals: Value[]): Value => {
    if (t.type === 'array') return vals;
    if (t.type === 'set') return new RSet(vals);
    const o = new RObject();
    for (let i = 0; i < vals.length; i += 2) o.set(vals[i], vals[i + 1]);
    return o;
  };
  return (f, c, k) => {
    const vals: Value[] = new Array(gens.length);
    const next = (i: number): boolean => {
      if (i === gens.length) return k(build(vals.slice()));
      return gens[i](f, c, (v) => { vals[i] = v; return next(i + 1); });
    };
    return next(0);
  };
}

// ---------------------------------------------------------------------------
// Patterns (unification of a term with a value)

/** Unifies a term with one value without a continuation: binds or compares, nothing to backtrack. */
export type PatTest = (v: Value, f: Frame, c: EvalContext) => boolean;

/**
 * The semi-deterministic form of `patFn`, or null when the pattern needs to
 * iterate. Bindings are never undone: a slot is only read where it is
 * statically bound, and it is rebound whenever control passes its binder again.
 */
export function patTest(t: Term, cx: CompileContext, B: Bound): PatTest | null {
  if (t.type === 'var') {
    const r = cx.scope.resolve(t);
    if (r.kind === 'local') {
      const slot = r.slot;
      if (!B.has(slot)) {
        B.add(slot);
        return (v, f) => { f[slot] = v; return true; };
      }
      return (v, f) => equals(f[slot] as Value, v);
    }
  }
  if (t.type === 'array') {
    const items: PatTest[] = [];
    for (const x of t.items) {
      const p = patTest(x, cx, B);
      if (!p) return null;
      items.push(p);
    }
    const n = items.length;
    return (v, f, c) => {
      if (!Array.isArray(v) || v.length !== n) return false;
      for (let i = 0; i < n; i++) if (!items[i](v[i], f, c)) return false;
      return true;
    };
  }
  if (t.type === 'object' && groundValue(t) === undefined) {
    const keys: ValueFn[] = [];
    const vals: PatTest[] = [];
    for (const [kt, vt] of t.entries) {
      const kf = valueFn(kt, cx, B);
      if (!kf) return null;
      const p = patTest(vt, cx, B);
      if (!p) return null;
      keys.push(kf);
      vals.push(p);
    }
    const n = keys.length;
    return (v, f, c) => {
      if (!(v instanceof RObject) || v.size !== n) return false;
      for (let i = 0; i < n; i++) {
        const key = keys[i](f, c);
        if (key === undefined) return false;
        const x = v.get(key);
        if (x === undefined || !vals[i](x, f, c)) return false;
      }
      return true;
    };
  }
  const vf = valueFn(t, cx, B);
  if (!vf) return null;
  return (v, f, c) => {
    const x = vf(f, c);
    return x !== undefined && equals(x, v);
  };
}

export function patFn(t: Term, cx: CompileContext, B: Bound): PatFn {
  const r0 = attempt(B, (B2) => patTest(t, cx, B2));
  if (r0.ok && r0.value) {
    for (const s of r0.B) B.add(s);
    const test = r0.value;
    return (v, f, c, k) => (test(v, f, c) ? k() : false);
  }
  if (t.type === 'var') {
    const r = cx.scope.resolve(t);
    if (r.kind === 'local') {
      const slot = r.slot;
      if (!B.has(slot)) {
        B.add(slot);
        return (v, f, _c, k) => {
          f[slot] = v;
          const res = k();
          f[slot] = undefined;
          return res;
        };
      }
      return (v, f, _c, k) => (equals(f[slot] as Value, v) ? k() : false);
    }
  }
  if (t.type === 'array') {
    const items = t.items.map((x) => patFn(x, cx, B));
    const n = items.length;
    return (v, f, c, k) => {
      if (!Array.isArray(v) || v.length !== n) return false;
      const next = (i: number): boolean => (i === n ? k() : items[i](v[i], f, c, () => next(i + 1)));
      return next(0);
    };
  }
  if (t.type === 'object' && groundValue(t) === undefined) {
    const keys = t.entries.map(([kt]) => {
      const kf = valueFn(kt, cx, B);
      if (!kf) throw new Unsafe(unboundVars(kt, cx, B));
      return kf;
    });
    const vals = t.entries.map(([, vt]) => patFn(vt, cx, B));
    const n = keys.length;
    return (v, f, c, k) => {
      if (!(v instanceof RObject) || v.size !== n) return false;
      const next = (i: number): boolean => {
        if (i === n) return k();
        const key = keys[i](f, c);
        if (key === undefined) return false;
        const x = v.get(key);
        return x === undefined ? false : vals[i](x, f, c, () => next(i + 1));
      };
      return next(0);
    };
  }
  const gen = genFn(t, cx, B);
  return (v, f, c, k) => gen(f, c, (x) => (equals(x, v) ? k() : false));
}

// ---------------------------------------------------------------------------
// Comprehensions

function nestedScope(cx: CompileContext, body: Body, declaredHere: readonly string[], extraTerms: readonly Term[] = []): CompileContext {
  const scope = new Scope(cx.scope.layout, cx.scope.env, cx.scope);
  for (const name of declaredHere) scope.declare(name);
  for (const name of declaredNames(body)) if (!scope.hasOwn(name)) scope.declare(name);
  declareMentioned(scope, body, extraTerms);
  return { ...cx, scope };
}

/**
 * Declares, in `scope`, the names its body mentions that no enclosing scope
 * knows, so that a nested body compiled earlier cannot capture them.
 */
export function declareMentioned(scope: Scope, body: Body, extraTerms: readonly Term[]): void {
  const names = new Set<string>();
  for (const t of extraTerms) collectVars(t, names);
  for (const e of body) exprVars(e, names);
  for (const name of names) {
    if (name === '_' || scope.hasOwn(name) || scope.isVisible(name) || scope.resolveGlobal(name)) continue;
    scope.declare(name);
  }
}

/** Names an expression mentions at its own level (not inside nested bodies). */
function exprVars(e: Expr, out: Set<string>): void {
  switch (e.kind) {
    case 'term': collectVars(e.term, out); break;
    case 'unify':
    case 'assign': collectVars(e.left, out); collectVars(e.right, out); break;
    case 'some': for (const v of e.vars) out.add(v.name); break;
    case 'somein': if (e.key) collectVars(e.key, out); collectVars(e.value, out); collectVars(e.collection, out); break;
    case 'every': collectVars(e.domain, out); break;
  }
  for (const w of e.with) collectVars(w.value, out);
}

function comprehension(t: Term & { type: 'arraycompr' | 'setcompr' | 'objectcompr' }, cx: CompileContext, B: Bound): ValueFn {
  const inner = nestedScope(cx, t.body, [], t.type === 'objectcompr' ? [t.key, t.value] : [t.term]);
  const IB = new Set(B);
  const body = compileBody(t.body, inner, IB);
  const loc = t.loc;
  // Head terms may iterate too (`{xs[_]: 1 | true}`), as OPA moves them into the body.
  if (t.type === 'objectcompr') {
    const kg = genFn(t.key, inner, IB);
    const vg = genFn(t.value, inner, IB);
    return (f, c) => {
      const out = new RObject();
      body(f, c, () => kg(f, c, (key) => vg(f, c, (v) => {
        const prev = out.get(key);
        if (prev !== undefined && !equals(prev, v)) throw new EvalError('eval_conflict_error', 'object keys must be unique', loc);
        out.set(key, v);
        checkCollectionSize(c, out.size, loc);
        return false;
      })));
      return out;
    };
  }
  const tg = genFn(t.term, inner, IB);
  if (t.type === 'arraycompr') {
    return (f, c) => {
      const out: Value[] = [];
      body(f, c, () => tg(f, c, (v) => { out.push(v); checkCollectionSize(c, out.length, loc); return false; }));
      return out;
    };
  }
  return (f, c) => {
    const out = new RSet();
    body(f, c, () => tg(f, c, (v) => { out.add(v); checkCollectionSize(c, out.size, loc); return false; }));
    return out;
  };
}

/** A rule head term that must be computable once its body ran; reports unsafe variables. */
export function mustValue(t: Term, cx: CompileContext, B: Bound): ValueFn {
  try {
    const vf = valueFn(t, cx, B);
    if (vf) return vf;
    const gen = genFn(t, cx, new Set(B));
    return (f, c) => { let out: Value | undefined; gen(f, c, (v) => { out = v; return true; }); return out; };
  } catch (e) {
    if (!(e instanceof Unsafe)) throw e;
    for (const v of e.vars) cx.errors.push(new RegoError('rego_unsafe_var_error', `var ${v.name} is unsafe`, v.loc));
    return () => undefined;
  }
}

// ---------------------------------------------------------------------------
// Calls

interface FunctionTarget {
  kind: 'builtin' | 'user';
  name: string;
  arity: number;
  builtin?: BuiltinDef;
  ruleSet?: RuleSet;
}

/** Splits a call's name into path parts: `a.b["c.d"]` → ["a", "b", "c.d"]. */
export function opParts(op: string): string[] {
  const parts: string[] = [];
  const re = /\[\s*("(?:[^"\\]|\\.)*")\s*\]|([^.[\]]+)/g;
  for (let m = re.exec(op); m; m = re.exec(op)) parts.push(m[1] !== undefined ? (JSON.parse(m[1]) as string) : m[2]);
  return parts;
}

export function resolveFunction(op: string, cx: CompileContext): FunctionTarget | undefined {
  const parts = opParts(op);
  const env = cx.scope.env;
  let path: string[] | undefined;
  if (parts[0] === 'data') path = parts.slice(1);
  else {
    const imp = env.imports.get(parts[0]);
    if (imp && imp.root === 'data') path = [...imp.path, ...parts.slice(1)];
    else if (env.packageRules.has(parts[0])) path = [...env.packagePath, ...parts];
  }
  if (path) {
    const rs = cx.tree.find(path)?.ruleSet;
    if (rs && rs.kind === 'function') return { kind: 'user', name: rs.name, arity: rs.arity, ruleSet: rs };
  }
  const b = BUILTINS.get(op);
  if (b && !(b.deprecated && env.regoVersion === 1)) return { kind: 'builtin', name: op, arity: b.args.length, builtin: b };
  return undefined;
}

type Invoke = (args: Value[], f: Frame, c: EvalContext) => Value | undefined;

function builtinInvoke(def: BuiltinDef, loc: Location): Invoke {
  const fn = def.fn;
  const name = def.name;
  return (args, _f, c) => {
    try {
      const v = fn(args, c.builtin);
      return v;
    } catch (e) {
      throw wrapBuiltinError(e, name, c, loc);
    }
  };
}

const SKIP = Symbol('builtin error (non-strict)');

function wrapBuiltinError(e: unknown, name: string, c: EvalContext, loc: Location): unknown {
  if (e instanceof BuiltinError) return c.strict ? new EvalError(e.code, e.message, loc) : SKIP;
  if (e instanceof RegoError) return e;
  if (e instanceof RangeError) return new EvalError('eval_builtin_error', `${name}: ${e.message}`, loc);
  return e;
}

function invokeWithOverrides(name: string, base: Invoke, loc: Location): Invoke {
  return (args, f, c) => {
    const o: FunctionOverride | undefined = c.fnOverrides?.get(name);
    if (o) return o.kind === 'value' ? o.value : o.call(args, withoutOverride(c, name), loc);
    return base(args, f, c);
  };
}

/** Inside a replacement, the replaced function is the original again (so a mock may call it). */
function withoutOverride(c: EvalContext, name: string): EvalContext {
  const fnOverrides = new Map(c.fnOverrides);
  fnOverrides.delete(name);
  return { ...c, fnOverrides: fnOverrides.size ? fnOverrides : undefined, memo: [], cache: undefined };
}

function targetInvoke(target: FunctionTarget, loc: Location): Invoke {
  if (target.kind === 'builtin') return invokeWithOverrides(target.name, builtinInvoke(target.builtin!, loc), loc);
  const rs = target.ruleSet!;
  return invokeWithOverrides(target.name, (args, _f, c) => callFunction(rs, args, c), loc);
}

/** Runs an invoke, turning non-strict builtin errors into "undefined". */
function safeCall(inv: Invoke, args: Value[], f: Frame, c: EvalContext): Value | undefined {
  try {
    return inv(args, f, c);
  } catch (e) {
    if (e === SKIP) return undefined;
    throw e;
  }
}

function callValue(t: CallTerm, cx: CompileContext, B: Bound): ValueFn | null {
  const special = specialCall(t, cx, B);
  if (special !== undefined) return special;
  const target = lookupCall(t, cx);
  if (!target) return () => undefined;
  if (t.args.length !== target.arity) return null;
  if (target.builtin?.gen) return null;
  const args = itemsValue(t.args, cx, B);
  if (!args) return null;
  const n = args.length;
  const name = target.name;
  if (target.kind === 'builtin') {
    const comparison = COMPARISONS[name];
    if (comparison && n === 2) return inputComparison(name, t, cx) ?? comparisonCall(name, comparison, args[0], args[1], t.loc);
    // One closure per call site: arguments, mock check, the builtin, its error handling.
    const def = target.builtin!;
    const fn = def.fn;
    const loc = t.loc;
    // A pure builtin (deterministic, not reading the query context) remembers its recent
    // results per call site: config-derived calls (durations, patterns, timestamps) then
    // cost a lookup per decision instead of a parse.
    const memo = !def.nondeterministic && fn.length < 2 && !CHEAP_BUILTINS.has(name) ? new CallMemo() : undefined;
    return (f, c) => {
      const vals: Value[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = args[i](f, c);
        if (v === undefined) return undefined;
        vals[i] = v;
      }
      if (c.fnOverrides?.has(name)) return safeCall(invokeWithOverrides(name, () => undefined, loc), vals, f, c);
      const key = memo?.key(vals);
      if (key !== undefined) {
        const hit = memo!.get(key, vals);
        if (hit !== MISS) return hit;
      }
      try {
        const result = fn(vals, c.builtin);
        if (key !== undefined) memo!.set(key, vals, result);
        return result;
      } catch (e) {
        const w = wrapBuiltinError(e, name, c, loc);
        if (w === SKIP) return undefined;
        throw w;
      }
    };
  }
  const rs = target.ruleSet!;
  const inv = targetInvoke(target, t.loc);
  return (f, c) => {
    const vals: Value[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const v = args[i](f, c);
      if (v === undefined) return undefined;
      vals[i] = v;
    }
    return c.fnOverrides ? safeCall(inv, vals, f, c) : callFunction(rs, vals, c);
  };
}

const MISS = Symbol('miss');

/**
 * Builtins that cost less than a CallMemo lookup (which builds a text key per
 * call): remembering their results would only slow them down.
 */
const CHEAP_BUILTINS = new Set([
  'startswith', 'endswith', 'contains', 'lower', 'upper', 'count', 'abs', 'plus', 'minus', 'mul',
  'is_string', 'is_number', 'is_boolean', 'is_array', 'is_object', 'is_set', 'is_null', 'type_name',
]);

/**
 * Recent results of one pure builtin call site. Calls whose arguments are all
 * scalars are keyed by their text (bounded; cleared when full); others hit
 * only when called again with the very same argument objects.
 */
class CallMemo {
  private static readonly MAX = 256;
  private readonly byText = new Map<string, Value | undefined>();
  private lastArgs: Value[] | undefined;
  private lastResult: Value | undefined;

  /** A text key for scalar arguments; '' stands for "compare by identity". */
  key(args: readonly Value[]): string {
    let k = '';
    for (const a of args) {
      if (a === null || typeof a !== 'object') k += typeof a + ':' + String(a) + '\u0000';
      else return '';
    }
    return k;
  }

  get(key: string, args: readonly Value[]): Value | undefined | typeof MISS {
    if (key) return this.byText.has(key) ? this.byText.get(key) : MISS;
    const last = this.lastArgs;
    if (!last) return MISS;
    for (let i = 0; i < args.length; i++) if (last[i] !== args[i]) return MISS;
    return this.lastResult;
  }

  set(key: string, args: Value[], result: Value | undefined): void {
    if (key) {
      if (this.byText.size >= CallMemo.MAX) this.byText.clear();
      this.byText.set(key, result);
    } else {
      this.lastArgs = args;
      this.lastResult = result;
    }
  }
}

/** Comparison operators evaluated inline: they cannot fail, and they are on every hot path. */
const COMPARISONS: Record<string, (a: Value, b: Value) => boolean> = {
  equal: (a, b) => a === b || equals(a, b),
  neq: (a, b) => a !== b && !equals(a, b),
  lt: (a, b) => (typeof a === 'number' && typeof b === 'number' ? a < b : compare(a, b) < 0),
  lte: (a, b) => (typeof a === 'number' && typeof b === 'number' ? a <= b : compare(a, b) <= 0),
  gt: (a, b) => (typeof a === 'number' && typeof b === 'number' ? a > b : compare(a, b) > 0),
  gte: (a, b) => (typeof a === 'number' && typeof b === 'number' ? a >= b : compare(a, b) >= 0),
};

function comparisonCall(name: string, op: (a: Value, b: Value) => boolean, x: ValueFn, y: ValueFn, loc: Location): ValueFn {
  const mocked = invokeWithOverrides(name, () => undefined, loc);
  const value: ValueFn = (f, c) => {
    const a = x(f, c);
    if (a === undefined) return undefined;
    const b = y(f, c);
    if (b === undefined) return undefined;
    if (c.fnOverrides?.has(name)) return safeCall(mocked, [a, b], f, c);
    return op(a, b);
  };
  return withTest(value, (f, c) => {
    const a = x(f, c);
    if (a === undefined) return false;
    const b = y(f, c);
    if (b === undefined) return false;
    if (c.fnOverrides?.has(name)) return isTrue(safeCall(mocked, [a, b], f, c));
    return op(a, b);
  });
}

function isTrue(v: Value | undefined): boolean {
  return v !== undefined && v !== false;
}

/** `input.a.b…` (constant string keys, imports resolved) as ["a", "b", …], else undefined. */
function constInputPath(t: Term, cx: CompileContext): string[] | undefined {
  if (t.type !== 'ref' && t.type !== 'var') return undefined;
  const head = t.type === 'var' ? t : t.head;
  if (head.type !== 'var') return undefined;
  const r = cx.scope.resolve(head);
  if (r.kind !== 'root' || r.root !== 'input') return undefined;
  const names = [...r.path];
  for (const p of t.type === 'ref' ? t.path : []) {
    if (p.type !== 'scalar' || typeof p.value !== 'string') return undefined;
    names.push(p.value);
  }
  return names;
}

/**
 * `input.a.b <op> constant` (either side), the commonest test in policies,
 * in one closure: the (memoised) input read and the comparison without
 * calling through argument closures, and string equality as `===`.
 */
function inputComparison(name: string, t: CallTerm, cx: CompileContext): ValueFn | undefined {
  const [l, r] = t.args;
  let path = constInputPath(l, cx);
  let k = groundValue(r);
  let flipped = false;
  if (!path || k === undefined) {
    path = constInputPath(r, cx);
    k = groundValue(l);
    flipped = true;
  }
  if (!path || k === undefined) return undefined;
  const test = constantTest(name, k, flipped);
  const read = inputPathRead(path, cx);
  const constant = k;
  const mocked = invokeWithOverrides(name, () => undefined, t.loc);
  const value: ValueFn = (f, c) => {
    const v = read(f, c);
    if (v === undefined) return undefined;
    if (c.fnOverrides?.has(name)) return safeCall(mocked, flipped ? [constant, v] : [v, constant], f, c);
    return test(v);
  };
  return withTest(value, (f, c) => {
    const v = read(f, c);
    if (v === undefined) return false;
    if (c.fnOverrides?.has(name)) return isTrue(safeCall(mocked, flipped ? [constant, v] : [v, constant], f, c));
    return test(v);
  });
}

/** `v <op> k` (or `k <op> v` when flipped) for a constant k. */
function constantTest(name: string, k: Value, flipped: boolean): (v: Value) => boolean {
  // A string equals exactly the identical string, and nothing of another type.
  if (typeof k === 'string' && name === 'equal') return (v) => v === k;
  if (typeof k === 'string' && name === 'neq') return (v) => v !== k;
  const op = COMPARISONS[name];
  return flipped ? (v) => op(k, v) : (v) => op(v, k);
}

function lookupCall(t: CallTerm, cx: CompileContext): FunctionTarget | undefined {
  const target = resolveFunction(t.op, cx);
  if (!target) {
    cx.errors.push(new RegoError('rego_type_error', `undefined function ${t.op}`, t.opLoc));
    return undefined;
  }
  if (t.args.length === target.arity + 1 && !outputCalls.has(t)) {
    cx.errors.push(new RegoError('rego_type_error', `${t.op}: too many arguments: have ${t.args.length}, want ${target.arity}`, t.loc));
    return undefined;
  }
  if (t.args.length !== target.arity && t.args.length !== target.arity + 1) {
    cx.errors.push(new RegoError('rego_type_error', `${t.op}: arity mismatch: have ${t.args.length} arguments, want ${target.arity}`, t.loc));
    return undefined;
  }
  if (target.builtin) {
    const problem = checkBuiltinArgs(target.builtin, t.args.slice(0, target.arity));
    if (problem) cx.errors.push(new RegoError('rego_type_error', `${t.op}: ${problem}`, t.loc));
  }
  return target;
}

function callGen(t: CallTerm, cx: CompileContext, B: Bound): GenFn {
  const vf = callValue(t, cx, B);
  if (vf) return (f, c, k) => { const v = vf(f, c); return v === undefined ? false : k(v); };
  const target = lookupCall(t, cx);
  if (!target) return () => false;
  const inputs = t.args.slice(0, target.arity);
  const argGens = inputs.map((a) => genFn(a, cx, B));
  const out = t.args.length > target.arity ? patFn(t.args[target.arity], cx, B) : undefined;
  const n = argGens.length;
  const gen = target.builtin?.gen;
  const inv = targetInvoke(target, t.loc);
  const loc = t.loc;
  const emit = (f: Frame, c: EvalContext, v: Value, k: (v: Value) => boolean): boolean =>
    out ? out(v, f, c, () => k(true)) : k(v);
  return (f, c, k) => {
    const vals: Value[] = new Array(n);
    const next = (i: number): boolean => {
      if (i < n) return argGens[i](f, c, (v) => { vals[i] = v; return next(i + 1); });
      if (gen && !c.fnOverrides?.has(target.name)) {
        let results: Iterable<Value>;
        try { results = gen(vals, c.builtin); } catch (e) {
          const w = wrapBuiltinError(e, target.name, c, loc);
          if (w === SKIP) return false;
          throw w;
        }
        const it = results[Symbol.iterator]();
        for (;;) {
          let r: IteratorResult<Value>;
          try { r = it.next(); } catch (e) {
            const w = wrapBuiltinError(e, target.name, c, loc);
            if (w === SKIP) return false;
            throw w;
          }
          if (r.done) return false;
          step(c, loc);
          if (emit(f, c, r.value, k)) return true;
        }
      }
      const v = safeCall(inv, vals.slice(), f, c);
      return v === undefined ? false : emit(f, c, v, k);
    };
    return next(0);
  };
}

/** Calls the evaluator implements itself: membership, print, rego.metadata. */
function specialCall(t: CallTerm, cx: CompileContext, B: Bound): ValueFn | null | undefined {
  switch (t.op) {
    case 'internal.member_2': {
      if (t.args.length !== 2) return undefined;
      const [x, coll] = itemsValueOrNull(t.args, cx, B);
      if (!x || !coll) return null;
      return (f, c) => {
        const v = x(f, c); const xs = coll(f, c);
        if (v === undefined || xs === undefined) return undefined;
        return isMember(v, xs);
      };
    }
    case 'internal.member_3': {
      if (t.args.length !== 3) return undefined;
      const [kf, vf, coll] = itemsValueOrNull(t.args, cx, B);
      if (!kf || !vf || !coll) return null;
      return (f, c) => {
        const key = kf(f, c); const v = vf(f, c); const xs = coll(f, c);
        if (key === undefined || v === undefined || xs === undefined) return undefined;
        if (xs instanceof RSet) return false;
        const m = indexValue(xs, key);
        return m !== undefined && equals(m, v);
      };
    }
    case 'print': {
      const args = t.args.map((a) => printArg(a, cx, B));
      return (f, c) => {
        (c.print ?? printToStderr)(args.map((a) => a(f, c)).join(' '));
        return true;
      };
    }
    case 'rego.metadata.rule':
    case 'rego.metadata.chain': {
      if (t.args.length !== 0) return undefined;
      const md = cx.metadata;
      const v = md ? (t.op === 'rego.metadata.rule' ? md.rule : md.chain) : t.op === 'rego.metadata.rule' ? new RObject() : [];
      return constant(v);
    }
    default:
      return undefined;
  }
}

function printToStderr(message: string): void {
  process.stderr.write(message + '\n');
}

/** `v in xs`: a set answers by key; a string is found by identity (it equals only an identical string). */
function isMember(v: Value, xs: Value): boolean {
  if (xs instanceof RSet) return xs.has(v);
  if (Array.isArray(xs) && typeof v === 'string') {
    for (let i = 0; i < xs.length; i++) if (xs[i] === v) return true;
    return false;
  }
  return forEachMember(xs, (_k, m) => equals(m, v));
}

function itemsValueOrNull(items: readonly Term[], cx: CompileContext, B: Bound): (ValueFn | null)[] {
  return items.map((x) => valueFn(x, cx, B));
}

function printArg(t: Term, cx: CompileContext, B: Bound): (f: Frame, c: EvalContext) => string {
  const vf = mustValueOrThrow(t, cx, B);
  return (f, c) => {
    const v = vf(f, c);
    if (v === undefined) return '<undefined>';
    return typeof v === 'string' ? v : stringifyJSON(v);
  };
}

function mustValueOrThrow(t: Term, cx: CompileContext, B: Bound): ValueFn {
  const vf = valueFn(t, cx, B);
  if (vf) return vf;
  const gen = genFn(t, cx, new Set(B));
  return (f, c) => { let out: Value | undefined; gen(f, c, (v) => { out = v; return true; }); return out; };
}

// ---------------------------------------------------------------------------
// Expressions

/** Calls written as a whole expression, where an extra argument receives the output (`count(xs, n)`). */
const outputCalls = new WeakSet<CallTerm>();

function termGoal(t: Term, cx: CompileContext, B: Bound): Goal {
  if (t.type === 'call') outputCalls.add(t);
  const vf = valueFn(t, cx, B);
  if (vf) return (f, c, k) => { const v = vf(f, c); return v === undefined || v === false ? false : k(); };
  const gen = genFn(t, cx, B);
  return (f, c, k) => gen(f, c, (v) => (v === false ? false : k()));
}

function capturingGoal(t: Term, slot: number, cx: CompileContext, B: Bound): Goal {
  const gen = genFn(t, cx, B);
  return (f, c, k) => gen(f, c, (v) => {
    if (v === false) return false;
    f[slot] = v;
    const r = k();
    f[slot] = undefined;
    return r;
  });
}

/** Tries to compile `fn` against a copy of B; returns it and the new bindings, or the unsafe vars. */
function attempt<T>(B: Bound, fn: (B2: Bound) => T): { ok: true; value: T; B: Bound } | { ok: false; unsafe: Unsafe } {
  const B2 = new Set(B);
  try {
    return { ok: true, value: fn(B2), B: B2 };
  } catch (e) {
    if (e instanceof Unsafe) return { ok: false, unsafe: e };
    throw e;
  }
}

function isUnboundVar(t: Term, cx: CompileContext, B: Bound): boolean {
  if (t.type !== 'var') return false;
  const r = cx.scope.resolve(t);
  return r.kind === 'local' && !B.has(r.slot);
}

function unifyGoal(a: Term, b: Term, cx: CompileContext, B: Bound): Goal {
  // Evaluate the side that can be evaluated, then unify the other with its value.
  const tryOrder = (x: Term, y: Term): Goal | undefined => {
    const r = attempt(B, (B2) => {
      const gen = genFn(y, cx, B2);
      const pat = patFn(x, cx, B2);
      return { gen, pat };
    });
    if (!r.ok) return undefined;
    for (const s of r.B) B.add(s);
    const { gen, pat } = r.value;
    return (f, c, k) => gen(f, c, (v) => pat(v, f, c, k));
  };
  if (isUnboundVar(a, cx, B)) { const g = tryOrder(a, b); if (g) return g; }
  if (isUnboundVar(b, cx, B)) { const g = tryOrder(b, a); if (g) return g; }
  if (a.type === 'array' && b.type === 'array' && a.items.length === b.items.length) return pairwiseUnify(a.items, b.items, cx, B);
  if (a.type === 'object' && b.type === 'object') {
    const ka = a.entries.map(([k]) => groundValue(k)); const kb = b.entries.map(([k]) => groundValue(k));
    if (ka.every((k) => k !== undefined) && kb.every((k) => k !== undefined) && ka.length === kb.length) {
      const pairsA: Term[] = []; const pairsB: Term[] = [];
      for (let i = 0; i < ka.length; i++) {
        const j = kb.findIndex((k) => equals(k as Value, ka[i] as Value));
        if (j < 0) return () => false;
        pairsA.push(a.entries[i][1]); pairsB.push(b.entries[j][1]);
      }
      return pairwiseUnify(pairsA, pairsB, cx, B);
    }
  }
  const g = tryOrder(a, b) ?? tryOrder(b, a);
  if (g) return g;
  throw new Unsafe([...unboundVars(a, cx, B), ...unboundVars(b, cx, B)]);
}

function pairwiseUnify(as: readonly Term[], bs: readonly Term[], cx: CompileContext, B: Bound): Goal {
  const pending = as.map((a, i) => [a, bs[i]] as const);
  const goals: Goal[] = [];
  while (pending.length) {
    let progressed = false;
    let lastUnsafe: Unsafe | undefined;
    for (let i = 0; i < pending.length; i++) {
      const r = attempt(B, (B2) => unifyGoal(pending[i][0], pending[i][1], cx, B2));
      if (!r.ok) { lastUnsafe = r.unsafe; continue; }
      for (const s of r.B) B.add(s);
      goals.push(r.value);
      pending.splice(i, 1);
      progressed = true;
      break;
    }
    if (!progressed) throw lastUnsafe ?? new Unsafe([]);
  }
  return sequence(goals);
}

function sequence(goals: readonly Goal[]): Goal {
  if (goals.length === 0) return (_f, _c, k) => k();
  if (goals.length === 1) return goals[0];
  const [first, ...rest] = goals;
  const tail = sequence(rest);
  return (f, c, k) => first(f, c, () => tail(f, c, k));
}

function someInGoal(e: SomeInExpr, cx: CompileContext, B: Bound): Goal {
  const simple = someInVarsGoal(e, cx, B);
  if (simple) return simple;
  const coll = genFn(e.collection, cx, B);
  const keyPat = e.key ? patFn(e.key, cx, B) : undefined;
  const valPat = patFn(e.value, cx, B);
  const loc = e.loc;
  return (f, c, k) => coll(f, c, (xs) => forEachMember(xs, (key, value) => {
    step(c, loc);
    if (keyPat) return keyPat(key, f, c, () => valPat(value, f, c, k));
    return valPat(value, f, c, k);
  }));
}

/**
 * `some k, v in xs` / `some v in xs` with fresh variables over a single-valued
 * collection, the usual form: a loop that assigns the slots directly, without
 * pattern or member-callback closures. Like patTest, bindings are not undone.
 */
function someInVarsGoal(e: SomeInExpr, cx: CompileContext, B: Bound): Goal | undefined {
  if (!isUnboundVar(e.value, cx, B) || (e.key && !isUnboundVar(e.key, cx, B))) return undefined;
  const vs = localSlot(e.value, cx)!;
  const ks = e.key ? localSlot(e.key, cx)! : -1;
  if (ks === vs) return undefined;
  const r = attempt(B, (B2) => valueFn(e.collection, cx, B2));
  if (!r.ok || !r.value || r.B.size !== B.size) return undefined;
  const coll = r.value;
  B.add(vs);
  if (ks >= 0) B.add(ks);
  const loc = e.loc;
  return (f, c, k) => {
    const xs = coll(f, c);
    if (Array.isArray(xs)) {
      for (let i = 0; i < xs.length; i++) {
        step(c, loc);
        if (ks >= 0) f[ks] = i;
        f[vs] = xs[i];
        if (k()) return true;
      }
    } else if (xs instanceof RObject) {
      const es = xs.entries();
      for (let i = 0; i < es.length; i++) {
        step(c, loc);
        if (ks >= 0) f[ks] = es[i][0];
        f[vs] = es[i][1];
        if (k()) return true;
      }
    } else if (xs instanceof RSet) {
      const ms = xs.values();
      for (let i = 0; i < ms.length; i++) {
        step(c, loc);
        if (ks >= 0) f[ks] = ms[i];
        f[vs] = ms[i];
        if (k()) return true;
      }
    }
    return false;
  };
}

function everyGoal(e: EveryExpr, cx: CompileContext, B: Bound): Goal {
  const domain = genFn(e.domain, cx, B);
  const declared = [e.value.name, ...(e.key ? [e.key.name] : [])].filter((n) => n !== '_');
  const inner = nestedScope(cx, e.body, declared);
  const IB = new Set(B);
  const keyPat = e.key ? patFn(e.key, inner, IB) : undefined;
  const valPat = patFn(e.value, inner, IB);
  const body = compileBody(e.body, inner, IB);
  // A goal returns true exactly when its continuation asked to stop: TRUE_STOP asks at the first solution.
  const holds = (f: Frame, c: EvalContext): boolean => body(f, c, TRUE_STOP);
  return (f, c, k) => domain(f, c, (xs) => {
    if (!(Array.isArray(xs) || xs instanceof RObject || xs instanceof RSet)) return false;
    const violated = forEachMember(xs, (key, value) => {
      step(c, e.loc);
      let ok = false;
      const run = () => { ok = holds(f, c); return true; };
      if (keyPat) keyPat(key, f, c, () => valPat(value, f, c, run));
      else valPat(value, f, c, run);
      return !ok;
    });
    return violated ? false : k();
  });
}

function notGoal(e: Expr, cx: CompileContext, B: Bound): Goal {
  // Named variables must be bound before a negation; wildcards are local to it.
  const names = new Set<string>();
  exprVars(e, names);
  const unsafe: VarTerm[] = [];
  for (const name of names) {
    if (name === '_') continue;
    const r = cx.scope.resolve({ type: 'var', name, loc: e.loc });
    if (r.kind === 'local' && !B.has(r.slot)) unsafe.push({ type: 'var', name, loc: e.loc });
  }
  if (unsafe.length) throw new Unsafe(unsafe);
  const IB = new Set(B);
  const goal = exprGoal({ ...e, negated: false }, cx, IB);
  return (f, c, k) => (goal(f, c, TRUE_STOP) ? false : k());
}

function withGoal(e: Expr, cx: CompileContext, B: Bound, inner: Goal): Goal {
  const mods = e.with.map((w) => compileWith(w, cx, B));
  return (f, c, k) => {
    let input = c.input;
    let dataOverrides = c.dataOverrides;
    let fnOverrides = c.fnOverrides;
    for (const m of mods) {
      const applied = m(f, c, input);
      if (applied === undefined) return false;
      if (applied.kind === 'input') input = applied.value;
      else if (applied.kind === 'data') dataOverrides = [...(dataOverrides ?? []), applied.override];
      else fnOverrides = new Map([...(fnOverrides ?? []), [applied.name, applied.override]]);
    }
    const c2: EvalContext = { ...c, input, dataOverrides, fnOverrides, memo: [], cache: undefined };
    return inner(f, c2, k);
  };
}

type AppliedWith =
  | { kind: 'input'; value: Value }
  | { kind: 'data'; override: { path: string[]; value: Value } }
  | { kind: 'fn'; name: string; override: FunctionOverride };

function refPathNames(t: RefTerm | VarTerm): string[] | undefined {
  if (t.type === 'var') return [t.name];
  if (t.head.type !== 'var') return undefined;
  const out = [t.head.name];
  for (const p of t.path) {
    if (p.type !== 'scalar' || typeof p.value !== 'string') return undefined;
    out.push(p.value);
  }
  return out;
}

function compileWith(w: WithModifier, cx: CompileContext, B: Bound): (f: Frame, c: EvalContext, input: Value | undefined) => AppliedWith | undefined {
  const names = refPathNames(w.target);
  if (!names) {
    cx.errors.push(new RegoError('rego_compile_error', 'with keyword target must be a reference to input, data or a function', w.loc));
    return () => undefined;
  }
  // Function replacement: the target names a builtin or a user function.
  const fnName = names.join('.');
  const fnTarget = names[0] === 'input' ? undefined : resolveFunction(fnName, cx);
  if (fnTarget) {
    const replacement = functionReplacement(w.value, cx, B);
    if (replacement) return () => ({ kind: 'fn', name: fnTarget.name, override: replacement });
    const vf = mustValueOrThrow(w.value, cx, B);
    return (f, c) => {
      const v = vf(f, c);
      return v === undefined ? undefined : { kind: 'fn', name: fnTarget.name, override: { kind: 'value', value: v } };
    };
  }
  const vf = mustValueOrThrow(w.value, cx, B);
  let root = names[0];
  let path = names.slice(1);
  const imp = cx.scope.env.imports.get(root);
  if (root !== 'input' && root !== 'data') {
    if (imp) { root = imp.root; path = [...imp.path, ...path]; }
    else if (cx.scope.env.packageRules.has(root)) { root = 'data'; path = [...cx.scope.env.packagePath, ...names]; }
  }
  if (root === 'input') {
    return (f, c, input) => {
      const v = vf(f, c);
      if (v === undefined) return undefined;
      return { kind: 'input', value: path.length === 0 ? v : upsert(input, path, v) };
    };
  }
  if (root === 'data') {
    return (f, c) => {
      const v = vf(f, c);
      return v === undefined ? undefined : { kind: 'data', override: { path, value: v } };
    };
  }
  cx.errors.push(new RegoError('rego_compile_error', `with keyword target must reference existing input, data, or a function (got ${fnName})`, w.loc));
  return () => undefined;
}

function functionReplacement(t: Term, cx: CompileContext, B: Bound): FunctionOverride | undefined {
  let name: string | undefined;
  if (t.type === 'var') {
    const r = cx.scope.resolve(t);
    if (r.kind === 'local' && B.has(r.slot)) return undefined;
    name = r.kind === 'root' && r.root === 'data' ? ['data', ...r.path].join('.') : t.name;
  } else if (t.type === 'ref') {
    const names = refPathNames(t);
    if (!names) return undefined;
    name = names.join('.');
  } else {
    return undefined;
  }
  const target = resolveFunction(name, cx);
  if (!target) return undefined;
  const inv = targetInvoke(target, t.loc);
  return { kind: 'function', call: (args, c) => safeCall(inv, args, [], c) };
}

function upsert(v: Value | undefined, path: readonly string[], x: Value): Value {
  if (path.length === 0) return x;
  const o = v instanceof RObject ? v.clone() : new RObject();
  o.set(path[0], upsert(o.get(path[0]), path.slice(1), x));
  return o;
}

function exprGoal(e: Expr, cx: CompileContext, B: Bound): Goal {
  if (e.negated) return withMaybe(e, cx, B, notGoal(e, cx, B));
  let g: Goal;
  switch (e.kind) {
    case 'term': {
      const slot = cx.capture?.get(e);
      g = slot === undefined ? termGoal(e.term, cx, B) : capturingGoal(e.term, slot, cx, B);
      break;
    }
    case 'unify': g = unifyGoal(e.left, e.right, cx, B); break;
    case 'assign': g = assignGoal(e, cx, B); break;
    case 'some': g = (_f, _c, k) => k(); break;
    case 'somein': g = someInGoal(e, cx, B); break;
    case 'every': g = everyGoal(e, cx, B); break;
  }
  return withMaybe(e, cx, B, g);
}

/** An expression that succeeds at most once: a test of the frame (binding at most, never iterating). */
type Test = (f: Frame, c: EvalContext) => boolean;

/** The test form of an expression when it is semi-deterministic, else null. Mutates B like exprGoal. */
function exprTest(e: Expr, cx: CompileContext, B: Bound): Test | null {
  let t: Test | null = null;
  if (e.negated) {
    t = negatedValueTest(e, cx, B);
    if (!t) {
      const g = notGoal(e, cx, B);
      t = (f, c) => g(f, c, TRUE_STOP);
    }
  } else {
    switch (e.kind) {
      case 'term': {
        if (cx.capture?.has(e)) return null;
        if (e.term.type === 'call') outputCalls.add(e.term);
        const vf = valueFn(e.term, cx, B);
        if (vf) t = asTest(vf);
        break;
      }
      case 'unify':
      case 'assign': {
        // Evaluate one side to a single value, then bind or compare the other.
        const sides: [Term, Term][] = e.kind === 'assign' ? [[e.left, e.right]] : [[e.left, e.right], [e.right, e.left]];
        for (const [pat, val] of sides) {
          const r = attempt(B, (B2) => {
            const vf = valueFn(val, cx, B2);
            const pt = vf && patTest(pat, cx, B2);
            return vf && pt ? { vf, pt } : null;
          });
          if (!r.ok || !r.value) continue;
          for (const x of r.B) B.add(x);
          const { vf, pt } = r.value;
          t = (f, c) => { const v = vf(f, c); return v !== undefined && pt(v, f, c); };
          break;
        }
        break;
      }
      case 'some': t = () => true; break;
      case 'every': { const g = everyGoal(e, cx, B); t = (f, c) => g(f, c, TRUE_STOP); break; }
      default: break;
    }
  }
  if (!t || e.with.length === 0) return t;
  const inner = t;
  const g = withGoal(e, cx, B, (f, c, k) => (inner(f, c) ? k() : false));
  return (f, c) => g(f, c, TRUE_STOP);
}

/**
 * `not <term>` where the term is a single value (`not rule`, `not input.x`,
 * `not "a" in xs`): a direct test of that value, with no goal or continuation.
 * Anything that would iterate or bind is left to notGoal (and its safety checks).
 */
function negatedValueTest(e: Expr, cx: CompileContext, B: Bound): Test | null {
  if (e.kind !== 'term' || cx.capture?.has(e)) return null;
  const t = e.term;
  if (t.type === 'call') outputCalls.add(t);
  const r = attempt(B, (B2) => valueFn(t, cx, B2));
  if (!r.ok || !r.value || r.B.size !== B.size) return null;
  const test = asTest(r.value);
  return (f, c) => !test(f, c);
}

/** A continuation that records success and stops: for semi-deterministic goals run as tests. */
const TRUE_STOP: Cont = () => true;

function withMaybe(e: Expr, cx: CompileContext, B: Bound, g: Goal): Goal {
  return e.with.length ? withGoal(e, cx, B, g) : g;
}

function assignGoal(e: Expr & { kind: 'assign' }, cx: CompileContext, B: Bound): Goal {
  const gen = genFn(e.right, cx, B);
  const pat = patFn(e.left, cx, B);
  return (f, c, k) => gen(f, c, (v) => pat(v, f, c, k));
}

/** Names declared in a body by `some` and `:=` (at its own level). */
export function declaredNames(body: Body): string[] {
  const out: string[] = [];
  for (const e of body) {
    if (e.kind === 'some') for (const v of e.vars) out.push(v.name);
    else if (e.kind === 'somein') {
      const s = new Set<string>();
      if (e.key) collectVars(e.key, s);
      collectVars(e.value, s);
      out.push(...s);
    } else if (e.kind === 'assign') {
      const s = new Set<string>();
      collectVars(e.left, s);
      out.push(...s);
    }
  }
  return out.filter((n) => n !== '_');
}

/**
 * Compiles a body, ordering its expressions so that every variable is bound
 * before it is read (OPA's safety reordering). Unsafe variables are reported.
 */
interface CompiledExpr { test: Test | null; goal: Goal | null; loc: Location }

function compileExpr(e: Expr, cx: CompileContext, B: Bound): CompiledExpr {
  const t = attempt(B, (B2) => exprTest(e, cx, B2));
  if (t.ok && t.value) {
    for (const s of t.B) B.add(s);
    return { test: t.value, goal: null, loc: e.loc };
  }
  return { test: null, goal: exprGoal(e, cx, B), loc: e.loc };
}

export function compileBody(body: Body, cx: CompileContext, B: Bound, params?: ReadonlySet<string>): Goal {
  checkRedeclarations(body, cx, params);
  const remaining = body.map((e) => e);
  const compiled: CompiledExpr[] = [];
  while (remaining.length) {
    let chosen = -1;
    for (let i = 0; i < remaining.length; i++) {
      const r = attempt(B, (B2) => compileExpr(remaining[i], cx, B2));
      if (!r.ok) continue;
      for (const s of r.B) B.add(s);
      compiled.push(r.value);
      chosen = i;
      break;
    }
    if (chosen < 0) {
      const outer = outerUnsafe(remaining, cx, B);
      if (outer.length) throw new Unsafe(outer);
      reportUnsafe(remaining, cx, B);
      return () => false;
    }
    remaining.splice(chosen, 1);
  }
  return chain(compiled, 0);
}

/** Bodies made only of tests, with that fused test (see `bodyTest`). */
const testBodies = new WeakMap<Goal, Test>();

/**
 * A body that succeeds at most once, without iterating, as a plain test: a
 * rule with a constant value then needs no continuation to learn that it holds.
 */
export function bodyTest(body: Goal): Test | undefined {
  return testBodies.get(body);
}

/**
 * Links compiled expressions: runs of tests are fused into one check (no
 * continuation closures), and only iterating goals get a continuation.
 */
function chain(exprs: readonly CompiledExpr[], i: number): Goal {
  if (i === exprs.length) return (_f, _c, k) => k();
  let j = i;
  while (j < exprs.length && exprs[j].test) j++;
  if (j === i) {
    const g = exprs[i].goal!;
    const loc = exprs[i].loc;
    const where = `${loc.file}:${loc.row}`;
    const rest = chain(exprs, i + 1);
    if (i + 1 === exprs.length) {
      return (f, c, k) => { step(c, loc); c.coverage?.add(where); return g(f, c, k); };
    }
    return (f, c, k) => { step(c, loc); c.coverage?.add(where); return g(f, c, () => rest(f, c, k)); };
  }
  const tests = exprs.slice(i, j).map((x) => x.test!);
  const wheres = exprs.slice(i, j).map((x) => `${x.loc.file}:${x.loc.row}`);
  const loc = exprs[i].loc;
  const n = tests.length;
  const check: Test = n === 1 ? tests[0] : n === 2 ? ((t0, t1) => (f: Frame, c: EvalContext) => t0(f, c) && t1(f, c))(tests[0], tests[1]) : (f, c) => {
    for (let x = 0; x < n; x++) if (!tests[x](f, c)) return false;
    return true;
  };
  const covered: Test = (f, c) => {
    for (let x = 0; x < n; x++) {
      c.coverage!.add(wheres[x]);
      if (!tests[x](f, c)) return false;
    }
    return true;
  };
  const run: Test = (f, c) => { step(c, loc); return c.coverage ? covered(f, c) : check(f, c); };
  if (j === exprs.length) {
    const goal: Goal = (f, c, k) => run(f, c) && k();
    if (i === 0) testBodies.set(goal, run);
    return goal;
  }
  const rest = chain(exprs, j);
  return (f, c, k) => run(f, c) && rest(f, c, k);
}

/** Unsafe variables of a nested body that belong to an enclosing scope (which may bind them later). */
function outerUnsafe(remaining: readonly Expr[], cx: CompileContext, B: Bound): VarTerm[] {
  if (!cx.scope.parent || cx.scope.boundary) return [];
  const out: VarTerm[] = [];
  for (const e of remaining) {
    const r = attempt(B, (B2) => exprGoal(e, cx, B2));
    if (r.ok) continue;
    for (const v of r.unsafe.vars) if (v.name !== '_' && !cx.scope.hasOwn(v.name)) out.push(v);
  }
  return out;
}


function reportUnsafe(remaining: readonly Expr[], cx: CompileContext, B: Bound): void {
  const seen = new Set<string>();
  for (const e of remaining) {
    const r = attempt(B, (B2) => exprGoal(e, cx, B2));
    if (r.ok) continue;
    const vars = r.unsafe.vars.length ? r.unsafe.vars : [];
    for (const v of vars) {
      const key = `${v.name}@${v.loc.row}:${v.loc.col}`;
      if (seen.has(v.name) || seen.has(key)) continue;
      seen.add(v.name);
      cx.errors.push(new RegoError('rego_unsafe_var_error', `var ${v.name === '_' ? '_' : v.name} is unsafe`, v.loc));
    }
    if (vars.length === 0) cx.errors.push(new RegoError('rego_unsafe_var_error', 'expression is unsafe', e.loc));
  }
}

/** `:=` and `some` declare a variable once per body; declaring it again is an error, as in OPA. */
function checkRedeclarations(body: Body, cx: CompileContext, params: ReadonlySet<string> = new Set()): void {
  const declared = new Set<string>(params);
  const seen = new Set<string>(params);
  for (const e of body) {
    const s = new Set<string>();
    if (e.kind === 'assign') collectVars(e.left, s);
    else if (e.kind === 'some') e.vars.forEach((v) => s.add(v.name));
    else if (e.kind === 'somein') { if (e.key) collectVars(e.key, s); collectVars(e.value, s); }
    for (const n of s) {
      if (n === '_') continue;
      // `x := …` may not redeclare; `some x` may not follow a use of x.
      if (declared.has(n) || (e.kind !== 'assign' && seen.has(n))) {
        const what = e.kind === 'assign' ? 'assigned' : 'declared';
        cx.errors.push(new RegoError('rego_compile_error', `var ${n} ${what} above`, e.loc));
      }
      declared.add(n);
    }
    exprVars(e, seen);
  }
}

