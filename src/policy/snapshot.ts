/**
 * Policy snapshots: the policy set, loaded, compiled and checked, frozen for
 * as long as it serves. A reload builds a complete new snapshot and swaps it
 * in only when every step succeeded, so a broken change never serves.
 *
 * The revision names the exact sources: the Git commit of the policies
 * directory when it is a Git checkout, plus a SHA-256 over every file read.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { CompileError, Engine, EvalError, RegoError, runTests, type Location, type Module, type TestRun } from '../rego/index.js';
import { compileDocuments } from './index.js';
import { loadPolicyTree } from './loader.js';

/** One enforcement point: a rule with `# METADATA custom.id`. */
export interface SnapshotEnforcementPoint {
  id: string;
  controls: string[];
  /** `data.<package>.<rule>` of the rule carrying the metadata. */
  rule: string;
  location: Location;
  /** `file:row` of the first expression of each rule body carrying the id (how test coverage reaches it). */
  bodyRows: string[];
}

/** An enforcement point as the control registry sees it (structurally its EnforcementPointInfo). */
export interface EnforcementPointState {
  id: string;
  controls: string[];
  tested: boolean;
  tests: string[];
  location: { file: string; line: number; col: number };
}

/** One problem that stopped a snapshot from being built, in OPA's error-object shape. */
export interface SnapshotProblem {
  code: string;
  message: string;
  location?: { file: string; row: number; col: number };
}

export class SnapshotError extends Error {
  readonly code = 'snapshot_error';
  constructor(readonly stage: 'load' | 'compile' | 'schema' | 'test', readonly problems: SnapshotProblem[]) {
    super(`policy snapshot rejected at ${stage}: ${problems.map(formatProblem).join('; ')}`);
    this.name = 'SnapshotError';
  }
}

function formatProblem(p: SnapshotProblem): string {
  const where = p.location ? `${p.location.file}:${p.location.row}:${p.location.col}: ` : '';
  return `${where}${p.code}: ${p.message}`;
}

export interface SnapshotOptions {
  /** Run the policy tests (`test_*` rules) and refuse the snapshot when any fails. */
  runTests?: boolean;
  regoVersion?: 0 | 1;
}

export class PolicySnapshot {
  /** When it was built. */
  readonly loadedAt = new Date();
  private readonly epByRule = new Map<string, SnapshotEnforcementPoint>();

  constructor(
    readonly revision: string,
    readonly contentHash: string,
    readonly gitCommit: string | null,
    /** Every file read, by path relative to the policies directory. */
    readonly sources: Readonly<Record<string, string>>,
    readonly engine: Engine,
    readonly modules: readonly Module[],
    readonly enforcementPoints: ReadonlyMap<string, SnapshotEnforcementPoint>,
    readonly testRun: TestRun | undefined,
    /** Whether `data.system.log.mask` is defined by some module. */
    readonly hasMask: boolean,
    /** Absolute file name → path relative to the policies directory. */
    private readonly relativeIds: ReadonlyMap<string, string>,
  ) {
    for (const ep of enforcementPoints.values()) this.epByRule.set(ep.rule, ep);
    Object.freeze(this.sources);
  }

  /** The enforcement point whose rule is exactly `data.<path>` (dots), if any. */
  enforcementPointAt(dataRef: string): SnapshotEnforcementPoint | undefined {
    return this.epByRule.get(dataRef);
  }

  private states: EnforcementPointState[] | undefined;

  /**
   * Each enforcement point with the passing tests that reached its rule body
   * (the policy tests run once per snapshot, on first use).
   */
  enforcementPointStates(): EnforcementPointState[] {
    if (this.states) return this.states;
    const run = runTests(this.engine, { perTestCoverage: true });
    const passing = run.results.filter((r) => r.status === 'pass').map((r) => r.name);
    this.states = [...this.enforcementPoints.values()].map((ep) => {
      const tests = passing.filter((t) => ep.bodyRows.some((row) => run.testCoverage?.get(t)?.has(row)));
      return {
        id: ep.id, controls: ep.controls, tested: tests.length > 0, tests,
        location: { file: ep.location.file, line: ep.location.row, col: ep.location.col },
      };
    });
    return this.states;
  }

  /** An engine error with its file named relative to the policies directory (no server paths in answers or logs). */
  relativeError<E extends RegoError>(e: E): E | RegoError {
    const file = e.location?.file;
    const id = file === undefined ? undefined : this.relativeIds.get(file);
    if (!e.location || id === undefined) return e;
    const Ctor = e instanceof EvalError ? EvalError : RegoError;
    return new Ctor(e.code as never, e.detail, { ...e.location, file: id });
  }

  /** Module id as GET /v1/policies shows it (path relative to the policies directory). */
  moduleId(m: Module): string {
    return this.relativeIds.get(m.file) ?? m.file;
  }
}

/** SHA-256 over the files (path and content, sorted by path). */
export function contentHash(sources: Readonly<Record<string, string>>): string {
  const h = createHash('sha256');
  for (const path of Object.keys(sources).sort()) {
    h.update(path, 'utf8').update('\0').update(sources[path], 'utf8').update('\0');
  }
  return h.digest('hex');
}

/** The Git commit checked out at `dir`, or null when it is not inside a Git work tree. */
export function gitCommit(dir: string): string | null {
  try {
    const out = execFileSync('git', ['-C', dir, 'rev-parse', '--verify', '--quiet', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    const commit = out.trim();
    return /^[0-9a-f]{40,64}$/.test(commit) ? commit : null;
  } catch {
    return null;
  }
}

/** `<commit12>+sha256:<hash>` in a Git checkout, `sha256:<hash>` otherwise. */
export function revisionId(hash: string, commit: string | null): string {
  return commit ? `${commit.slice(0, 12)}+sha256:${hash}` : `sha256:${hash}`;
}

/** Loads, compiles and checks the policies under `dir` into a snapshot; throws SnapshotError. */
export function buildSnapshot(dir: string, options: SnapshotOptions = {}): PolicySnapshot {
  return build(resolve(dir), gitCommit(dir), options);
}

/**
 * Rebuilds a snapshot from stored sources (replay). The files are written to
 * a temporary directory so that loading follows exactly the same rules.
 */
export function snapshotFromSources(sources: Readonly<Record<string, string>>, commit: string | null, options: SnapshotOptions = {}): PolicySnapshot {
  const dir = mkdtempSync(join(tmpdir(), 'attest-replay-'));
  try {
    for (const [rel, text] of Object.entries(sources)) {
      const target = resolve(dir, rel);
      if (!target.startsWith(dir + sep)) throw new SnapshotError('load', [{ code: 'load_error', message: `stored source path escapes its directory: ${rel}` }]);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
    }
    return build(dir, commit, { ...options, runTests: false });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function build(dir: string, commit: string | null, options: SnapshotOptions): PolicySnapshot {
  let tree;
  try {
    tree = loadPolicyTree([dir], { regoVersion: options.regoVersion ?? 1 });
  } catch (e) {
    throw new SnapshotError(e instanceof CompileError ? 'compile' : 'load', problemsOf(e, dir));
  }
  const sources: Record<string, string> = {};
  const relativeIds = new Map<string, string>();
  for (const f of tree.files) {
    const rel = relative(dir, f.path).split(sep).join('/');
    sources[rel] = f.content;
    relativeIds.set(f.path, rel);
  }

  let yamlModules: Module[];
  try {
    yamlModules = compileDocuments(tree.documents);
  } catch (e) {
    throw new SnapshotError('schema', problemsOf(e, dir));
  }
  const modules = [...tree.modules, ...yamlModules];
  const engine = new Engine();
  for (const m of modules) engine.addParsedModule(m);
  engine.setData(tree.data);
  try {
    engine.compile();
  } catch (e) {
    throw new SnapshotError('compile', problemsOf(e, dir));
  }

  let testRun: TestRun | undefined;
  if (options.runTests) {
    testRun = runTests(engine);
    const bad = testRun.results.filter((r) => r.status === 'fail' || r.status === 'error');
    if (bad.length > 0) {
      throw new SnapshotError('test', bad.map((r) => ({
        code: r.status === 'fail' ? 'test_failed' : r.error?.code ?? 'test_error',
        message: `${r.package}.${r.name}: ${r.status === 'fail' ? 'FAIL' : `ERROR ${r.error?.message ?? ''}`}`.trim(),
        location: relLocation(r.location, dir),
      })));
    }
  }

  const hash = contentHash(sources);
  return new PolicySnapshot(
    revisionId(hash, commit), hash, commit, sources, engine, modules,
    collectEnforcementPoints(modules, dir), testRun,
    modules.some((m) => m.package.join('.') === 'system.log' && m.rules.some((r) => ruleName(r.head.ref) === 'mask')),
    relativeIds,
  );
}

function ruleName(ref: Module['rules'][number]['head']['ref']): string | undefined {
  const t = ref[0];
  return t && t.type === 'var' ? t.name : undefined;
}

/** `data.pkg.rule` with the static part of a ref head (`p.q.r`). */
function rulePath(m: Module, r: Module['rules'][number]): string {
  const parts = ['data', ...m.package];
  for (const t of r.head.ref) {
    if (t.type === 'var' && parts.length === m.package.length + 1) parts.push(t.name);
    else if (t.type === 'scalar' && typeof t.value === 'string') parts.push(t.value);
    else break;
  }
  return parts.join('.');
}

function collectEnforcementPoints(modules: readonly Module[], dir: string): Map<string, SnapshotEnforcementPoint> {
  const out = new Map<string, SnapshotEnforcementPoint>();
  for (const m of modules) {
    for (const r of m.rules) {
      for (const a of r.annotations) {
        const custom = a.fields.custom;
        if (!custom || typeof custom !== 'object') continue;
        const { id, controls } = custom as { id?: unknown; controls?: unknown };
        if (typeof id !== 'string') continue;
        let ep = out.get(id);
        if (!ep) {
          ep = {
            id,
            controls: Array.isArray(controls) ? controls.filter((c): c is string => typeof c === 'string') : [],
            rule: rulePath(m, r),
            location: relLocation(a.loc, dir) ?? a.loc,
            bodyRows: [],
          };
          out.set(id, ep);
        }
        if (r.body.length > 0) ep.bodyRows.push(`${m.file}:${r.body[0].loc.row}`);
      }
    }
  }
  return out;
}

function relLocation(loc: Location | undefined, dir: string): SnapshotProblem['location'] {
  if (!loc) return undefined;
  const file = loc.file.startsWith(dir + sep) ? relative(dir, loc.file).split(sep).join('/') : loc.file;
  return { file, row: loc.row, col: loc.col };
}

/** Error objects from whatever a stage threw (Rego errors, YAML schema errors, plain errors). */
function problemsOf(e: unknown, dir: string): SnapshotProblem[] {
  if (e instanceof CompileError) return e.errors.map((x) => ({ code: x.code, message: x.detail, location: relLocation(x.location, dir) }));
  if (e instanceof RegoError) return [{ code: e.code, message: e.detail, location: relLocation(e.location, dir) }];
  const list = (e as { errors?: unknown }).errors;
  if (Array.isArray(list) && list.length > 0) {
    return list.map((x: unknown) => {
      const o = (x ?? {}) as { code?: unknown; message?: unknown; file?: unknown; line?: unknown; col?: unknown };
      const loc = typeof o.file === 'string' && typeof o.line === 'number'
        ? relLocation({ file: o.file, row: o.line, col: typeof o.col === 'number' ? o.col : 1 }, dir)
        : undefined;
      return { code: typeof o.code === 'string' ? o.code : 'schema_error', message: typeof o.message === 'string' ? o.message : String(x), location: loc };
    });
  }
  const code = typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'load_error';
  const message = e instanceof Error ? e.message : String(e);
  return [{ code, message: message.split(dir + sep).join('') }];
}

export type ReloadTrigger = 'startup' | 'watch' | 'signal' | 'api';

/** The outcome of the latest reload attempt, for /health and /metrics. */
export interface ReloadStatus {
  ok: boolean;
  trigger: ReloadTrigger;
  at: Date;
  revision?: string;
  error?: SnapshotError | Error;
}

export interface SnapshotManagerOptions extends SnapshotOptions {
  /**
   * Runs before a new snapshot is swapped in (e.g. storing its sources); a
   * rejection fails the reload and keeps the old snapshot.
   */
  beforeSwap?(next: PolicySnapshot): Promise<void>;
  /** Told about every reload attempt. */
  onReload?(status: ReloadStatus, snapshot: PolicySnapshot | undefined): void;
}

/**
 * Holds the current snapshot and replaces it on reload. Readers take
 * `current` once per request, so a swap never changes a request midway.
 */
export class SnapshotManager {
  private snap: PolicySnapshot | undefined;
  private last: ReloadStatus | undefined;
  private running: Promise<ReloadStatus> | undefined;
  private queued: Promise<ReloadStatus> | undefined;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  readonly counts = { ok: 0, failed: 0 };

  constructor(readonly dir: string, private readonly options: SnapshotManagerOptions = {}) {}

  get current(): PolicySnapshot | undefined {
    return this.snap;
  }

  get lastReload(): ReloadStatus | undefined {
    return this.last;
  }

  /**
   * Builds and (on success) swaps in a new snapshot. A call during a build
   * waits for it and then builds again (the files may have changed since it
   * started); calls arriving meanwhile share that second build.
   */
  reload(trigger: ReloadTrigger): Promise<ReloadStatus> {
    if (!this.running) {
      this.running = this.attempt(trigger).finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      return this.reload(trigger);
    });
    return this.queued;
  }

  private async attempt(trigger: ReloadTrigger): Promise<ReloadStatus> {
    let status: ReloadStatus;
    try {
      const next = buildSnapshot(this.dir, this.options);
      if (this.snap && next.revision === this.snap.revision) {
        status = { ok: true, trigger, at: new Date(), revision: next.revision };
      } else {
        await this.options.beforeSwap?.(next);
        this.snap = next;
        status = { ok: true, trigger, at: new Date(), revision: next.revision };
      }
      this.counts.ok++;
    } catch (e) {
      this.counts.failed++;
      status = { ok: false, trigger, at: new Date(), revision: this.snap?.revision, error: e instanceof Error ? e : new Error(String(e)) };
    }
    this.last = status;
    this.options.onReload?.(status, this.snap);
    return status;
  }

  /** Reloads when a file under the directory changes (debounced; editors write in bursts). */
  watch(debounceMs = 250): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(this.dir, { recursive: true }, () => {
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => void this.reload('watch'), debounceMs);
      });
      this.watcher.on('error', () => this.unwatch());
    } catch {
      this.watcher = undefined; // no recursive watch here: SIGHUP and the API still reload
    }
  }

  unwatch(): void {
    clearTimeout(this.debounce);
    this.watcher?.close();
    this.watcher = undefined;
  }
}
