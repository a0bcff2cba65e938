/**
 * The ledger's asynchronous mode: decisions are accepted at once, nothing is
 * dropped while the database is away or the queue is full, and a spill file
 * left behind is written to the ledger by the next process.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateLatest } from '../../src/db/index.js';
import { AsyncLedger, DecisionLedger, LedgerError, verifyLedger, type DecisionInput } from '../../src/decisions/index.js';
import { forEachBackend } from '../db/backends.js';
import { toDecisionRow } from '../../src/decisions/record.js';
import { decision, resetLedgers } from './fixtures.js';

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

forEachBackend('the asynchronous ledger', (get) => {
  let dir: string;
  let file: string;
  before(async () => {
    await migrateLatest(get().db);
  });
  beforeEach(async () => {
    await resetLedgers(get().db);
    dir = mkdtempSync(join(tmpdir(), 'attest-spill-'));
    file = join(dir, 'spill', 'ledger-spill.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const stored = async () => (await get().db.knex('decisions').select('decision_id').orderBy('seq')).map((r: { decision_id: string }) => r.decision_id);

  it('accepts while the database is away, keeps every decision in the spill file, and writes them in order once it is back', async () => {
    const db = get().db;
    const ledger = new DecisionLedger(db);
    const log: string[] = [];
    const async = new AsyncLedger(ledger, { file, retryMs: 20, log: (m) => log.push(m) });
    await async.open();
    const before = Array.from({ length: 5 }, (_, i) => decision(i));
    const during = Array.from({ length: 40 }, (_, i) => decision(10 + i));
    try {
      await Promise.all(before.map((d) => async.record(d)));
      await until('the first decisions committed', async () => (await stored()).length === 5);
      await db.knex.schema.renameTable('decisions', 'decisions_away');
      try {
        for (const d of during) await async.record(d); // one at a time: each is accepted, none waits for the database
        await until('every decision is in the spill file', () => async.stats.pending === 0 && async.stats.spilled === during.length);
        const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { decision_id: string });
        expect(lines.map((l) => l.decision_id)).to.deep.equal(during.map((d) => d.decision_id));
      } finally {
        await db.knex.schema.renameTable('decisions_away', 'decisions');
      }
      await until('the spill file is written to the ledger', () => async.stats.spillBytes === 0 && async.stats.drained === during.length);
      expect(statSync(file).size).to.equal(0);
      expect(await stored()).to.deep.equal([...before, ...during].map((d) => d.decision_id));
      expect(log.join('\n')).to.match(/spilling decisions to/).and.match(/spilled decisions are in the ledger/);
    } finally {
      await async.close();
      await ledger.close();
    }
    expect(await verifyLedger(db)).to.include({ ok: true, checked: 45 });
  });

  it('spills what does not fit in the queue instead of dropping it', async () => {
    const ledger = new DecisionLedger(get().db);
    const async = new AsyncLedger(ledger, { file, maxPending: 4, retryMs: 20 });
    await async.open();
    const ds = Array.from({ length: 60 }, (_, i) => decision(i));
    try {
      await Promise.all(ds.map((d) => async.record(d)));
      expect(async.stats.spilled).to.be.above(0);
      await until('all are in the ledger', async () => (await stored()).length === ds.length);
      expect(new Set(await stored())).to.deep.equal(new Set(ds.map((d) => d.decision_id)));
    } finally {
      await async.close();
      await ledger.close();
    }
    expect((await verifyLedger(get().db)).ok).to.equal(true);
  });

  it('writes a spill file an earlier process left, skipping what that process had committed', async () => {
    const ds: DecisionInput[] = Array.from({ length: 6 }, (_, i) => decision(i));
    ds[3] = decision(3, { input: { pad: 'x'.repeat(1_500_000) } }); // larger than the chunk the file is read in
    const first = new DecisionLedger(get().db);
    await first.commit(ds[0]); // committed, and (as after a crash between commit and truncation) also in the file
    await first.close();
    mkdirSync(join(dir, 'spill'));
    writeFileSync(file, ds.map((d) => JSON.stringify(toDecisionRow(d)) + '\n').join(''));

    const ledger = new DecisionLedger(get().db);
    const async = new AsyncLedger(ledger, { file, retryMs: 20 });
    try {
      await async.open();
      await until('the file is written', () => async.stats.spillBytes === 0);
      expect(await stored()).to.deep.equal(ds.map((d) => d.decision_id));
    } finally {
      await async.close();
      await ledger.close();
    }
  });

  it('cuts an unfinished last record and keeps a damaged line aside, writing the rest', async () => {
    const ds = Array.from({ length: 3 }, (_, i) => decision(i));
    mkdirSync(join(dir, 'spill'));
    const lines = ds.map((d) => JSON.stringify(toDecisionRow(d)));
    writeFileSync(file, `${lines[0]}\nnot json at all\n${lines[1]}\n${lines[2]}\n${lines[2].slice(0, 40)}`);
    const log: string[] = [];
    const ledger = new DecisionLedger(get().db);
    const async = new AsyncLedger(ledger, { file, retryMs: 20, log: (m) => log.push(m) });
    try {
      await async.open();
      await until('the file is written', () => async.stats.spillBytes === 0);
      expect(await stored()).to.deep.equal(ds.map((d) => d.decision_id));
      expect(readFileSync(`${file}.bad`, 'utf8')).to.equal('not json at all\n');
      expect(log.join('\n')).to.match(/cut 40 bytes of an unfinished record/);
    } finally {
      await async.close();
      await ledger.close();
    }
  });

  it('fails closed when neither the database nor the spill file can take a decision', async function () {
    // A full disk: every write to /dev/full fails with ENOSPC.
    if (!existsSync('/dev/full')) this.skip();
    const db = get().db;
    const ledger = new DecisionLedger(db);
    const async = new AsyncLedger(ledger, { file: '/dev/full', maxPending: 1, retryMs: 20 });
    await async.open();
    await db.knex.schema.renameTable('decisions', 'decisions_away');
    try {
      const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => async.record(decision(i))));
      const refused = results.filter((r) => r.status === 'rejected');
      expect(refused.length).to.be.above(0);
      for (const r of refused) expect(((r as PromiseRejectedResult).reason as LedgerError).code).to.equal('ledger_unavailable');
    } finally {
      await db.knex.schema.renameTable('decisions_away', 'decisions');
      await async.close();
      await ledger.close();
    }
  });

  it('refuses an invalid record at once', async () => {
    const ledger = new DecisionLedger(get().db);
    const async = new AsyncLedger(ledger, { file });
    await async.open();
    try {
      const err = await async.record({ ...decision(1), decision_id: 'not-a-uuid' }).then(() => undefined, (e: unknown) => e);
      expect((err as LedgerError).code).to.equal('invalid_record');
    } finally {
      await async.close();
      await ledger.close();
    }
  });
});
