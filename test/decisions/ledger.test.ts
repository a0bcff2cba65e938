import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { migrateLatest, openDatabase } from '../../src/db/index.js';
import {
  DecisionLedger, DuplicateRecordError, GENESIS_HASH, LedgerError, appendAdminAction, ed25519Signer, getDecision,
  listDecisions, verifyAdminAudit, verifyLedger, writeCheckpoint, type DecisionRecord, type VerifyReport,
} from '../../src/decisions/index.js';
import { rowHash } from '../../src/decisions/chain.js';
import { DECISIONS, toDecisionRow, type DecisionRow } from '../../src/decisions/record.js';
import { forEachBackend } from '../db/backends.js';
import { decision, resetLedgers } from './fixtures.js';

async function expectLedgerError(p: Promise<unknown>, code: string): Promise<LedgerError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(LedgerError);
    expect((err as LedgerError).code).to.equal(code);
    return err as LedgerError;
  }
  throw new Error(`expected a ${code} error`);
}

function firstBad(report: VerifyReport) {
  expect(report.ok, 'verification should fail').to.equal(false);
  const { kind, seq, id } = report.firstBad ?? { kind: undefined, seq: undefined, id: undefined };
  return { kind, seq, id };
}

forEachBackend('decision ledger', (get, backend) => {
  let ledger: DecisionLedger;

  before(async () => {
    await migrateLatest(get().db);
  });
  beforeEach(async () => {
    await resetLedgers(get().db);
    ledger = new DecisionLedger(get().db);
  });
  afterEach(async () => {
    await ledger.close();
  });

  async function appendMany(count: number): Promise<DecisionRecord[]> {
    const out: DecisionRecord[] = [];
    for (let i = 0; i < count; i++) out.push(await ledger.append(decision(i)));
    return out;
  }

  it('commits 1,000 concurrent appends in a few transactions and the chain verifies', async () => {
    const appended = await Promise.all(Array.from({ length: 1000 }, (_, i) => ledger.append(decision(i))));
    const seqs = appended.map((r) => r.seq).sort((a, b) => a - b);
    expect(seqs).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i + 1));
    const [{ n }] = (await get().db.knex('decisions').count({ n: '*' })) as Array<{ n: unknown }>;
    expect(Number(n)).to.equal(1000);
    expect(ledger.stats.records).to.equal(1000);
    expect(ledger.stats.transactions).to.be.at.most(10);
    // Batches hold at most 512 entries; the SQLite writer thread merges waiting batches into one transaction of at most 2,048.
    expect(ledger.stats.largestBatch).to.be.at.most(get().db.postgres ? 512 : 2048);
    const report = await verifyLedger(get().db);
    expect(report).to.include({ ok: true, checked: 1000, from: 1, to: 1000 });
    expect(report.head.seq).to.equal(1000);
  });

  it('chains each record to its predecessor and returns what it stored', async () => {
    const [a, b] = await appendMany(2);
    expect(a.prev_hash).to.equal(GENESIS_HASH);
    expect(b.prev_hash).to.equal(a.hash);
    const stored = await getDecision(get().db, b.decision_id);
    expect(stored).to.deep.equal(b);
    expect(stored?.input).to.deep.equal({ user: 'user-1', action: 'read', resource: { id: 1, big: 18446744073709551615n } });
    expect(stored?.outcome).to.equal('deny');
    expect(await getDecision(get().db, randomUUID())).to.equal(undefined);
  });

  it('keeps an undefined result and a missing input apart from null', async () => {
    const rec = await ledger.append(decision(1, { input: undefined, result: undefined }));
    const nul = await ledger.append(decision(2, { input: null, result: null }));
    expect(await getDecision(get().db, rec.decision_id)).to.not.have.any.keys('input', 'result');
    expect(rec.outcome).to.equal('undefined');
    expect(await getDecision(get().db, nul.decision_id)).to.include({ input: null, result: null, outcome: 'defined' });
    expect((await verifyLedger(get().db)).ok).to.equal(true);
  });

  it('keeps an ad-hoc query\'s text in the record and under its hash, and other records as they were', async () => {
    const plain = await ledger.append(decision(1));
    const asked = await ledger.append(decision(2, { path: '', query: 'x := data.roles[_]', result: [{ x: 'viewer' }], outcome: 'defined' }));
    expect(plain).to.not.have.any.keys('query');
    expect(await getDecision(get().db, asked.decision_id)).to.deep.include({ path: '', query: 'x := data.roles[_]', result: [{ x: 'viewer' }] });
    // The query is hashed: changing it breaks the chain at that record.
    expect((await verifyLedger(get().db)).ok).to.equal(true);
    await get().db.knex('decisions').where({ seq: asked.seq }).update({ query: 'x := data.secrets[_]' });
    const report = await verifyLedger(get().db);
    expect(report.ok).to.equal(false);
    expect(report.firstBad?.seq).to.equal(asked.seq);
  });

  it('rejects a duplicate decision id and still commits the rest of its batch', async () => {
    const first = await ledger.append(decision(1));
    const results = await Promise.allSettled([ledger.append(decision(2)), ledger.append(decision(3, { decision_id: first.decision_id })), ledger.append(decision(4))]);
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).to.be.instanceOf(DuplicateRecordError);
    expect((await verifyLedger(get().db)).ok).to.equal(true);
  });

  it('rejects invalid records before they reach the queue', async () => {
    await expectLedgerError(ledger.append(decision(1, { decision_id: 'not-a-uuid' })), 'invalid_record');
    await expectLedgerError(ledger.append(decision(1, { timestamp: 'yesterday' })), 'invalid_record');
    await expectLedgerError(ledger.append(decision(1, { input: { x: Number.NaN } })), 'invalid_record');
  });

  it('filters by path, outcome, tenant, enforcement point and time, paging by keyset', async () => {
    await Promise.all(Array.from({ length: 60 }, (_, i) => ledger.append(decision(i))));
    const db = get().db;
    const all: DecisionRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await listDecisions(db, { tenant: 'tenant-0', outcome: 'allow' }, { limit: 4, cursor });
      all.push(...page.decisions);
      cursor = page.next;
    } while (cursor);
    const expected = Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 3 === 0 && i % 2 === 0);
    expect(all.map((d) => (d.input as { user: string }).user).sort()).to.deep.equal(expected.map((i) => `user-${i}`).sort());
    expect(new Set(all.map((d) => d.seq)).size).to.equal(all.length);
    expect(all.map((d) => d.seq)).to.deep.equal([...all.map((d) => d.seq)].sort((a, b) => b - a));

    const mfa = await listDecisions(db, { enforcementPoint: 'ep.access.mfa' }, { limit: 1000 });
    expect(mfa.decisions).to.have.length(15);
    expect(mfa.decisions.every((d) => d.enforcement_points.includes('ep.access.mfa'))).to.equal(true);

    const moderation = await listDecisions(db, { path: 'moderation/decision' }, { limit: 1000, order: 'asc' });
    expect(moderation.decisions).to.have.length(12);
    expect((await listDecisions(db, { pathPrefix: 'moder' }, { limit: 1000 })).decisions).to.have.length(12);

    const window = await listDecisions(db, { from: '2025-01-01T00:00:00.010Z', to: new Date(Date.UTC(2025, 0, 1, 0, 0, 0, 20)) }, { limit: 1000 });
    expect(window.decisions.map((d) => (d.input as { user: string }).user).sort()).to.deep.equal(Array.from({ length: 10 }, (_, i) => `user-${i + 10}`).sort());
  });

  describe('tamper evidence', () => {
    let recs: DecisionRecord[];
    beforeEach(async () => {
      recs = await appendMany(20);
      expect((await verifyLedger(get().db)).ok).to.equal(true);
    });

    it('names a record whose field was changed', async () => {
      expect(recs[7].outcome).to.equal('deny');
      await get().db.knex('decisions').where({ seq: 8 }).update({ outcome: 'allow' });
      expect(firstBad(await verifyLedger(get().db))).to.deep.equal({ kind: 'changed', seq: 8, id: recs[7].decision_id });
    });

    it('names a record whose input was rewritten', async () => {
      await get().db.knex('decisions').where({ seq: 3 }).update({ input: '{"user":"mallory"}' });
      expect(firstBad(await verifyLedger(get().db))).to.deep.equal({ kind: 'changed', seq: 3, id: recs[2].decision_id });
    });

    it('names a record that was changed and re-hashed', async () => {
      const db = get().db;
      const row = DECISIONS.fromDb(await db.knex('decisions').where({ seq: 9 }).first());
      const forged = { ...row, tenant: 'tenant-x' };
      forged.hash = rowHash(DECISIONS, forged);
      await db.knex('decisions').where({ seq: 9 }).update({ tenant: forged.tenant, hash: forged.hash });
      expect(firstBad(await verifyLedger(db))).to.deep.equal({ kind: 'changed', seq: 9, id: recs[8].decision_id });
    });

    it('names the gap left by a deleted record', async () => {
      await get().db.knex('decisions').where({ seq: 7 }).del();
      expect(firstBad(await verifyLedger(get().db))).to.deep.equal({ kind: 'deleted', seq: 7, id: recs[7].decision_id });
    });

    it('notices the last record deleted', async () => {
      await get().db.knex('decisions').where({ seq: 20 }).del();
      expect(firstBad(await verifyLedger(get().db))).to.include({ kind: 'deleted', seq: 20 });
    });

    it('names a record inserted into the middle', async () => {
      const db = get().db;
      // Make room at seq 7, then insert a forged record chained to record 6.
      await db.knex('decisions').where('seq', '>=', 7).update({ seq: db.knex.raw('seq + 1000') });
      await db.knex('decisions').where('seq', '>=', 1000).update({ seq: db.knex.raw('seq - 999') });
      const forged = { ...toDecisionRow(decision(99)), seq: 7, prev_hash: recs[5].hash, hash: '' } as DecisionRow;
      forged.hash = rowHash(DECISIONS, forged);
      await db.knex('decisions').insert(forged);
      expect(firstBad(await verifyLedger(db))).to.deep.equal({ kind: 'inserted', seq: 7, id: forged.decision_id });
    });

    it('names a record appended behind the ledger head', async () => {
      const db = get().db;
      const forged = { ...toDecisionRow(decision(99)), seq: 21, prev_hash: recs[19].hash, hash: '' } as DecisionRow;
      forged.hash = rowHash(DECISIONS, forged);
      await db.knex('decisions').insert(forged);
      expect(firstBad(await verifyLedger(db))).to.deep.equal({ kind: 'inserted', seq: 21, id: forged.decision_id });
    });

    it('names the first of two swapped records', async () => {
      const db = get().db;
      await db.knex('decisions').where({ seq: 5 }).update({ seq: -5 });
      await db.knex('decisions').where({ seq: 12 }).update({ seq: 5 });
      await db.knex('decisions').where({ seq: -5 }).update({ seq: 12 });
      expect(firstBad(await verifyLedger(db))).to.deep.equal({ kind: 'reordered', seq: 5, id: recs[11].decision_id });
    });

    it('verifies a range by seq or by time', async () => {
      await get().db.knex('decisions').where({ seq: 16 }).update({ outcome: 'allow' });
      expect((await verifyLedger(get().db, { from: 2, to: 15 })).ok).to.equal(true);
      expect(firstBad(await verifyLedger(get().db, { from: 10 }))).to.include({ kind: 'changed', seq: 16 });
      const byTime = await verifyLedger(get().db, { from: '2025-01-01T00:00:00.003Z', to: '2025-01-01T00:00:00.010Z' });
      expect(byTime).to.include({ ok: true, from: 4, to: 10, checked: 7 });
    });

    it('signs checkpoints that catch a rewritten chain', async () => {
      const db = get().db;
      const signer = ed25519Signer();
      const cp = await writeCheckpoint(db, signer);
      expect(cp).to.include({ ledger: 'decisions', seq: 20, head_hash: recs[19].hash, record_count: 20, key_id: signer.keyId });
      expect((await verifyLedger(db, { signers: [signer] })).checkpoints).to.include({ checked: 1, signaturesVerified: 1 });

      // Rewrite records 7..20 consistently, head included: the chain alone cannot tell.
      const rows = (await db.knex('decisions').where('seq', '>=', 7).orderBy('seq')).map((r: Record<string, unknown>) => DECISIONS.fromDb(r));
      let prev = recs[5].hash;
      for (const row of rows) {
        const forged = { ...row, prev_hash: prev, outcome: row.seq === 8 ? 'allow' : row.outcome };
        forged.hash = rowHash(DECISIONS, forged);
        await db.knex('decisions').where({ seq: row.seq }).update({ outcome: forged.outcome, prev_hash: forged.prev_hash, hash: forged.hash });
        prev = forged.hash;
      }
      await db.knex('ledger_head').where({ ledger: 'decisions' }).update({ hash: prev });
      const report = await verifyLedger(db, { signers: [signer] });
      expect(report.firstBad).to.equal(undefined);
      expect(report.ok).to.equal(false);
      expect(report.checkpoints.firstBad).to.include({ checkpointId: cp.id, seq: 20 });
    });

    it('detects a forged checkpoint signature', async () => {
      const db = get().db;
      const signer = ed25519Signer();
      const cp = await writeCheckpoint(db, signer);
      await db.knex('ledger_checkpoints').where({ id: cp.id }).update({ record_count: 19 });
      const report = await verifyLedger(db, { signers: [signer] });
      expect(report.ok).to.equal(false);
      expect(report.checkpoints.firstBad?.message).to.match(/bad signature/);
      expect((await verifyLedger(db)).checkpoints).to.include({ signaturesUnchecked: 1 });
    });
  });

  describe('admin audit log', () => {
    it('chains admin actions with the same code and detects changes', async () => {
      const db = get().db;
      const a = await appendAdminAction(db, { actor: 'alice', action: 'policy.reload', details: { revision: 'rev-2' } });
      const b = await appendAdminAction(db, { actor: 'bob', action: 'client.revoke', target: 'client-a', tenant: 'tenant-1' });
      expect(b.prev_hash).to.equal(a.hash);
      expect((await verifyAdminAudit(db)).ok).to.equal(true);
      await db.knex('admin_audit').where({ seq: 1 }).update({ actor: 'mallory' });
      expect(firstBad(await verifyAdminAudit(db))).to.deep.equal({ kind: 'changed', seq: 1, id: a.entry_id });
      expect((await verifyLedger(db)).ok).to.equal(true); // the decision ledger is a separate chain
    });
  });

  describe('failing closed', () => {
    it('rejects with ledger_unavailable once the database handle is gone', async () => {
      const { url, schema } = get();
      const db = await openDatabase(url, schema ? { schema } : {});
      const lost = new DecisionLedger(db);
      await lost.append(decision(1));
      await db.close();
      await expectLedgerError(lost.append(decision(2)), 'ledger_unavailable');
    });

    it('rejects every waiting append when the tables are gone, and recovers after migration', async () => {
      const own = await backend.create();
      try {
        await migrateLatest(own.db);
        const l = new DecisionLedger(own.db);
        await l.append(decision(1));
        await own.db.knex.schema.dropTable('decision_enforcement_points');
        await own.db.knex.schema.dropTable('decisions');
        const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => l.append(decision(i))));
        for (const r of results) {
          expect(r.status).to.equal('rejected');
          expect(((r as PromiseRejectedResult).reason as LedgerError).code).to.equal('ledger_unavailable');
        }
        // Re-create the ledger's tables: their first migration and the one that added a column to them.
        await own.db.knex('knex_migrations').where('name', 'like', '%decision_ledger%').orWhere('name', 'like', '%decision_queries%').del();
        await own.db.knex.schema.dropTable('ledger_checkpoints');
        await own.db.knex.schema.dropTable('ledger_head');
        await migrateLatest(own.db);
        expect((await l.append(decision(2))).seq).to.equal(1);
        await l.close();
      } finally {
        await own.dispose();
      }
    });

    if (backend.name === 'PostgreSQL') {
      it('rejects with ledger_unavailable when the server does not answer', async () => {
        const db = await openDatabase('postgres://postgres@127.0.0.1:1/nowhere', { timeoutMs: 1000, log: () => undefined });
        const l = new DecisionLedger(db);
        try {
          const err = await expectLedgerError(l.append(decision(1)), 'ledger_unavailable');
          // The reason reaches the operator in the error itself.
          expect(err.message).to.match(/could not be written: .*ECONNREFUSED/);
        } finally {
          await l.close();
          await db.close();
        }
      });
    }
  });
});
