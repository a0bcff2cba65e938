import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { migrateLatest } from '../../src/db/index.js';
import { listDecisions, verifyLedger, type DecisionRecord } from '../../src/decisions/index.js';
import { forEachBackend } from '../db/backends.js';

const WORKER = fileURLToPath(new URL('./append-worker.js', import.meta.url));

interface WorkerOutput {
  label: string;
  ids: string[];
  stats: { transactions: number; records: number };
}

function runWorker(url: string, schema: string | undefined, count: number, label: string): Promise<WorkerOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, url, schema ?? '-', String(count), label], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`worker ${label} exited with ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').pop() as string) as WorkerOutput);
    });
  });
}

forEachBackend('two processes sharing one ledger', (get) => {
  before(async () => {
    await migrateLatest(get().db);
  });

  it('build one chain that verifies, with every decision of both', async function () {
    this.timeout(120000);
    const { url, schema, db } = get();
    const count = 600;
    const [a, b] = await Promise.all([runWorker(url, schema, count, 'proc-a'), runWorker(url, schema, count, 'proc-b')]);
    expect(a.ids).to.have.length(count);
    expect(b.ids).to.have.length(count);
    expect(a.stats.transactions).to.be.below(count);

    const stored: DecisionRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await listDecisions(db, {}, { limit: 1000, cursor, order: 'asc' });
      stored.push(...page.decisions);
      cursor = page.next;
    } while (cursor);
    expect(stored).to.have.length(2 * count);
    expect(new Set(stored.map((d) => d.decision_id))).to.deep.equal(new Set([...a.ids, ...b.ids]));
    expect(stored.map((d) => d.seq)).to.deep.equal(Array.from({ length: 2 * count }, (_, i) => i + 1));

    const report = await verifyLedger(db);
    expect(report).to.include({ ok: true, checked: 2 * count });
  });
});
