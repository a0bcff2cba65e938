/**
 * What the policies say about a control: enforcement points and their
 * source, the policy tests (run at report time, for the working tree and for
 * every stored revision in force), and the Git history of the policy files.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { promisify } from 'node:util';
import { Engine, runTests, type Module } from '../rego/index.js';
import { compileDocuments, enforcementPointReport, loadPolicyTree, type EnforcementPointStatus } from '../policy/index.js';
import type { GitCommit, Period, TestSummary } from './types.js';

const run = promisify(execFile);

export interface PolicyTree {
  /** Enforcement points with test status, by id. */
  points: Map<string, EnforcementPointStatus>;
  modules: Module[];
  tests: TestSummary;
  contentHash: string;
  /** Why the tree could not be loaded, if it could not. */
  error?: string;
}

function contentHash(files: readonly { path: string; content: string }[], root: string): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) h.update(`${relative(root, f.path)}\0${f.content}\0`);
  return h.digest('hex');
}

function summarise(revision: string, label: string, r: ReturnType<typeof runTests>): TestSummary {
  return {
    revision, label, ran: true,
    passed: r.passed, failed: r.failed, errored: r.errored, skipped: r.skipped,
    failures: r.results.filter((t) => t.status === 'fail' || t.status === 'error').map((t) => ({ name: t.name, status: t.status, ...(t.error ? { message: t.error.message } : {}) })),
  };
}

const notRun = (revision: string, label: string, note: string): TestSummary => ({ revision, label, ran: false, note, passed: 0, failed: 0, errored: 0, skipped: 0, failures: [] });

/** Loads, compiles and tests a policy tree on disk. */
export function evaluateTree(dir: string, revision: string, label: string): PolicyTree {
  try {
    const tree = loadPolicyTree([dir]);
    const engine = new Engine();
    for (const m of [...tree.modules, ...compileDocuments(tree.documents, { modules: tree.modules })]) engine.addParsedModule(m);
    engine.setData(tree.data);
    engine.compile();
    const result = runTests(engine, { perTestCoverage: true });
    const report = enforcementPointReport(engine, result);
    return {
      points: new Map(report.points.map((p) => [p.id, p])),
      modules: engine.getModules(),
      tests: summarise(revision, label, result),
      contentHash: contentHash(tree.files, dir),
    };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    return { points: new Map(), modules: [], tests: notRun(revision, label, `the policies could not be loaded: ${error.split('\n')[0]}`), contentHash: '', error };
  }
}

/** Runs the tests of a stored revision (its sources written to a scratch directory). */
export function testStoredRevision(id: string, sources: Record<string, string>): TestSummary {
  const dir = mkdtempSync(join(tmpdir(), 'attest-rev-'));
  try {
    for (const [path, text] of Object.entries(sources)) {
      // Sources are keyed by their path in the tree; keep them inside the scratch directory.
      const rel = isAbsolute(path) ? path.replace(/^[/\\]+/, '') : path;
      const target = resolve(dir, rel);
      if (!target.startsWith(dir)) continue;
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
    }
    return evaluateTree(dir, id, `revision ${shortId(id)}`).tests;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function shortId(id: string): string {
  return id.length > 20 ? `${id.slice(0, 12)}…` : id;
}

/** The METADATA block and rule of an enforcement point, from its module's source. */
export function excerpt(modules: readonly Module[], ep: EnforcementPointStatus, maxLines = 30): { file: string; firstLine: number; text: string } | undefined {
  const mod = modules.find((m) => m.file === ep.location.file);
  if (!mod) return undefined;
  const lines = mod.source.split('\n');
  const rules = ep.rules.filter((r) => r.file === mod.file);
  const last = Math.max(ep.location.line, ...rules.map((r) => Math.max(r.row, ...r.bodyRows)));
  let end = last; // include the closing brace of the last rule
  while (end < lines.length && end < last + 3 && !/^\s*}/.test(lines[end - 1] ?? '') ) end++;
  const from = ep.location.line;
  const to = Math.min(end, from + maxLines - 1);
  const text = lines.slice(from - 1, to).join('\n') + (to < end ? '\n…' : '');
  return { file: mod.file, firstLine: from, text };
}

export interface GitHistory {
  /** Commits touching each file (absolute path) in the period. */
  byFile: Map<string, GitCommit[]>;
  note?: string;
}

/** `git log` of the policy directory in the period (local only: git log does not fetch). */
export async function gitHistory(dir: string, period: Period): Promise<GitHistory> {
  const cwd = resolve(dir);
  let top: string;
  try {
    top = (await run('git', ['rev-parse', '--show-toplevel'], { cwd })).stdout.trim();
  } catch {
    return { byFile: new Map(), note: `${dir} is not in a Git repository: no change history` };
  }
  let out: string;
  try {
    out = (await run('git', ['log', `--since=${period.from}`, `--until=${period.to}`, '--format=%x1e%H%x1f%an%x1f%aI%x1f%s', '--name-only', '--', '.'], { cwd, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (e) {
    return { byFile: new Map(), note: `git log failed: ${(e as Error).message.split('\n')[0]}` };
  }
  const byFile = new Map<string, GitCommit[]>();
  for (const entry of out.split('\x1e')) {
    const [head, ...names] = entry.split('\n');
    const [commit, author, date, subject] = head.split('\x1f');
    if (!commit || !date) continue;
    const c: GitCommit = { commit, author: author ?? '', date, subject: subject ?? '' };
    for (const n of names) {
      if (!n.trim()) continue;
      const abs = resolve(top, n.trim());
      const list = byFile.get(abs) ?? [];
      list.push(c);
      byFile.set(abs, list);
    }
  }
  return { byFile };
}
