/**
 * Runs OPA-format YAML test cases (OPA's test/cases/testdata format plus
 * `rego_version`) against the engine, comparing results as OPA's harness does.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYAML } from 'yaml';
import type { RegoVersion } from './ast.js';
import { Engine } from './engine.js';
import { CompileError, RegoError } from './errors.js';
import { parseTerm } from './parser.js';
import { groundValue } from './compile/codegen.js';
import { compare, equals, fromJSON, RObject, stringifyJSON, toJSON, type Value } from './value.js';

export interface ConformanceCase {
  note: string;
  query: string;
  modules?: string[];
  data?: unknown;
  input?: unknown;
  input_term?: string;
  want_result?: unknown[];
  want_error_code?: string;
  want_error?: string;
  sort_bindings?: boolean;
  strict_error?: boolean;
  rego_version?: RegoVersion;
}

export interface CaseOutcome {
  file: string;
  note: string;
  status: 'passed' | 'failed' | 'skipped';
  /** Why it failed or was skipped. */
  reason?: string;
  expected?: string;
  actual?: string;
}

/** A case known not to be runnable, with the reason (kept in one file in the repository). */
export interface SkipEntry {
  file: string;
  note: string;
  reason: string;
}

/** Every `*.yaml`/`*.yml` below the given paths, sorted. */
export function findCaseFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) walk(join(p, e));
    } else if (/\.ya?ml$/.test(p)) {
      out.push(p);
    }
  };
  for (const p of paths) walk(p);
  return out;
}

export function loadCases(file: string): ConformanceCase[] {
  const doc = parseYAML(readFileSync(file, 'utf8'), { intAsBigInt: true }) as { cases?: ConformanceCase[] } | null;
  return doc?.cases ?? [];
}

/** Sets → sorted arrays, non-string keys → JSON text: OPA's ast.JSON. */
function asJSON(v: Value): Value {
  return fromJSON(toJSON(v));
}

function sortArrays(v: Value): Value {
  return Array.isArray(v) ? [...v].sort(compare) : v;
}

function solutionsOf(results: { bindings: Record<string, Value> }[], sortBindings: boolean): Value[] {
  return results.map((r) => {
    const o = new RObject();
    for (const [k, v] of Object.entries(r.bindings)) {
      const j = asJSON(v);
      o.set(k, sortBindings ? sortArrays(j) : j);
    }
    return o;
  });
}

function sameSolutionSet(a: readonly Value[], b: readonly Value[]): boolean {
  const has = (xs: readonly Value[], x: Value) => xs.some((y) => equals(x, y));
  return a.every((x) => has(b, x)) && b.every((x) => has(a, x));
}

function errorCodes(e: unknown): string[] {
  if (e instanceof CompileError) return e.errors.map((x) => x.code);
  if (e instanceof RegoError) return [e.code];
  return [];
}

export function runCase(c: ConformanceCase, file = ''): CaseOutcome {
  const base = { file, note: c.note };
  const version = (c.rego_version === undefined ? 1 : Number(c.rego_version)) as RegoVersion;
  let solutions: Value[];
  try {
    const engine = new Engine({ limits: { maxMillis: 10_000 } });
    (c.modules ?? []).forEach((src, i) => engine.addModule(`test-${i}.rego`, src, { regoVersion: version }));
    if (c.data !== undefined) engine.setData(c.data);
    let input: Value | undefined;
    if (c.input_term !== undefined) {
      input = groundValue(parseTerm(c.input_term));
      if (input === undefined) throw new Error('input_term is not a ground term');
    } else if (c.input !== undefined) {
      input = fromJSON(c.input);
    }
    const q = engine.prepare(c.query, { regoVersion: version });
    const results = q.eval({ input, strict: c.strict_error === true, print: () => undefined });
    solutions = solutionsOf(results, c.sort_bindings === true);
  } catch (e) {
    const wantsError = c.want_error_code !== undefined || c.want_error !== undefined;
    const message = e instanceof Error ? e.message : String(e);
    if (!wantsError) return { ...base, status: 'failed', reason: 'unexpected error', expected: describeWant(c), actual: message };
    const codes = errorCodes(e);
    if (c.want_error_code !== undefined && !codes.includes(c.want_error_code)) {
      return { ...base, status: 'failed', reason: 'wrong error code', expected: c.want_error_code, actual: `${codes.join(', ') || 'internal error'}: ${message}` };
    }
    if (c.want_error !== undefined && !message.includes(c.want_error)) {
      return { ...base, status: 'failed', reason: 'wrong error message', expected: c.want_error, actual: message };
    }
    return { ...base, status: 'passed' };
  }
  if (c.want_error_code !== undefined || c.want_error !== undefined) {
    return { ...base, status: 'failed', reason: 'expected an error', expected: describeWant(c), actual: stringifyJSON(solutions) };
  }
  const want = (c.want_result ?? []).map((w) => {
    const v = fromJSON(w);
    return c.sort_bindings && v instanceof RObject ? RObject.fromEntries(v.entries().map(([k, x]) => [k, sortArrays(x)])) : v;
  });
  if (sameSolutionSet(solutions, want)) return { ...base, status: 'passed' };
  return { ...base, status: 'failed', reason: 'wrong result', expected: stringifyJSON(want), actual: stringifyJSON(solutions) };
}

function describeWant(c: ConformanceCase): string {
  if (c.want_error_code !== undefined || c.want_error !== undefined) return `error ${c.want_error_code ?? ''} ${c.want_error ?? ''}`.trim();
  return stringifyJSON(fromJSON(c.want_result ?? []));
}

export interface ConformanceSummary {
  outcomes: CaseOutcome[];
  passed: number;
  failed: number;
  skipped: number;
}

/** Runs every case of the given files, skipping the listed ones. */
export function runConformance(files: readonly string[], root: string, skips: readonly SkipEntry[] = [], onCase?: (o: CaseOutcome) => void): ConformanceSummary {
  const skipKey = (file: string, note: string) => `${file}\u0000${note}`;
  const skipMap = new Map(skips.map((s) => [skipKey(s.file, s.note), s.reason]));
  const outcomes: CaseOutcome[] = [];
  for (const file of files) {
    const rel = relative(root, file);
    for (const c of loadCases(file)) {
      const reason = skipMap.get(skipKey(rel, c.note));
      const o: CaseOutcome = reason !== undefined ? { file: rel, note: c.note, status: 'skipped', reason } : runCase(c, rel);
      outcomes.push(o);
      onCase?.(o);
    }
  }
  const count = (s: CaseOutcome['status']) => outcomes.filter((o) => o.status === s).length;
  return { outcomes, passed: count('passed'), failed: count('failed'), skipped: count('skipped') };
}
