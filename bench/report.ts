/**
 * bench:report — seeds a ledger with 1,000,000 decisions (BENCH_DECISIONS to
 * change it) spread over 90 days and times `generateReport` for SOC 2 over
 * that period, and for one tenant's pack; on SQLite always and on PostgreSQL
 * when BENCH_DATABASE_URL (or TEST_DATABASE_URL) is set. Reports wall time,
 * page count and peak resident memory (target: under 30 s and 1 GiB).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRegistry } from '../src/controls/index.js';
import { migrateLatest, openDatabase, type Database } from '../src/db/index.js';
import { generateReport, KeyStore, parsePeriod } from '../src/evidence/index.js';
import { seedLedger, writePolicyTree } from '../test/evidence/fixtures.js';

const N = Number(process.env.BENCH_DECISIONS ?? 1_000_000);
const PERIOD = parsePeriod('2025-01-01', '2025-03-31');

async function bench(name: string, db: Database, dir: string): Promise<void> {
  await migrateLatest(db);
  const t0 = performance.now();
  await seedLedger(db, { count: N, stepMs: Math.floor((90 * 86_400_000) / N) });
  console.log(`${name}: seeded ${N.toLocaleString('en-US')} decisions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const registry = (await loadRegistry('controls')).registry;
  const keyStore = new KeyStore({ dir: join(dir, 'keys'), env: { ATTEST_KEK: randomBytes(32).toString('base64') } });
  keyStore.activeKey();
  for (const tenant of [null, 'globex']) {
    let peak = process.memoryUsage().rss;
    const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
    const t = performance.now();
    const r = await generateReport({
      db, registry, framework: 'soc2', period: PERIOD, tenant, policiesDir: join(dir, 'policies'),
      requestedBy: 'bench', outDir: join(dir, `out-${tenant ?? 'all'}`), keyStore,
    });
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    const s = (performance.now() - t) / 1000;
    console.log(`${name}: report soc2${tenant ? ` tenant ${tenant}` : ''}: ${s.toFixed(2)} s, ${r.pages} pages, ${r.report.runtime.total.toLocaleString('en-US')} decisions, peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB ${s < 30 && peak < 2 ** 30 ? '(within target)' : '(OVER TARGET)'}`);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'attest-bench-report-'));
  writePolicyTree(join(dir, 'policies'));
  try {
    const sqlite = await openDatabase(`sqlite:${join(dir, 'bench.db')}`);
    try {
      await bench('SQLite', sqlite, dir);
    } finally {
      await sqlite.close();
    }
    const pg = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
    if (!pg) {
      console.log('PostgreSQL: skipped (set BENCH_DATABASE_URL)');
      return;
    }
    const schema = `attest_bench_${Date.now().toString(36)}`;
    const db = await openDatabase(pg, { schema });
    try {
      await bench('PostgreSQL', db, dir);
    } finally {
      await db.knex.raw('drop schema if exists ?? cascade', [schema]);
      await db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
