/**
 * Enforcement points: Rego rules whose `# METADATA` block has `custom.id`.
 * They are what controls cite and what decision reasons name; each needs a
 * passing policy test that reached it.
 *
 * "Reached" is measured with per-test coverage: a rule definition counts as
 * tested by a passing test that evaluated every expression of its body (so
 * the body was not merely entered but followed through to its end).
 */
import type { Body, Engine, Module, Rule, TestRun } from '../rego/index.js';

export interface EnforcementPointLocation {
  file: string;
  line: number;
  col: number;
}

export interface EnforcementPoint {
  id: string;
  title?: string;
  controls: string[];
  /** `custom.waivable: true`: an Exception may waive it. */
  waivable: boolean;
  /** Where its (first) METADATA block is. */
  location: EnforcementPointLocation;
  /** The rule definitions that carry the id. */
  rules: { file: string; row: number; bodyRows: number[] }[];
}

export interface EnforcementPointStatus extends EnforcementPoint {
  tested: boolean;
  /** Passing tests that evaluated one of its rule bodies in full. */
  tests: string[];
}

export interface EnforcementPointReport {
  total: number;
  tested: number;
  untested: string[];
  points: EnforcementPointStatus[];
}

function customOf(fields: Record<string, unknown>): Record<string, unknown> | undefined {
  const c = fields.custom;
  return c !== null && typeof c === 'object' && !Array.isArray(c) ? (c as Record<string, unknown>) : undefined;
}

function bodyRows(body: Body): number[] {
  return [...new Set(body.map((e) => e.loc.row))].sort((a, b) => a - b);
}

function ruleRows(r: Rule): number[] {
  return bodyRows(r.body);
}

/** Every enforcement point declared by the modules (test files excluded), by id. */
export function enforcementPoints(modules: readonly Module[]): EnforcementPoint[] {
  const byId = new Map<string, EnforcementPoint>();
  for (const m of modules) {
    if (/_test\.rego$/.test(m.file)) continue;
    for (const r of m.rules) {
      for (const a of r.annotations) {
        const custom = customOf(a.fields);
        const id = custom?.id;
        if (typeof id !== 'string') continue;
        const controls = Array.isArray(custom?.controls) ? custom.controls.filter((c): c is string => typeof c === 'string') : [];
        let ep = byId.get(id);
        if (!ep) {
          ep = { id, title: a.title, controls: [], waivable: false, location: { file: a.loc.file, line: a.loc.row, col: a.loc.col }, rules: [] };
          byId.set(id, ep);
        }
        for (const c of controls) if (!ep.controls.includes(c)) ep.controls.push(c);
        if (custom?.waivable === true) ep.waivable = true;
        ep.rules.push({ file: m.file, row: r.loc.row, bodyRows: ruleRows(r) });
      }
    }
  }
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** Enforcement points and whether a passing test reached them (needs `runTests(…, {perTestCoverage: true})`). */
export function enforcementPointReport(engine: Engine, run: TestRun): EnforcementPointReport {
  const points = enforcementPoints(engine.getModules()).map((ep): EnforcementPointStatus => {
    const tests: string[] = [];
    for (const r of run.results) {
      if (r.status !== 'pass') continue;
      const seen = run.testCoverage?.get(r.name);
      if (!seen) continue;
      const reached = ep.rules.some((rule) => rule.bodyRows.length > 0 && rule.bodyRows.every((row) => seen.has(`${rule.file}:${row}`)));
      if (reached) tests.push(r.name);
    }
    return { ...ep, tested: tests.length > 0, tests };
  });
  const untested = points.filter((p) => !p.tested).map((p) => p.id);
  return { total: points.length, tested: points.length - untested.length, untested, points };
}
