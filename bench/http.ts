/**
 * HTTP benchmark of the decision service, on loopback with autocannon, side
 * by side in one run:
 *
 *   (a) a bare Koa handler returning a constant — the ceiling on this machine
 *   (b) a decision without the ledger (`attest serve --no-ledger`)
 *   (c) a decision with the durable ledger on SQLite
 *   (d) a decision with the durable ledger on PostgreSQL
 *       (BENCH_DATABASE_URL, TEST_DATABASE_URL or a postgres DATABASE_URL)
 *
 * Each server runs in its own process, so the load generator does not share
 * its event loop. Prints requests per second, p50 and p99 latency and the
 * ratio to (a), and checks afterwards that every answered decision is in the
 * ledger and that the chain verifies.
 *
 *   npm run bench:http [-- --connections 64 --duration 10]
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import { openDatabase, type Database } from '../src/db/index.js';
import { verifyLedger } from '../src/decisions/index.js';

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
}

function options(argv: string[]): Options {
  const o: Options = { connections: 64, duration: 10, warmup: 2 };
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
}

async function measure(url: string, path: string, o: Options): Promise<Measure> {
  const request = { method: 'POST' as const, path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(INPUT) };
  if (o.warmup > 0) await autocannon({ url, connections: o.connections, duration: o.warmup, requests: [request] });
  const r = await autocannon({ url, connections: o.connections, duration: o.duration, requests: [request] });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    ok: r['2xx'],
    errors: r.errors + r.timeouts + r.non2xx,
  };
}

interface Row {
  name: string;
  m?: Measure;
  note?: string;
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
  const serveArgs = [BIN, 'serve', '--port', '0', '--policies', POLICIES, '--controls', join(ROOT, 'controls'), '--no-watch', '--checkpoint-interval', '0'];
  const rows: Row[] = [];
  const notes: string[] = [];
  console.log(`attest bench:http — ${o.connections} connections, ${o.duration}s per scenario after ${o.warmup}s warm-up, ${cpus().length} CPU(s), Node ${process.version}`);

  try {
    const bare = await spawnUntilListening([SELF, '--bare'], {}, work);
    try {
      rows.push({ name: '(a) bare Koa, constant', m: await measure(bare.url, '/', o) });
    } finally {
      await stop(bare);
    }

    const noLedger = await spawnUntilListening([...serveArgs, '--no-ledger'], {}, work);
    try {
      rows.push({ name: '(b) decision, no ledger', m: await measure(noLedger.url, decisionPath, o) });
    } finally {
      await stop(noLedger);
    }

    const sqliteUrl = `sqlite:${join(work, 'bench.db')}`;
    const sqlite = await spawnUntilListening(serveArgs, { DATABASE_URL: sqliteUrl }, work);
    let sqliteMeasure: Measure | undefined;
    try {
      sqliteMeasure = await measure(sqlite.url, decisionPath, o);
      rows.push({ name: '(c) durable ledger, SQLite', m: sqliteMeasure });
    } finally {
      await stop(sqlite);
    }
    const sdb = await openDatabase(sqliteUrl);
    try {
      notes.push(`(c) ${await checkLedger(sdb, sqliteMeasure.ok)}`);
    } finally {
      await sdb.close();
    }

    const pg = postgresUrl();
    if (!pg) {
      rows.push({ name: '(d) durable ledger, PostgreSQL', note: 'skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL to a postgres:// URL' });
    } else {
      const schema = `attest_bench_${process.pid}`;
      const admin = await openDatabase(pg, { schema });
      const childUrl = `${pg}${pg.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      try {
        const server = await spawnUntilListening(serveArgs, { DATABASE_URL: childUrl }, work);
        let pgMeasure: Measure | undefined;
        try {
          pgMeasure = await measure(server.url, decisionPath, o);
          rows.push({ name: '(d) durable ledger, PostgreSQL', m: pgMeasure });
        } finally {
          await stop(server);
        }
        notes.push(`(d) ${await checkLedger(admin, pgMeasure.ok)}`);
      } finally {
        await admin.knex.raw('drop schema if exists ?? cascade', [schema]).catch(() => undefined);
        await admin.close();
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const ceiling = rows[0].m?.rps ?? NaN;
  console.log('');
  console.log(`${'scenario'.padEnd(34)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'vs (a)'.padStart(7)} ${'errors'.padStart(7)}`);
  for (const r of rows) {
    if (!r.m) {
      console.log(`${r.name.padEnd(34)} ${r.note}`);
      continue;
    }
    const ratio = `${((100 * r.m.rps) / ceiling).toFixed(0)}%`;
    console.log(`${r.name.padEnd(34)} ${r.m.rps.toFixed(0).padStart(9)} ${r.m.p50.toFixed(2).padStart(7)} ${r.m.p99.toFixed(2).padStart(7)} ${ratio.padStart(7)} ${String(r.m.errors).padStart(7)}`);
  }
  console.log('');
  for (const n of notes) console.log(n);
  const d = rows.find((r) => r.name.startsWith('(d)'))?.m;
  if (d) {
    const okRatio = d.rps / ceiling >= 0.4;
    const okP99 = d.p99 < 20;
    console.log(`target (d) ≥ 40% of (a) and p99 < 20 ms: ${okRatio && okP99 ? 'met' : 'NOT met'} (${((100 * d.rps) / ceiling).toFixed(0)}%, p99 ${d.p99.toFixed(2)} ms)`);
  }
}

if (process.argv[2] === '--bare') await serveBare();
else await main();
