/**
 * Rule indexing, after OPA's rule index: when several definitions of a rule
 * each test `input.<path> == <constant>`, evaluation reads that input value
 * once and visits only the definitions whose constant matches (plus those
 * that do not test the path), instead of trying every body.
 */
import type { Expr, Rule, Term } from '../ast.js';
import type { EvalContext } from '../eval/context.js';
import type { CompiledDefinition } from '../eval/types.js';
import { keyOf, RObject, type Value } from '../value.js';
import { groundValue } from './codegen.js';
import type { RuleSet } from './tree.js';

export interface RuleIndex {
  /** The input path every indexed definition tests. */
  path: string[];
  /** Definitions to try for a value (by canonical key), in source order. */
  byValue: Map<string, CompiledDefinition[]>;
  /** Definitions to try when the input value matches no indexed constant. */
  rest: CompiledDefinition[];
}

/** `input.a.b` as ["a", "b"], or undefined for any other term. */
function inputPath(t: Term): string[] | undefined {
  if (t.type !== 'ref' || t.head.type !== 'var' || t.head.name !== 'input') return undefined;
  const out: string[] = [];
  for (const p of t.path) {
    if (p.type !== 'scalar' || typeof p.value !== 'string') return undefined;
    out.push(p.value);
  }
  return out.length ? out : undefined;
}

/** The (path, constant) an expression pins input to, if it is `input.p == c` or `input.p = c` (either side). */
function equalityTest(e: Expr): { path: string[]; value: Value } | undefined {
  if (e.negated || e.with.length) return undefined;
  let l: Term | undefined;
  let r: Term | undefined;
  if (e.kind === 'unify') { l = e.left; r = e.right; }
  else if (e.kind === 'term' && e.term.type === 'call' && e.term.op === 'equal' && e.term.args.length === 2) [l, r] = e.term.args;
  if (!l || !r) return undefined;
  for (const [a, b] of [[l, r], [r, l]] as const) {
    const path = inputPath(a);
    const value = path && groundValue(b);
    if (path && value !== undefined) return { path, value };
  }
  return undefined;
}

function testsOf(rule: Rule): { path: string[]; value: Value }[] {
  // Only bodies without else: an else branch may apply exactly when the test fails.
  if (rule.else) return [];
  return rule.body.map(equalityTest).filter((x): x is { path: string[]; value: Value } => x !== undefined);
}

/** Builds an index when at least two definitions test the same input path. */
export function buildIndex(rs: RuleSet): RuleIndex | undefined {
  if (rs.kind === 'function' || rs.defs.length < 2) return undefined;
  const tests = rs.rules.map((p) => testsOf(p.rule));
  const counts = new Map<string, number>();
  for (const ts of tests) for (const k of new Set(ts.map((t) => t.path.join('\u0000')))) counts.set(k, (counts.get(k) ?? 0) + 1);
  let best: string | undefined;
  for (const [k, n] of counts) if (n >= 2 && (best === undefined || n > counts.get(best)!)) best = k;
  if (best === undefined) return undefined;
  const path = best.split('\u0000');
  const keyed = new Map<string, number[]>();
  const rest: number[] = [];
  tests.forEach((ts, i) => {
    const t = ts.find((x) => x.path.join('\u0000') === best);
    if (!t) { rest.push(i); return; }
    const k = keyOf(t.value);
    keyed.set(k, [...(keyed.get(k) ?? []), i]);
  });
  const byValue = new Map<string, CompiledDefinition[]>();
  for (const [k, idx] of keyed) byValue.set(k, [...idx, ...rest].sort((a, b) => a - b).map((i) => rs.defs[i]));
  return { path, byValue, rest: rest.map((i) => rs.defs[i]) };
}

/** The definitions worth evaluating for this query's input. */
export function candidates(rs: RuleSet, c: EvalContext): readonly CompiledDefinition[] {
  const index = rs.index;
  if (!index) return rs.defs;
  let v: Value | undefined = c.input;
  for (const p of index.path) {
    if (!(v instanceof RObject)) { v = undefined; break; }
    v = v.get(p);
    if (v === undefined) break;
  }
  if (v === undefined) return index.rest;
  return index.byValue.get(keyOf(v)) ?? index.rest;
}
