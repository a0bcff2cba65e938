/**
 * Enforcement points as the control registry sees them: the policy report
 * (src/policy/enforcement.ts: rules with `# METADATA custom.id`, tested when
 * a passing test evaluated a whole body of the rule) turned into
 * EnforcementPointInfo, plus the problems `controls check` reports about the
 * policies themselves: load and compile errors, failing tests, malformed
 * metadata, and tests a control lists that do not exist.
 */
import { Engine, CompileError, RegoError, runTests, type Module, type TestResult, type Value } from '../rego/index.js';
import { compileDocuments, enforcementPointReport, formatPolicyError, loadPolicyTree, PolicyError, PolicyErrors } from '../policy/index.js';
import type { Registry } from './registry.js';
import type { EnforcementPointInfo, SourceLocation } from './types.js';

/** A problem in the policies that `controls check` reports next to the registry's. */
export interface PolicyProblem {
  code: 'invalid_enforcement_point' | 'policy_error' | 'failing_test' | 'unknown_test';
  /** One line, starting with file:line:col when the place is known. */
  message: string;
  location?: SourceLocation;
  enforcementPoint?: string;
  control?: string;
  test?: string;
}

function at(location: SourceLocation | undefined, detail: string): string {
  return location ? `${location.file}:${location.line}:${location.col}: ${detail}` : detail;
}

const toSource = (loc: { file: string; row: number; col: number }): SourceLocation => ({ file: loc.file, line: loc.row, col: loc.col });

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const EP_ID = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;

/**
 * Metadata the policy report would silently skip or trim: a `custom.id` that
 * is not an enforcement-point id, `custom.controls` that is not a list of ids.
 */
export function checkMetadata(modules: readonly Module[]): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  for (const m of modules) {
    for (const rule of m.rules) {
      for (const ann of rule.annotations) {
        const custom = ann.fields.custom;
        if (!isRecord(custom) || !('id' in custom)) continue;
        const location = toSource(ann.loc);
        const id = custom.id;
        if (typeof id !== 'string' || !EP_ID.test(id)) {
          problems.push({ code: 'invalid_enforcement_point', message: at(location, `custom.id must be an enforcement-point id such as "access.mfa_required" (<domain>.<rule>, lower case), got ${JSON.stringify(id)}`), location });
          continue;
        }
        const controls = custom.controls;
        if (controls !== undefined && !(Array.isArray(controls) && controls.every((c) => typeof c === 'string'))) {
          problems.push({ code: 'invalid_enforcement_point', message: at(location, `custom.controls of ${id} must be a list of control ids, got ${JSON.stringify(controls)}`), location, enforcementPoint: id });
        }
      }
    }
  }
  return problems;
}

/** Everything `controls check`, `coverage` and `impact` need from a policy tree. */
export interface PolicyState {
  points: EnforcementPointInfo[];
  problems: PolicyProblem[];
  /** Every test result (empty when the policies did not compile). */
  tests: TestResult[];
  /** The compiled engine and data, for replaying decisions; absent when loading failed. */
  engine?: Engine;
  data?: Value;
}

/** Loads, compiles and tests a policy directory; problems are collected, not thrown. */
export function loadPolicyState(dir: string): PolicyState {
  const problems: PolicyProblem[] = [];
  let engine: Engine;
  let data: Value;
  try {
    const tree = loadPolicyTree([dir]);
    engine = new Engine();
    for (const m of [...tree.modules, ...compileDocuments(tree.documents, { modules: tree.modules })]) engine.addParsedModule(m);
    engine.setData(tree.data);
    data = tree.data;
    engine.compile();
  } catch (e) {
    const errors: unknown[] = e instanceof CompileError || e instanceof PolicyErrors ? e.errors : [e];
    for (const err of errors) {
      if (err instanceof PolicyError) {
        const location = { file: err.file, line: err.line, col: err.col };
        problems.push({ code: 'policy_error', message: formatPolicyError(err), location });
      } else if (err instanceof RegoError && err.location) {
        const location = toSource(err.location);
        problems.push({ code: 'policy_error', message: at(location, `${err.code}: ${err.detail}`), location });
      } else {
        problems.push({ code: 'policy_error', message: err instanceof Error ? err.message : String(err) });
      }
    }
    return { points: [], problems, tests: [] };
  }
  const run = runTests(engine, { perTestCoverage: true });
  for (const t of run.results) {
    if (t.status !== 'fail' && t.status !== 'error') continue;
    const location = toSource(t.location);
    const why = t.status === 'fail' ? 'fails' : `errors: ${t.error?.code}: ${t.error?.message}`;
    problems.push({ code: 'failing_test', message: at(location, `policy test ${t.name} ${why}`), location, test: t.name });
  }
  problems.push(...checkMetadata(engine.getModules()));
  const points = enforcementPointReport(engine, run).points
    .filter((p) => EP_ID.test(p.id))
    .map(({ id, controls, tested, tests, location }): EnforcementPointInfo => ({ id, controls, tested, tests, location }));
  return { points, problems, tests: run.results, engine, data };
}

/** The tests a control lists must exist among the policy tests (their passing is checked per enforcement point). */
export function checkListedTests(registry: Registry, tests: readonly TestResult[]): PolicyProblem[] {
  const names = new Set(tests.map((t) => t.name));
  const problems: PolicyProblem[] = [];
  for (const control of registry.controls()) {
    (control.tests ?? []).forEach((name, i) => {
      if (names.has(name)) return;
      const location = registry.locateControl(control.id, ['tests', i]);
      problems.push({ code: 'unknown_test', message: at(location, `control ${control.id} lists test ${name}, but no loaded policy test has that name`), ...(location ? { location } : {}), control: control.id, test: name });
    });
  }
  return problems;
}
