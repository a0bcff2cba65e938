/**
 * HTTP benchmark of the decision service, on loopback with autocannon, side
 * by side in one run:
 *
 *   (a) a bare Koa handler returning a constant — the ceiling on this machine
 *   (b) a decision without the ledger (`attest serve --no-ledger`)
 *   (c) a decision with the durable ledger on SQLite
 *   (d) a decision with the durable ledger on PostgreSQL
 *       (BENCH_DATABASE_URL, TEST_DATABASE_URL or a postgres DATABASE_URL)
 *   (e) for comparison, (d) in the asynchronous ledger mode, which answers
 *       before the commit (`--ledger-mode async`; not durable, not the target)
 *   (f) the floor under (d): (a)'s bare Koa handler doing (d)'s work and
 *       nothing else — read and parse the body, decide, commit to the ledger
 *       on PostgreSQL, answer — with none of the server's middleware, routing,
 *       metrics or identity. What (d) could reach if the server around the
 *       decision and the ledger cost nothing.
 *
 * Each server runs in its own process, so the load generator does not share
 * its event loop; the decision servers run without authentication and rate
 * limit (`--insecure-no-auth --rate-limit 0`: the bench measures decisions
 * and the ledger, and (b) has no database for credentials). Prints requests
 * per second, p50 and p99 latency, the ratio to (a) and the server's CPU time
 * per request (all its threads; Linux only), and checks afterwards that every
 * answered decision is in the ledger and that the chain verifies.
 *
 * With `--runs N` the four scenarios run N times in turn (so that a change in
 * the machine's load hits all of them) and the table shows the medians.
 *
 *   npm run bench:http [-- --connections 64 --duration 10 --runs 3]
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import { databaseUrlFromEnv, migrateLatest, openDatabase, type Database } from '../src/db/index.js';
import { DecisionLedger, verifyLedger } from '../src/decisions/index.js';
import { DecisionEvaluator } from '../src/decisions/evaluate.js';
import { buildSnapshot } from '../src/policy/snapshot.js';
import { RObject, stringifyJSON } from '../src/rego/index.js';
import { DEFAULT_BODY_LIMITS, parseBody, readBody } from '../src/server/body.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'attest.js');
const POLICIES = join(ROOT, 'bench', 'policies');
const SELF = fileURLToPath(import.meta.url);

const INPUT = {
  input: {
    subject: { id: 'u-1', tenant: 'acme', roles: ['moderator'], status: 'active', mfa: { verified: true, age_seconds: 120 } },
    action: 'read',
    resource: { type: 'moderation_content', tenant: 'acme', environment: 'production' },
  },
};

interface Options {
  connections: number;
  duration: number;
  warmup: number;
  runs: number;
}

function options(argv: string[]): Options {
  const o: Options = { connections: 64, duration: 10, warmup: 2, runs: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '') as keyof Options;
    if (!(key in o)) throw new Error(`unknown flag ${argv[i]}`);
    o[key] = Number(argv[i + 1]);
  }
  return o;
}

/** The bare server: Koa returning a constant JSON body, nothing else. */
async function serveBare(): Promise<void> {
  const app = new Koa();
  app.use((ctx) => {
    ctx.type = 'application/json';
    ctx.body = '{"result":true}';
  });
  const server = app.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    if (addr && typeof addr === 'object') console.log(`bare: listening on http://127.0.0.1:${addr.port}`);
  });
}

/** Row (f): the bare Koa handler with the decision and the durable ledger on DATABASE_URL, nothing else. */
async function serveFloor(): Promise<void> {
  const db = await openDatabase(databaseUrlFromEnv());
  await migrateLatest(db);
  const snapshot = buildSnapshot(POLICIES);
  const evaluator = new DecisionEvaluator(new DecisionLedger(db));
  const app = new Koa();
  app.use(async (ctx) => {
    const startedAt = process.hrtime.bigint();
    const body = parseBody(await readBody(ctx, DEFAULT_BODY_LIMITS), ctx.get('content-type'), DEFAULT_BODY_LIMITS);
    const input = body instanceof RObject ? body.get('input') : undefined;
    const d = await evaluator.decide(snapshot, { path: 'bench/access/allow', input, caller: 'bench', startedAt });
    ctx.type = 'application/json';
    ctx.body = `{"decision_id":"${d.decision_id}","result":${d.result === undefined ? 'null' : stringifyJSON(d.result)}}`;
  });
  const server = app.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    if (addr && typeof addr === 'object') console.log(`floor: listening on http://127.0.0.1:${addr.port}`);
  });
  process.once('SIGTERM', () => server.close(() => void db.close().then(() => process.exit(0))));
}

interface Child {
  proc: ChildProcess;
  url: string;
}

function spawnUntilListening(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Child> {
  const proc = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ proc, url: m[1] });
    });
    proc.on('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}

async function stop(child: Child): Promise<void> {
  if (child.proc.exitCode !== null) return;
  const done = new Promise((r) => child.proc.once('exit', r));
  child.proc.kill('SIGTERM');
  await done;
}

interface Measure {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  errors: number;
  /** Server CPU time (user + system, every thread) per answered request, in µs; NaN where unknown. */
  cpuUs: number;
}

/** CPU seconds a process used so far (Linux /proc; NaN elsewhere). */
function cpuSeconds(pid: number | undefined): number {
  const file = `/proc/${pid}/stat`;
  if (pid === undefined || !existsSync(file)) return NaN;
  const fields = readFileSync(file, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

async function measure(server: Child, path: string, o: Options): Promise<Measure> {
  const url = server.url;
  const request = { method: 'POST' as const, path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(INPUT) };
  if (o.warmup > 0) await autocannon({ url, connections: o.connections, duration: o.warmup, requests: [request] });
  const cpu0 = cpuSeconds(server.proc.pid);
  const r = await autocannon({ url, connections: o.connections, duration: o.duration, requests: [request] });
  const cpu = cpuSeconds(server.proc.pid) - cpu0;
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    ok: r['2xx'],
    errors: r.errors + r.timeouts + r.non2xx,
    cpuUs: (cpu * 1e6) / Math.max(1, r['2xx']),
  };
}

interface Row {
  name: string;
  /** One per run. */
  runs: Measure[];
  note?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The median of each figure over the runs (errors: the total). */
function summary(runs: Measure[]): Measure {
  const m = (k: keyof Measure) => median(runs.map((r) => r[k]));
  return { rps: m('rps'), p50: m('p50'), p99: m('p99'), ok: m('ok'), errors: runs.reduce((n, r) => n + r.errors, 0), cpuUs: m('cpuUs') };
}

function postgresUrl(): string | undefined {
  for (const v of [process.env.BENCH_DATABASE_URL, process.env.TEST_DATABASE_URL, process.env.DATABASE_URL]) {
    if (v && /^postgres(ql)?:\/\//.test(v)) return v;
  }
  return undefined;
}

/** Every answered decision is in the ledger (warm-up included) and the chain verifies. */
async function checkLedger(db: Database, answered: number): Promise<string> {
  const count = Number(((await db.knex('decisions').count({ n: '*' }).first()) as { n: unknown }).n);
  const report = await verifyLedger(db);
  const tx = await db.knex('ledger_head').select('seq').where({ ledger: 'decisions' }).first();
  return `${count} rows (≥ ${answered} answered in the timed run), head ${Number(tx?.seq)}, chain ${report.ok ? 'verifies' : `BROKEN: ${report.firstBad?.message}`}`;
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const work = mkdtempSync(join(tmpdir(), 'attest-bench-http-'));
  const decisionPath = '/v1/data/bench/access/allow';
  const serveArgs = [
    BIN, 'serve', '--port', '0', '--policies', POLICIES, '--controls', join(ROOT, 'controls'), '--no-watch', '--checkpoint-interval', '0',
    '--insecure-no-auth', '--rate-limit', '0',
  ];
  const pg = postgresUrl();
  const rows: Row[] = [
    { name: '(a) bare Koa, constant', runs: [] },
    { name: '(b) decision, no ledger', runs: [] },
    { name: '(c) durable ledger, SQLite', runs: [] },
    { name: '(d) durable ledger, PostgreSQL', runs: [], note: pg ? undefined : 'skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL to a postgres:// URL' },
    { name: '(e) async ledger, PostgreSQL', runs: [], note: pg ? undefined : 'skipped, as (d)' },
    { name: '(f) floor: (d) in a bare handler', runs: [], note: pg ? undefined : 'skipped, as (d)' },
  ];
  const [bare, noLedger, sqlite, postgres, postgresAsync, floor] = rows;
  const notes: string[] = [];
  console.log(`attest bench:http — ${o.connections} connections, ${o.duration}s per scenario after ${o.warmup}s warm-up, ${o.runs} run(s), ${cpus().length} CPU(s), Node ${process.version}`);

  /** Starts a server, measures it, stops it. */
  const run = async (args: string[], env: NodeJS.ProcessEnv, path: string): Promise<Measure> => {
    const server = await spawnUntilListening(args, env, work);
    try {
      return await measure(server, path, o);
    } finally {
      await stop(server);
    }
  };

  try {
    for (let i = 1; i <= o.runs; i++) {
      const tag = o.runs > 1 ? ` (run ${i})` : '';
      bare.runs.push(await run([SELF, '--bare'], {}, '/'));
      noLedger.runs.push(await run([...serveArgs, '--no-ledger'], {}, decisionPath));

      const sqliteUrl = `sqlite:${join(work, `bench-${i}.db`)}`;
      const sm = await run(serveArgs, { DATABASE_URL: sqliteUrl }, decisionPath);
      sqlite.runs.push(sm);
      const sdb = await openDatabase(sqliteUrl);
      try {
        notes.push(`(c)${tag} ${await checkLedger(sdb, sm.ok)}`);
      } finally {
        await sdb.close();
      }

      if (pg) {
        for (const [row, tagged, args] of [
          [postgres, '(d)', serveArgs],
          [postgresAsync, '(e)', [...serveArgs, '--ledger-mode', 'async', '--spill-file', join(work, `spill-${i}.jsonl`)]],
          [floor, '(f)', [SELF, '--floor']],
        ] as const) {
          const schema = `attest_bench_${process.pid}_${i}`;
          const admin = await openDatabase(pg, { schema });
          const childUrl = `${pg}${pg.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
          try {
            const m = await run([...args], { DATABASE_URL: childUrl }, decisionPath);
            row.runs.push(m);
            notes.push(`${tagged}${tag} ${await checkLedger(admin, m.ok)}`);
          } finally {
            await admin.knex.raw('drop schema if exists ?? cascade', [schema]).catch(() => undefined);
            await admin.close();
          }
        }
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const ceiling = summary(bare.runs).rps;
  console.log('');
  console.log(`${'scenario'.padEnd(34)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'vs (a)'.padStart(7)} ${'µs CPU/req'.padStart(11)} ${'errors'.padStart(7)}`);
  for (const r of rows) {
    if (r.runs.length === 0) {
      console.log(`${r.name.padEnd(34)} ${r.note}`);
      continue;
    }
    const m = summary(r.runs);
    const ratio = `${((100 * m.rps) / ceiling).toFixed(0)}%`;
    console.log(`${r.name.padEnd(34)} ${m.rps.toFixed(0).padStart(9)} ${m.p50.toFixed(2).padStart(7)} ${m.p99.toFixed(2).padStart(7)} ${ratio.padStart(7)} ${(Number.isNaN(m.cpuUs) ? '-' : m.cpuUs.toFixed(1)).padStart(11)} ${String(m.errors).padStart(7)}`);
  }
  if (o.runs > 1) {
    console.log('');
    console.log(`req/s of each run: ${rows.filter((r) => r.runs.length).map((r) => `${r.name.slice(0, 3)} ${r.runs.map((m) => m.rps.toFixed(0)).join(' ')}`).join('; ')}`);
  }
  console.log('');
  for (const n of notes) console.log(n);
  if (postgres.runs.length > 0) {
    const d = summary(postgres.runs);
    const okRatio = d.rps / ceiling >= 0.4;
    const okP99 = d.p99 < 20;
    console.log(`target (d) ≥ 40% of (a) and p99 < 20 ms: ${okRatio && okP99 ? 'met' : 'NOT met'} (${((100 * d.rps) / ceiling).toFixed(0)}%, p99 ${d.p99.toFixed(2)} ms)`);
    const f = summary(floor.runs);
    console.log(`the server around the decision and the ledger: (d) reaches ${((100 * d.rps) / f.rps).toFixed(0)}% of its floor (f), which is ${((100 * f.rps) / ceiling).toFixed(0)}% of (a)`);
  }
}

if (process.argv[2] === '--bare') await serveBare();
else if (process.argv[2] === '--floor') await serveFloor();
else await main();
