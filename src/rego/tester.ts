/**
 * `opa test` semantics: every rule named `test_*` is a test that passes when
 * it evaluates to true; `todo_test_*` rules are skipped. Optional coverage of
 * the expressions each test run reached.
 */
import type { Body, Module } from './ast.js';
import type { Engine } from './engine.js';
import { RegoError, type Location } from './errors.js';
import { type Value } from './value.js';

export interface TestResult {
  /** `data.pkg.test_name` */
  name: string;
  package: string;
  location: Location;
  status: 'pass' | 'fail' | 'error' | 'skip';
  durationMs: number;
  error?: { code: string; message: string };
}

export interface FileCoverage {
  file: string;
  covered: number[];
  notCovered: number[];
  percent: number;
}

export interface CoverageReport {
  files: FileCoverage[];
  percent: number;
}

export interface TestRun {
  results: TestResult[];
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
  coverage?: CoverageReport;
  /** Per test name, the `file:row` of every expression that test evaluated (with `perTestCoverage`). */
  testCoverage?: Map<string, Set<string>>;
}

function testRules(modules: readonly Module[]): { path: string[]; loc: Location; skip: boolean }[] {
  const seen = new Set<string>();
  const out: { path: string[]; loc: Location; skip: boolean }[] = [];
  for (const m of modules) {
    for (const r of m.rules) {
      const first = r.head.ref[0];
      if (r.head.ref.length !== 1 || first?.type !== 'var' || r.head.kind === 'function') continue;
      const name = first.name;
      const skip = name.startsWith('todo_test_');
      if (!name.startsWith('test_') && !skip) continue;
      const path = [...m.package, name];
      const key = path.join('.');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ path, loc: r.loc, skip });
    }
  }
  return out;
}

/**
 * Runs every test rule of the engine's modules; `filter` is a regex on test
 * names. `perTestCoverage` records what each test evaluated, so callers can
 * tell which rules a passing test reached (enforcement-point reports).
 */
export function runTests(engine: Engine, opts: { filter?: RegExp; coverage?: boolean; perTestCoverage?: boolean; timeoutMs?: number } = {}): TestRun {
  engine.compile();
  const modules = engine.getModules();
  const results: TestResult[] = [];
  const covered = opts.coverage ? new Set<string>() : undefined;
  const testCoverage = opts.perTestCoverage ? new Map<string, Set<string>>() : undefined;
  for (const t of testRules(modules)) {
    const name = 'data.' + t.path.join('.');
    if (opts.filter && !opts.filter.test(name)) continue;
    const base = { name, package: 'data.' + t.path.slice(0, -1).join('.'), location: t.loc };
    if (t.skip) {
      results.push({ ...base, status: 'skip', durationMs: 0 });
      continue;
    }
    const start = process.hrtime.bigint();
    let status: TestResult['status'];
    let error: TestResult['error'];
    const mine = testCoverage ? new Set<string>() : covered;
    try {
      const v: Value | undefined = engine.evalRef(name, { coverage: mine, limits: opts.timeoutMs ? { maxMillis: opts.timeoutMs } : undefined, print: () => undefined });
      status = v === true ? 'pass' : 'fail';
    } catch (e) {
      status = 'error';
      error = e instanceof RegoError ? { code: e.code, message: e.message } : { code: 'internal_error', message: e instanceof Error ? e.message : String(e) };
    }
    const durationMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (testCoverage && mine) {
      testCoverage.set(name, mine);
      if (covered) for (const row of mine) covered.add(row);
    }
    results.push({ ...base, status, durationMs, ...(error ? { error } : {}) });
  }
  const count = (s: TestResult['status']) => results.filter((r) => r.status === s).length;
  return {
    results,
    passed: count('pass'),
    failed: count('fail'),
    errored: count('error'),
    skipped: count('skip'),
    ...(covered ? { coverage: coverageReport(modules, covered) } : {}),
    ...(testCoverage ? { testCoverage } : {}),
  };
}

/** Rows holding an expression, per file (the lines coverage can speak of). */
function expressionRows(m: Module): Set<number> {
  const rows = new Set<number>();
  const visit = (b: Body) => {
    for (const e of b) {
      rows.add(e.loc.row);
      if (e.kind === 'every') visit(e.body);
    }
  };
  for (const r of m.rules) {
    visit(r.body);
    for (let e = r.else; e; e = e.else) visit(e.body);
  }
  return rows;
}

function coverageReport(modules: readonly Module[], covered: Set<string>): CoverageReport {
  let total = 0;
  let hit = 0;
  const files = modules
    .filter((m) => !/_test\.rego$/.test(m.file))
    .map((m) => {
      const rows = [...expressionRows(m)].sort((a, b) => a - b);
      const yes = rows.filter((r) => covered.has(`${m.file}:${r}`));
      const no = rows.filter((r) => !covered.has(`${m.file}:${r}`));
      total += rows.length;
      hit += yes.length;
      return { file: m.file, covered: yes, notCovered: no, percent: rows.length ? (100 * yes.length) / rows.length : 100 };
    });
  return { files, percent: total ? (100 * hit) / total : 100 };
}
