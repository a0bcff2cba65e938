import { Engine, formatLocation, runTests, type TestRun } from '../../rego/index.js';
import { loadPolicyTree } from '../../policy/loader.js';
import { compileDocuments, enforcementPointReport } from '../../policy/index.js';
import { flagBool, flagChoice, flagString, parseArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { errorLines, errorObjects, printJSON } from '../output.js';

export const command: Command = {
  summary: 'Run Rego policy tests (like `opa test`)',
  usage: `Usage: attest test [-v] [--format pretty|json] [--coverage] [--run REGEX] DIR|FILE...

Runs every rule named test_* (todo_test_* are skipped).
Exit status: 0 when all tests pass, 2 when any fails or errors, 1 on compile errors.`,
  async run(argv) {
    const args = parseArgs(argv, [
      { name: 'verbose', short: 'v', kind: 'boolean' },
      { name: 'format', short: 'f', kind: 'string' },
      { name: 'coverage', short: 'c', kind: 'boolean' },
      { name: 'run', short: 'r', kind: 'string' },
      { name: 'v0-compatible', kind: 'boolean' },
    ]);
    const format = flagChoice(args, 'format', ['pretty', 'json'] as const, 'pretty');
    if (args.positionals.length === 0) throw new UsageError('at least one DIR or FILE is required');
    const engine = new Engine();
    try {
      const tree = loadPolicyTree(args.positionals, { regoVersion: flagBool(args, 'v0-compatible') ? 0 : 1 });
      for (const m of [...tree.modules, ...compileDocuments(tree.documents, { modules: tree.modules })]) engine.addParsedModule(m);
      engine.setData(tree.data);
      engine.compile();
    } catch (e) {
      if (format === 'json') printJSON({ errors: errorObjects(e) });
      else for (const l of errorLines(e)) console.error(l);
      return 1;
    }
    const filter = flagString(args, 'run');
    const coverage = flagBool(args, 'coverage');
    const run = runTests(engine, { filter: filter ? new RegExp(filter) : undefined, coverage, perTestCoverage: true });
    const points = enforcementPointReport(engine, run);
    if (format === 'json') {
      const eps = { total: points.total, tested: points.tested, untested: points.untested, points: points.points.map(({ id, controls, tested, tests, location }) => ({ id, controls, tested, tests, location })) };
      printJSON(coverage ? { ...run.coverage, tests: run.results } : { tests: run.results, enforcement_points: eps });
    } else {
      printPretty(run, flagBool(args, 'verbose'));
      if (points.total > 0) {
        const all = points.tested === points.total;
        console.log(`Enforcement points: ${points.total}; with at least one passing test: ${points.tested}/${points.total}${all ? ' (every enforcement point is tested)' : ''}`);
        for (const id of points.untested) console.log(`  untested: ${id}`);
      }
    }
    return run.failed + run.errored > 0 ? 2 : 0;
  },
};

function printPretty(run: TestRun, verbose: boolean): void {
  const byFile = new Map<string, typeof run.results>();
  for (const r of run.results) {
    const list = byFile.get(r.location.file) ?? [];
    list.push(r);
    byFile.set(r.location.file, list);
  }
  for (const [file, results] of byFile) {
    const shown = verbose ? results : results.filter((r) => r.status === 'fail' || r.status === 'error');
    if (!shown.length) continue;
    console.log(`${file}:`);
    for (const r of shown) {
      const label = { pass: 'PASS', fail: 'FAIL', error: 'ERROR', skip: 'SKIPPED' }[r.status];
      console.log(`${r.name}: ${label} (${r.durationMs.toFixed(3)}ms)`);
      if (r.status !== 'pass' && r.status !== 'skip') console.log(`  at ${formatLocation(r.location)}${r.error ? `: ${r.error.code}: ${r.error.message}` : ''}`);
    }
    console.log('');
  }
  if (run.coverage) {
    for (const f of run.coverage.files) console.log(`coverage ${f.file}: ${f.percent.toFixed(1)}%${f.notCovered.length ? ` (not covered: lines ${f.notCovered.join(', ')})` : ''}`);
    console.log(`coverage total: ${run.coverage.percent.toFixed(1)}%`);
  }
  console.log('-'.repeat(80));
  const total = run.results.length;
  if (run.passed) console.log(`PASS: ${run.passed}/${total}`);
  if (run.failed) console.log(`FAIL: ${run.failed}/${total}`);
  if (run.errored) console.log(`ERROR: ${run.errored}/${total}`);
  if (run.skipped) console.log(`SKIPPED: ${run.skipped}/${total}`);
}
