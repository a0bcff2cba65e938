/**
 * The ledger behind the HTTP API, on SQLite and (with TEST_DATABASE_URL)
 * PostgreSQL: concurrent decisions share transactions, every answered
 * decision is a row, and the chain verifies.
 */
import { expect } from 'chai';
import { listDecisions, verifyLedger, type DecisionRecord } from '../../src/decisions/index.js';
import { join } from 'node:path';
import { loadCheckpointSigner, type RunningServer } from '../../src/server/index.js';
import { forEachBackend } from '../db/backends.js';
import { allowedInput, deniedInput, get as getPath, post, serve, workspace, type Workspace } from './helpers.js';

async function allDecisions(db: Parameters<typeof listDecisions>[0]): Promise<DecisionRecord[]> {
  const out: DecisionRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await listDecisions(db, {}, { limit: 1000, cursor, order: 'asc' });
    out.push(...page.decisions);
    cursor = page.next;
  } while (cursor);
  return out;
}

forEachBackend('1,000 concurrent decisions over HTTP', (get) => {
  let ws: Workspace;
  let server: RunningServer;

  before(async () => {
    ws = workspace();
    server = await serve(ws, get(), { checkpointIntervalMs: 100 });
  });

  after(async () => {
    await server?.close();
    ws?.dispose();
  });

  it('give 1,000 ledger rows, in fewer transactions, and a chain that verifies', async function () {
    this.timeout(120000);
    const n = 1000;
    // Hold the ledger's head for a moment, as a slow database would: the decisions that
    // arrive meanwhile wait for the commit in flight, and then must share transactions.
    // (Without the hold, batching depends on how fast this process's own client sends.)
    let locked!: () => void;
    const headLocked = new Promise<void>((resolve) => (locked = resolve));
    const held = get().db.knex.transaction(async (trx) => {
      await trx.raw("UPDATE ledger_head SET updated_at = updated_at WHERE ledger = 'decisions'");
      locked();
      await new Promise((r) => setTimeout(r, 500));
    });
    await headLocked;
    const replies = await Promise.all(Array.from({ length: n }, (_, i) =>
      post(server.url, '/v1/data/access/decision', JSON.stringify({ input: i % 2 ? allowedInput(i) : deniedInput(i) }))));
    await held;
    expect(replies.map((r) => r.status).filter((s) => s !== 200)).to.deep.equal([]);
    const ids = replies.map((r) => r.body.decision_id as string);
    expect(new Set(ids).size).to.equal(n);

    const rows = await allDecisions(get().db);
    expect(rows).to.have.length(n);
    expect(new Set(rows.map((r) => r.decision_id))).to.deep.equal(new Set(ids));
    expect(rows.map((r) => r.seq)).to.deep.equal(Array.from({ length: n }, (_, i) => i + 1));
    expect(rows.filter((r) => r.outcome === 'allow')).to.have.length(n / 2);

    const stats = server.state.ledger?.stats;
    expect(stats?.records).to.equal(n);
    // Group commit: the decisions that arrived during the hold share transactions. How
    // many share each one afterwards depends on this process's client, which sends slowly
    // next to a database that commits in a millisecond; the bound for concurrent appends
    // (1,000 in at most 10 transactions) is in test/decisions.
    expect(stats?.transactions).to.be.below(n);
    expect(stats?.largestBatch).to.be.above(1);

    const report = await verifyLedger(get().db);
    expect(report).to.include({ ok: true, checked: n });
  });

  it('writes signed checkpoints of the chain head that verify with the server key', async () => {
    await new Promise((r) => setTimeout(r, 400));
    const signer = loadCheckpointSigner(join(ws.dir, 'checkpoint-key.pem'), false);
    expect(signer).to.not.equal(undefined);
    const report = await verifyLedger(get().db, { signers: signer ? [signer] : [] });
    expect(report.ok).to.equal(true);
    expect(report.checkpoints.checked).to.be.at.least(1);
    expect(report.checkpoints.signaturesVerified).to.equal(report.checkpoints.checked);
  });

  it('stores the sources of the serving revision once, for replay', async () => {
    const rev = server.state.snapshots.current?.revision as string;
    const rows = await get().db.knex('policy_revisions').select('id');
    expect(rows.map((r: { id: string }) => r.id)).to.deep.equal([rev]);
  });
});

forEachBackend('the decision service in asynchronous ledger mode', (get) => {
  let ws: Workspace;
  let server: RunningServer;

  before(async () => {
    ws = workspace();
    server = await serve(ws, get(), { ledgerMode: 'async', spillFile: join(ws.dir, 'spill.jsonl') });
  });

  after(async () => {
    // Also when the backend was skipped and nothing was started.
    await server?.close();
    ws?.dispose();
  });

  it('keeps answering while the database is away, and every answered decision reaches the ledger afterwards', async () => {
    const db = get().db;
    const ask = () => post(server.url, '/v1/data/access/decision', JSON.stringify({ input: deniedInput() }));
    const first = await Promise.all(Array.from({ length: 20 }, ask));
    await db.knex.schema.renameTable('decisions', 'decisions_away');
    let during: Awaited<ReturnType<typeof ask>>[];
    try {
      during = await Promise.all(Array.from({ length: 30 }, ask));
      for (const r of during) expect(r.status, JSON.stringify(r.body)).to.equal(200);
      // Their commits fail behind the answers; the records go to the spill file.
      const spilled = async () => Number(/^attest_ledger_spilled_total (\d+)$/m.exec((await getPath(server.url, '/metrics')).text)?.[1]);
      const end = Date.now() + 10_000;
      while ((await spilled()) === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(await spilled()).to.be.above(0);
    } finally {
      await db.knex.schema.renameTable('decisions_away', 'decisions');
    }
    const answered = [...first, ...during].map((r) => r.body.decision_id as string);
    const end = Date.now() + 10_000;
    let stored = new Set<string>();
    while (Date.now() < end) {
      stored = new Set((await allDecisions(db)).map((d) => d.decision_id));
      if (answered.every((id) => stored.has(id))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(answered.filter((id) => !stored.has(id))).to.deep.equal([]);
    expect(await verifyLedger(db)).to.include({ ok: true });
    expect((await getPath(server.url, '/metrics')).text).to.match(/^attest_ledger_spill_bytes 0$/m);
  });
});
