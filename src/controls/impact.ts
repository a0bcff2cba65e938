/**
 * `attest impact`: what a change to `policies/` or `controls/` does to
 * compliance, for a pull-request comment. Both trees (the base revision, read
 * from Git, and the working tree) are loaded, compiled and tested the same
 * way `controls check` does; the report compares the two.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import type { Database } from '../db/index.js';
import { canonicalJson, deriveOutcome, listDecisions, toLedgerTimestamp, type DecisionRecord, type Json } from '../decisions/index.js';
import { fromJSON, toJSON, type Engine } from '../rego/index.js';
import type { Problem } from './check.js';
import { checkRegistry } from './check.js';
import { coverage, type CoverageReport, type CoverageStatus } from './coverage.js';
import { checkListedTests, loadPolicyState, type PolicyProblem, type PolicyState } from './enforcement-points.js';
import { loadRegistry } from './load.js';
import type { Registry } from './registry.js';
import type { EnforcementPointInfo } from './types.js';

// ---------------------------------------------------------------------------
// Loading both sides

/** One side of the comparison: the registry and the policies as they were loaded and tested. */
export interface TreeState {
  /** Stripped from file names in messages, so both sides read alike. */
  root: string;
  registry: Registry;
  /** Catalogue and control files that failed to load (they are left out of the registry). */
  registryErrors: string[];
  policy: PolicyState;
}

export interface TreeDirs {
  policies: string;
  controls: string;
}

/** Loads a tree; `root` is stripped from file names so both sides read alike. */
export async function loadTree(root: string, dirs: TreeDirs): Promise<TreeState> {
  const policiesDir = resolve(root, dirs.policies);
  const { registry, errors } = await loadRegistry(resolve(root, dirs.controls));
  const policy = existsSync(policiesDir) ? loadPolicyState(policiesDir) : { points: [], problems: [], tests: [] };
  const strip = stripper(root);
  return {
    root,
    registry,
    registryErrors: errors.map((e) => strip(e.message)),
    policy: {
      ...policy,
      problems: policy.problems.map((p) => ({ ...p, message: strip(p.message), ...(p.location ? { location: { ...p.location, file: strip(p.location.file) } } : {}) })),
      points: policy.points.map((p) => (p.location ? { ...p, location: { ...p.location, file: strip(p.location.file) } } : p)),
    },
  };
}

function stripper(root: string): (s: string) => string {
  const prefix = resolve(root) + sep;
  return (s) => s.split(prefix).join('');
}

export class GitError extends Error {
  readonly code = 'git_error';
  constructor(
    message: string,
    /** What git printed on standard error. */
    readonly stderr = '',
  ) {
    super(message);
  }
}

function git(cwd: string, args: string[]): Buffer {
  try {
    return execFileSync('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    throw new GitError(`git ${args.join(' ')}: ${stderr || (e instanceof Error ? e.message : String(e))}`, stderr);
  }
}

const nulList = (b: Buffer): string[] => b.toString('utf8').split('\0').filter(Boolean);

/** The commit a revision names; a GitError saying so when it names none. */
export function resolveCommit(cwd: string, ref: string): string {
  try {
    return git(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).toString().trim();
  } catch (e) {
    // --quiet leaves stderr empty for a name that resolves to nothing; anything else (not a repository) is worth showing.
    const why = e instanceof GitError ? e.stderr : '';
    throw new GitError(`unknown revision "${ref}"${why ? `: ${why}` : ''}`, why);
  }
}

/**
 * Writes the files of `dirs` (relative to `cwd`) as they are at `ref` into a
 * new temporary directory, at the same relative paths; returns it.
 */
export function checkoutDirs(cwd: string, ref: string, dirs: readonly string[]): string {
  const commit = resolveCommit(cwd, ref);
  const out = mkdtempSync(join(tmpdir(), 'attest-impact-'));
  try {
    // ls-tree lists paths relative to cwd; `REF:./path` reads them relative to cwd too.
    for (const path of nulList(git(cwd, ['ls-tree', '-r', '-z', '--name-only', commit, '--', ...dirs]))) {
      const target = join(out, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, git(cwd, ['show', `${commit}:./${path}`]));
    }
  } catch (e) {
    rmSync(out, { recursive: true, force: true });
    throw e;
  }
  return out;
}

/** Files under `dirs` that differ between `ref` and the working tree, untracked ones included. */
export function changedFiles(cwd: string, ref: string, dirs: readonly string[]): string[] {
  const tracked = nulList(git(cwd, ['diff', '--name-only', '-z', '--relative', ref, '--', ...dirs]));
  const untracked = nulList(git(cwd, ['ls-files', '-z', '--others', '--exclude-standard', '--', ...dirs]));
  return [...new Set([...tracked, ...untracked])].sort();
}

// ---------------------------------------------------------------------------
// Comparing

/** Worst to best; a move down this list loses coverage. */
const RANK: Record<CoverageStatus, number> = { gap: 0, partial: 1, manual: 2, covered: 3 };

export interface StatusChange {
  requirement: string;
  title: string;
  /** Absent when the requirement is new in (or gone from) the catalogue. */
  before?: CoverageStatus;
  after?: CoverageStatus;
  controlsBefore: string[];
  controlsAfter: string[];
}

export interface FrameworkImpact {
  framework: string;
  before?: CoverageReport['totals'];
  after?: CoverageReport['totals'];
  gained: StatusChange[];
  lost: StatusChange[];
  /** Same rank, different status or different controls. */
  changed: StatusChange[];
}

export interface PointChange {
  id: string;
  change: 'added' | 'removed' | 'modified';
  /** What changed: `rule source`, `controls`, `tested`, `tests`. */
  what: string[];
  controls: string[];
  testedBefore: boolean;
  testedAfter: boolean;
  testsLost: string[];
  testsGained: string[];
}

export interface ImpactReport {
  base: string;
  changedFiles: string[];
  controls: { added: string[]; removed: string[]; modified: string[]; touched: string[] };
  requirements: string[];
  enforcementPoints: PointChange[];
  coverage: FrameworkImpact[];
  tests: { added: string[]; removed: string[]; nowFailing: string[]; nowPassing: string[] };
  problems: { introduced: string[]; resolved: string[]; remaining: number };
  replay?: ReplayReport;
}

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();
const minus = (a: Iterable<string>, b: Iterable<string>): string[] => {
  const drop = new Set(b);
  return sorted([...a].filter((x) => !drop.has(x)));
};

/** Every problem `controls check` would report, keyed without its location (lines move in a diff). */
function problemsOf(state: TreeState): Map<string, string> {
  const out = new Map<string, string>();
  const registryProblems: (Problem | PolicyProblem)[] = state.policy.engine ? [...checkRegistry(state.registry, state.policy.points), ...checkListedTests(state.registry, state.policy.tests)] : [];
  const strip = stripper(state.root);
  for (const p of [...state.policy.problems, ...registryProblems]) {
    const message = strip(p.message);
    const detail = message.replace(/^[^:\n]*:\d+:\d+: /, '');
    out.set(`${p.code} ${detail}`, `${message} [${p.code}]`);
  }
  for (const m of state.registryErrors) out.set(m.replace(/^[^:]*:\d+:\d+: /, ''), m);
  return out;
}

function testOutcomes(state: TreeState): Map<string, string> {
  return new Map(state.policy.tests.map((t) => [t.name, t.status]));
}

function pointChanges(base: TreeState, head: TreeState, changed: ReadonlySet<string>): PointChange[] {
  const before = new Map(base.policy.points.map((p) => [p.id, p]));
  const after = new Map(head.policy.points.map((p) => [p.id, p]));
  const out: PointChange[] = [];
  for (const id of sorted([...before.keys(), ...after.keys()])) {
    const b: EnforcementPointInfo | undefined = before.get(id);
    const a: EnforcementPointInfo | undefined = after.get(id);
    const testsLost = minus(b?.tests ?? [], a?.tests ?? []);
    const testsGained = minus(a?.tests ?? [], b?.tests ?? []);
    const what: string[] = [];
    if (b && a) {
      if ([b.location?.file, a.location?.file].some((f) => f !== undefined && changed.has(f))) what.push('rule source');
      if (sorted(b.controls).join() !== sorted(a.controls).join()) what.push('controls');
      if (b.tested !== a.tested) what.push('tested');
      if (testsLost.length || testsGained.length) what.push('tests');
      if (what.length === 0) continue;
    }
    out.push({
      id,
      change: !b ? 'added' : !a ? 'removed' : 'modified',
      what,
      controls: sorted([...(b?.controls ?? []), ...(a?.controls ?? [])]),
      testedBefore: b?.tested === true,
      testedAfter: a?.tested === true,
      testsLost,
      testsGained,
    });
  }
  return out;
}

function frameworkImpact(framework: string, base: TreeState, head: TreeState): FrameworkImpact {
  const report = (s: TreeState): CoverageReport | undefined => (s.registry.catalogue(framework) ? coverage(s.registry, framework, s.policy.points) : undefined);
  const b = report(base);
  const a = report(head);
  const beforeRows = new Map((b?.rows ?? []).map((r) => [r.requirement, r]));
  const result: FrameworkImpact = { framework, ...(b ? { before: b.totals } : {}), ...(a ? { after: a.totals } : {}), gained: [], lost: [], changed: [] };
  const afterRefs = new Set((a?.rows ?? []).map((r) => r.requirement));
  const rows = [...(a?.rows ?? []), ...(b?.rows ?? []).filter((r) => !afterRefs.has(r.requirement))];
  for (const row of rows) {
    const prev = beforeRows.get(row.requirement);
    const now = afterRefs.has(row.requirement) ? row : undefined;
    const change: StatusChange = {
      requirement: row.requirement,
      title: row.title,
      ...(prev ? { before: prev.status } : {}),
      ...(now ? { after: now.status } : {}),
      controlsBefore: prev?.controls ?? [],
      controlsAfter: now?.controls ?? [],
    };
    const rankBefore = prev ? RANK[prev.status] : -1;
    const rankAfter = now ? RANK[now.status] : -1;
    if (rankAfter > rankBefore) result.gained.push(change);
    else if (rankAfter < rankBefore) result.lost.push(change);
    else if (prev?.status !== now?.status || change.controlsBefore.join() !== change.controlsAfter.join()) result.changed.push(change);
  }
  return result;
}

/** Compares two loaded trees; `changed` lists the files that differ (for "rule source" changes). */
export function computeImpact(base: TreeState, head: TreeState, opts: { base: string; changedFiles: string[] }): ImpactReport {
  const changed = new Set(opts.changedFiles);
  const controlsBefore = new Map(base.registry.controls().map((c) => [c.id, c]));
  const controlsAfter = new Map(head.registry.controls().map((c) => [c.id, c]));
  const added = minus(controlsAfter.keys(), controlsBefore.keys());
  const removed = minus(controlsBefore.keys(), controlsAfter.keys());
  const modified = sorted([...controlsAfter.keys()].filter((id) => controlsBefore.has(id) && canonicalJson(controlsBefore.get(id) as unknown as Json) !== canonicalJson(controlsAfter.get(id) as unknown as Json)));

  const points = pointChanges(base, head, changed);
  const touched = new Set([...added, ...removed, ...modified]);
  for (const p of points) {
    for (const c of p.controls) touched.add(c);
    for (const s of [base, head]) for (const c of s.registry.controls()) if (c.enforcement_points.includes(p.id)) touched.add(c.id);
  }

  const frameworks = sorted([...base.registry.frameworks(), ...head.registry.frameworks()]);
  const coverageImpact = frameworks.map((fw) => frameworkImpact(fw, base, head));

  const requirements = new Set<string>();
  for (const id of touched) {
    for (const s of [base, head]) for (const ref of s.registry.control(id)?.requirements ?? []) requirements.add(s.registry.resolve(ref)?.ref ?? ref);
  }
  for (const f of coverageImpact) for (const c of [...f.gained, ...f.lost, ...f.changed]) requirements.add(c.requirement);

  const testsBefore = testOutcomes(base);
  const testsAfter = testOutcomes(head);
  const problemsBefore = problemsOf(base);
  const problemsAfter = problemsOf(head);

  return {
    base: opts.base,
    changedFiles: opts.changedFiles,
    controls: { added, removed, modified, touched: sorted(touched) },
    requirements: [...requirements].sort(byRequirement(head, base)),
    enforcementPoints: points,
    coverage: coverageImpact,
    tests: {
      added: minus(testsAfter.keys(), testsBefore.keys()),
      removed: minus(testsBefore.keys(), testsAfter.keys()),
      nowFailing: sorted([...testsAfter].filter(([n, s]) => (s === 'fail' || s === 'error') && testsBefore.get(n) === 'pass').map(([n]) => n)),
      nowPassing: sorted([...testsAfter].filter(([n, s]) => s === 'pass' && (testsBefore.get(n) === 'fail' || testsBefore.get(n) === 'error')).map(([n]) => n)),
    },
    problems: {
      introduced: [...problemsAfter].filter(([k]) => !problemsBefore.has(k)).map(([, m]) => m),
      resolved: [...problemsBefore].filter(([k]) => !problemsAfter.has(k)).map(([, m]) => m),
      remaining: problemsAfter.size,
    },
  };
}

/** Framework, then catalogue order. */
function byRequirement(...states: TreeState[]): (a: string, b: string) => number {
  const order = new Map<string, number>();
  for (const s of states) {
    for (const fw of s.registry.frameworks()) for (const r of s.registry.requirements(fw)) if (!order.has(r.ref)) order.set(r.ref, order.size);
  }
  return (a, b) => a.slice(0, a.indexOf(':')).localeCompare(b.slice(0, b.indexOf(':'))) || (order.get(a) ?? Infinity) - (order.get(b) ?? Infinity) || a.localeCompare(b);
}

/**
 * The whole `attest impact --base REF` computation against a Git checkout:
 * `cwd` is where `dirs` are (relative paths), usually the repository root.
 */
export async function gitImpact(cwd: string, ref: string, dirs: TreeDirs): Promise<{ report: ImpactReport; base: TreeState; head: TreeState }> {
  const paths = [dirs.policies, dirs.controls];
  resolveCommit(cwd, ref);
  const files = changedFiles(cwd, ref, paths);
  const baseDir = checkoutDirs(cwd, ref, paths);
  try {
    const [base, head] = [await loadTree(baseDir, dirs), await loadTree(cwd, dirs)];
    return { report: computeImpact(base, head, { base: ref, changedFiles: files }), base, head };
  } finally {
    rmSync(baseDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// Replaying recorded decisions

export interface ReplayPointCount {
  /** An enforcement point id, or `(none)` for decisions no point was involved in. */
  id: string;
  decisions: number;
  /** Outcome (allow/deny/…) differs between the base and the candidate policies. */
  outcomeChanged: number;
  /** Result document differs (a moderation action, a reason) even where the outcome is the same. */
  resultChanged: number;
}

export interface ReplayReport {
  range: { from?: string; to?: string };
  decisions: number;
  /** Decisions recorded without input (nothing to replay). */
  skipped: number;
  outcomeChanged: number;
  resultChanged: number;
  /** Candidate outcome differs from the outcome recorded in the ledger (includes drift from older revisions and masking). */
  differsFromRecorded: number;
  transitions: { from: string; to: string; count: number }[];
  byEnforcementPoint: ReplayPointCount[];
}

interface Evaluated {
  outcome: string;
  result: string;
  points: string[];
}

function evaluate(engine: Engine | undefined, rec: DecisionRecord, known: ReadonlySet<string>): Evaluated | undefined {
  if (!engine) return undefined;
  let value: Json | undefined;
  try {
    // Ledger paths are slash-separated segments (`authz/allow`), as the decision API takes them.
    const ref = '/' + rec.path.split('/').map(encodeURIComponent).join('/');
    const v = engine.evalRef(ref, { input: rec.input === undefined ? undefined : fromJSON(rec.input), nowNs: timestampNs(rec.timestamp), print: () => undefined });
    value = v === undefined ? undefined : (toJSON(v) as Json);
  } catch (e) {
    return { outcome: 'error', result: `error: ${e instanceof Error ? e.message : String(e)}`, points: [] };
  }
  const points = new Set<string>();
  collectPoints(value, known, points);
  return { outcome: deriveOutcome(value), result: value === undefined ? 'undefined' : canonicalJson(value), points: [...points] };
}

/** Reasons carry the id of the rule that produced them: any string equal to a known enforcement-point id counts. */
function collectPoints(v: Json | undefined, known: ReadonlySet<string>, out: Set<string>): void {
  if (typeof v === 'string') {
    if (known.has(v)) out.add(v);
  } else if (Array.isArray(v)) {
    for (const x of v) collectPoints(x, known, out);
  } else if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v)) collectPoints(x, known, out);
  }
}

/** `FROM..TO` (either side may be empty); RFC 3339 timestamps or plain dates (midnight UTC). */
export function parseReplayRange(spec: string): { from?: string; to?: string } {
  const m = /^([^.]*)\.\.([^.]*)$/.exec(spec);
  if (!m) throw new RangeError(`--replay must be FROM..TO (for example 2025-01-01..2025-02-01), got "${spec}"`);
  const norm = (t: string): string | undefined => {
    if (t === '') return undefined;
    return toLedgerTimestamp(/^\d{4}-\d\d-\d\d$/.test(t) ? `${t}T00:00:00Z` : t);
  };
  return { ...(m[1] ? { from: norm(m[1]) } : {}), ...(m[2] ? { to: norm(m[2]) } : {}) };
}

/** Decisions of the ledger in a time range, oldest first, at most `limit`. */
export async function* ledgerDecisions(db: Database, range: { from?: string; to?: string }, limit = Infinity): AsyncGenerator<DecisionRecord> {
  let cursor: string | undefined;
  let n = 0;
  do {
    const page = await listDecisions(db, range, { order: 'asc', limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const d of page.decisions) {
      if (n++ >= limit) return;
      yield d;
    }
    cursor = page.next;
  } while (cursor);
}

function timestampNs(ts: string): bigint | undefined {
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/i.exec(ts);
  const ms = Date.parse(m ? `${m[1]}${m[3]}` : ts);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m?.[2] ?? '').padEnd(9, '0').slice(0, 9) || '0');
}

/**
 * Re-evaluates recorded (masked) inputs against the base and the candidate
 * policies, at the time each decision was made, and counts what changes per
 * enforcement point. Comparing two replays of the same masked input isolates
 * the change from masking and from older revisions; `differsFromRecorded`
 * compares with the ledger as well.
 */
export async function replayDecisions(
  decisions: AsyncIterable<DecisionRecord> | Iterable<DecisionRecord>,
  base: PolicyState,
  head: PolicyState,
  range: { from?: string; to?: string } = {},
): Promise<ReplayReport> {
  const known = new Set([...base.points, ...head.points].map((p) => p.id));
  const counts = new Map<string, ReplayPointCount>();
  const transitions = new Map<string, number>();
  const report: ReplayReport = { range, decisions: 0, skipped: 0, outcomeChanged: 0, resultChanged: 0, differsFromRecorded: 0, transitions: [], byEnforcementPoint: [] };
  for await (const rec of decisions) {
    report.decisions++;
    if (rec.input === undefined) {
      report.skipped++;
      continue;
    }
    const after = evaluate(head.engine, rec, known);
    const before = evaluate(base.engine, rec, known) ?? { outcome: rec.outcome, result: rec.result === undefined ? 'undefined' : canonicalJson(rec.result), points: rec.enforcement_points };
    const now = after ?? { outcome: 'error', result: 'error: the candidate policies did not compile', points: [] };
    const outcomeChanged = before.outcome !== now.outcome;
    const resultChanged = before.result !== now.result;
    if (outcomeChanged) {
      report.outcomeChanged++;
      const key = `${before.outcome}\u0000${now.outcome}`;
      transitions.set(key, (transitions.get(key) ?? 0) + 1);
    }
    if (resultChanged) report.resultChanged++;
    if (now.outcome !== rec.outcome) report.differsFromRecorded++;
    const ids = sorted([...rec.enforcement_points, ...before.points, ...now.points]);
    for (const id of ids.length ? ids : ['(none)']) {
      const c = counts.get(id) ?? { id, decisions: 0, outcomeChanged: 0, resultChanged: 0 };
      c.decisions++;
      if (outcomeChanged) c.outcomeChanged++;
      if (resultChanged) c.resultChanged++;
      counts.set(id, c);
    }
  }
  report.transitions = [...transitions].map(([k, count]) => ({ from: k.split('\u0000')[0], to: k.split('\u0000')[1], count })).sort((a, b) => b.count - a.count);
  report.byEnforcementPoint = [...counts.values()].sort((a, b) => b.outcomeChanged - a.outcomeChanged || b.resultChanged - a.resultChanged || a.id.localeCompare(b.id));
  return report;
}

// ---------------------------------------------------------------------------
// Markdown for a pull-request comment

const code = (s: string): string => `\`${s}\``;
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
/** Code-formatted, at most `max` shown (long test lists would drown the comment). */
function list(xs: readonly string[], max = Infinity): string {
  if (xs.length === 0) return '—';
  const shown = xs.slice(0, max).map(code).join(', ');
  return xs.length > max ? `${shown} and ${xs.length - max} more` : shown;
}

function mdTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

function totalsCell(t: CoverageReport['totals'] | undefined, k: CoverageStatus): string {
  return t ? String(t[k]) : '—';
}

function transition(before: FrameworkImpact['before'], after: FrameworkImpact['after'], k: CoverageStatus): string {
  const b = totalsCell(before, k);
  const a = totalsCell(after, k);
  return b === a ? a : `${b} → **${a}**`;
}

const status = (s: CoverageStatus | undefined): string => s ?? '(not in catalogue)';

export function renderImpactMarkdown(r: ImpactReport): string {
  const out: string[] = [];
  const lost = r.coverage.reduce((n, f) => n + f.lost.length, 0);
  const gained = r.coverage.reduce((n, f) => n + f.gained.length, 0);
  out.push(`## Compliance impact (against ${code(r.base)})`, '');
  if (r.changedFiles.length === 0 && !r.replay) {
    out.push('No changes to policies or controls.', '');
    return `${out.join('\n')}\n`;
  }
  out.push(
    `${r.controls.touched.length} control${r.controls.touched.length === 1 ? '' : 's'} and ${r.requirements.length} requirement${r.requirements.length === 1 ? '' : 's'} touched · ` +
      `coverage: ${gained} gained, ${lost} lost · tests: +${r.tests.added.length} −${r.tests.removed.length}` +
      (r.tests.nowFailing.length ? `, ${r.tests.nowFailing.length} now failing` : '') +
      ` · controls check: ${r.problems.introduced.length} new problem${r.problems.introduced.length === 1 ? '' : 's'}, ${r.problems.resolved.length} resolved`,
    '',
  );
  if (lost > 0) out.push(`> [!WARNING]\n> This change removes coverage from ${lost} requirement${lost === 1 ? '' : 's'}.`, '');

  out.push('### Coverage', '');
  out.push(mdTable(['Framework', 'Covered', 'Partial', 'Manual', 'Gap'], r.coverage.map((f) => [f.framework, ...(['covered', 'partial', 'manual', 'gap'] as const).map((k) => transition(f.before, f.after, k))])), '');
  const changes = (title: string, pick: (f: FrameworkImpact) => StatusChange[]): void => {
    const rows = r.coverage.flatMap((f) => pick(f).map((c) => [code(c.requirement), c.title, status(c.before), status(c.after), list(sorted([...c.controlsBefore, ...c.controlsAfter]))]));
    if (rows.length) out.push(`#### ${title}`, '', mdTable(['Requirement', 'Title', 'Before', 'After', 'Controls'], rows), '');
  };
  changes('Coverage lost', (f) => f.lost);
  changes('Coverage gained', (f) => f.gained);
  changes('Other changes', (f) => f.changed);

  if (r.enforcementPoints.length) {
    out.push('### Enforcement points', '');
    out.push(
      mdTable(
        ['Enforcement point', 'Change', 'Tested', 'Tests lost', 'Tests gained', 'Controls'],
        r.enforcementPoints.map((p) => [
          code(p.id),
          p.change === 'modified' ? p.what.join(', ') : p.change,
          testedCell(p),
          list(p.testsLost, 5),
          list(p.testsGained, 3),
          list(p.controls),
        ]),
      ),
      '',
    );
  }

  const t = r.tests;
  if (t.added.length + t.removed.length + t.nowFailing.length + t.nowPassing.length > 0) {
    out.push('### Tests', '');
    if (t.removed.length) out.push(`- Removed: ${list(t.removed)}`);
    if (t.added.length) out.push(`- Added: ${list(t.added)}`);
    if (t.nowFailing.length) out.push(`- Now failing: ${list(t.nowFailing)}`);
    if (t.nowPassing.length) out.push(`- Now passing: ${list(t.nowPassing)}`);
    out.push('');
  }

  out.push('### Controls and requirements touched', '');
  const c = r.controls;
  const tag = (id: string): string => (c.added.includes(id) ? ' (added)' : c.removed.includes(id) ? ' (removed)' : c.modified.includes(id) ? ' (modified)' : '');
  out.push(`- Controls: ${c.touched.length ? c.touched.map((id) => `${code(id)}${tag(id)}`).join(', ') : '—'}`);
  out.push(`- Requirements: ${list(r.requirements)}`, '');

  if (r.problems.introduced.length || r.problems.resolved.length) {
    out.push('### `attest controls check`', '');
    if (r.problems.introduced.length) out.push('New problems:', '', '```', ...r.problems.introduced, '```', '');
    if (r.problems.resolved.length) out.push('Resolved:', '', '```', ...r.problems.resolved, '```', '');
  }

  if (r.replay) out.push(...renderReplay(r.replay));

  out.push('<details><summary>Files changed</summary>', '', ...r.changedFiles.map((f) => `- ${code(f)}`), '', '</details>', '');
  return `${out.join('\n')}\n`;
}

function testedCell(p: PointChange): string {
  const yes = (b: boolean): string => (b ? 'yes' : 'no');
  if (p.change === 'added') return yes(p.testedAfter);
  if (p.change === 'removed') return `${yes(p.testedBefore)} → removed`;
  return p.testedBefore === p.testedAfter ? yes(p.testedAfter) : `${yes(p.testedBefore)} → **${yes(p.testedAfter)}**`;
}

function renderReplay(p: ReplayReport): string[] {
  const range = `${p.range.from ?? 'start'}..${p.range.to ?? 'now'}`;
  const out = [`### Replay of recorded decisions (${range})`, ''];
  out.push(
    `${p.decisions} decision${p.decisions === 1 ? '' : 's'} replayed${p.skipped ? ` (${p.skipped} without recorded input skipped)` : ''}: ` +
      `**${p.outcomeChanged}** would change outcome, ${p.resultChanged} would change result; ${p.differsFromRecorded} differ from the recorded outcome.`,
    '',
  );
  if (p.transitions.length) out.push(mdTable(['From', 'To', 'Decisions'], p.transitions.map((x) => [x.from, x.to, String(x.count)])), '');
  if (p.byEnforcementPoint.length) {
    out.push(mdTable(['Enforcement point', 'Decisions', 'Outcome changed', 'Result changed'], p.byEnforcementPoint.map((c) => [c.id === '(none)' ? c.id : code(c.id), String(c.decisions), String(c.outcomeChanged), String(c.resultChanged)])), '');
  }
  return out;
}
