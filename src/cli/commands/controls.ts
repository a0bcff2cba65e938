/**
 * `attest controls check|coverage|map`: the control registry against the
 * policies' enforcement points and tests.
 */
import { existsSync } from 'node:fs';
import { checkRegistry, coverage, loadRegistry, renderCoverage, renderMap, FORMATS, UnknownFrameworkError } from '../../controls/index.js';
import type { Registry } from '../../controls/index.js';
import { checkListedTests, loadPolicyState, type PolicyState } from '../../controls/enforcement-points.js';
import { flagChoice, flagString, parseArgs, UsageError, type ParsedArgs } from '../args.js';
import type { Command } from '../command.js';
import { plural } from '../output.js';

const USAGE = `Usage:
  attest controls check [--policies DIR] [--controls DIR] [--format pretty|json]
  attest controls coverage --framework ID [--policies DIR] [--controls DIR] [--format table|json|csv]
  attest controls map REQUIREMENT [--controls DIR] [--format table|json]

check     every requirement a control cites exists in its catalogue; every
          enforcement point a control lists is a rule with that # METADATA
          custom.id; rules and controls name each other; every enforcement
          point has a passing test that reaches it; tests a control lists exist.
          Exit status 1 on any problem.
coverage  every requirement of a framework (soc2, iso27001, gdpr, …) exactly
          once, with its controls, enforcement points, tests and status
          (covered, partial, manual, gap), and totals.
map       the requirements of other frameworks reached from REQUIREMENT
          (e.g. iso27001:A.8.5) through shared controls.

Defaults: --policies policies, --controls controls.`;

const FLAGS = [
  { name: 'policies', kind: 'string', default: 'policies' },
  { name: 'controls', kind: 'string', default: 'controls' },
  { name: 'format', short: 'f', kind: 'string' },
  { name: 'framework', kind: 'string' },
] as const;

interface Line {
  code: string;
  message: string;
  location?: { file: string; line: number; col: number };
}

/** By place, as the registry check sorts its own; problems without a place last. */
function byPlace(a: Line, b: Line): number {
  return (
    (a.location?.file ?? '\uffff').localeCompare(b.location?.file ?? '\uffff') ||
    (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
    (a.location?.col ?? 0) - (b.location?.col ?? 0) ||
    a.message.localeCompare(b.message)
  );
}

/**
 * Registry load errors are fatal to every subcommand: a broken file would
 * silently drop controls. `check` reports them as its result; `coverage` and
 * `map` on standard error.
 */
async function registryOrReport(args: ParsedArgs, json: boolean, asResult: boolean): Promise<Registry | undefined> {
  const dir = flagString(args, 'controls') ?? 'controls';
  if (!existsSync(dir)) throw new UsageError(`controls directory ${dir} does not exist`);
  const { registry, errors } = await loadRegistry(dir);
  if (errors.length === 0) return registry;
  const lines = errors.map((e) => ({ code: e.code, message: e.message, location: { file: e.file, line: e.line, col: e.col } }));
  if (asResult) report(lines, json);
  else for (const l of lines) process.stderr.write(`${l.message} [${l.code}]\n`);
  return undefined;
}

function report(problems: readonly Line[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ ok: problems.length === 0, problems }, null, 2)}\n`);
    return;
  }
  if (problems.length === 0) {
    process.stdout.write('controls check: no problems\n');
    return;
  }
  for (const p of problems) process.stdout.write(`${p.message} [${p.code}]\n`);
  process.stdout.write(`\ncontrols check: ${plural(problems.length, 'problem')}\n`);
}

function policies(args: ParsedArgs): PolicyState | undefined {
  const dir = flagString(args, 'policies') ?? 'policies';
  return existsSync(dir) ? loadPolicyState(dir) : undefined;
}

async function check(args: ParsedArgs): Promise<number> {
  const json = flagChoice(args, 'format', ['pretty', 'json'] as const, 'pretty') === 'json';
  const registry = await registryOrReport(args, json, true);
  if (!registry) return 1;
  const snapshot = policies(args);
  const problems: Line[] = [];
  if (!snapshot) problems.push({ code: 'policy_error', message: `policies directory ${flagString(args, 'policies')} does not exist` });
  const snap = snapshot ?? { points: [], problems: [], tests: [] };
  problems.push(...snap.problems);
  // Registry problems only make sense against policies that loaded.
  if (snap.engine) problems.push(...checkRegistry(registry, snap.points), ...checkListedTests(registry, snap.tests));
  problems.sort(byPlace);
  report(problems, json);
  if (!json && problems.length === 0) {
    process.stdout.write(`${plural(registry.controls().length, 'control')}, ${plural(snap.points.length, 'enforcement point')}, ${plural(snap.tests.length, 'policy test')}\n`);
  }
  return problems.length === 0 ? 0 : 1;
}

async function coverageCommand(args: ParsedArgs): Promise<number> {
  const format = flagChoice(args, 'format', FORMATS, 'table');
  const framework = flagString(args, 'framework');
  if (!framework) throw new UsageError('--framework is required (for example soc2, iso27001, gdpr)');
  const registry = await registryOrReport(args, format === 'json', false);
  if (!registry) return 1;
  const snapshot = policies(args);
  if (!snapshot) process.stderr.write(`attest controls: policies directory ${flagString(args, 'policies')} does not exist; every enforcement point counts as missing\n`);
  else if (!snapshot.engine) {
    for (const p of snapshot.problems) process.stderr.write(`${p.message}\n`);
    return 1;
  }
  try {
    process.stdout.write(renderCoverage(coverage(registry, framework, snapshot?.points ?? []), format));
  } catch (e) {
    if (e instanceof UnknownFrameworkError) throw new UsageError(e.message);
    throw e;
  }
  return 0;
}

async function mapCommand(args: ParsedArgs): Promise<number> {
  const format = flagChoice(args, 'format', ['table', 'json'] as const, 'table');
  const [ref, ...extra] = args.positionals;
  if (!ref || extra.length > 0) throw new UsageError('exactly one REQUIREMENT is required (for example iso27001:A.8.5)');
  const registry = await registryOrReport(args, format === 'json', false);
  if (!registry) return 1;
  const map = registry.map(ref);
  if (!map) {
    process.stderr.write(`attest controls map: unknown requirement ${ref} (frameworks: ${registry.frameworks().join(', ')})\n`);
    return 1;
  }
  process.stdout.write(renderMap(map, format));
  return 0;
}

const SUBCOMMANDS: Record<string, (args: ParsedArgs) => Promise<number>> = { check, coverage: coverageCommand, map: mapCommand };

export const command: Command = {
  summary: 'Check the control registry, report framework coverage, map requirements',
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    const run = sub ? SUBCOMMANDS[sub] : undefined;
    if (!run) throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'a subcommand is required: check, coverage or map');
    return run(parseArgs(rest, FLAGS));
  },
};
