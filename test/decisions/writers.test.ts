/**
 * The ledger's batch writers: the hand-written hash body agrees with the
 * canonical one, writers sharing a database (as separate processes would)
 * keep one chain, a head moved behind a writer's back is noticed, and each
 * writer kind builds the same chain.
 */
import { expect } from 'chai';
import { migrateLatest } from '../../src/db/index.js';
import { DecisionLedger, LedgerError, canonicalJson, getDecision, verifyLedger } from '../../src/decisions/index.js';
import { DECISIONS, toDecisionRow, type DecisionRow } from '../../src/decisions/record.js';
import { batchStatement, bindBatch } from '../../src/decisions/pg-statement.js';
import { forEachBackend } from '../db/backends.js';
import { decision, resetLedgers } from './fixtures.js';

function chained(i: number, extra: Parameters<typeof decision>[1] = {}): DecisionRow {
  return { ...toDecisionRow(decision(i, extra)), seq: i + 1, prev_hash: 'ab'.repeat(32), hash: '' };
}

describe('decision hash body', () => {
  it('is written by hand exactly as canonical JSON writes the body', () => {
    const rows: DecisionRow[] = [
      chained(1),
      chained(2, { input: undefined, result: undefined, caller: null, tenant: null, environment: null, enforcement_points: [] }),
      chained(3, { erased: ['/input/password'], masked: ['/input/ssn'], input: { 'é"\\\n': ['\u2028', -0, 1e21, 0.1] } }),
      chained(4, { result: null, input: null, path: '', caller: 'ünïcode "quoted"' }),
    ];
    for (const row of rows) {
      expect(DECISIONS.bodyText?.(row)).to.equal(canonicalJson(DECISIONS.body(row)));
    }
  });

  it('splits around prev_hash and seq exactly where PostgreSQL puts them back', () => {
    for (const row of [chained(1), chained(2, { result: undefined, input: undefined, erased: ['/input/a'] }), chained(3, { path: 'a"b' })]) {
      const [pre, mid, post] = DECISIONS.bodyParts?.(row) ?? ['', '', ''];
      expect(pre + JSON.stringify(row.prev_hash) + mid + String(row.seq) + post).to.equal(DECISIONS.bodyText?.(row));
    }
  });

  it('refuses, for PostgreSQL, a JSON column holding a raw control character (no canonical JSON does)', () => {
    const row = toDecisionRow(decision(1));
    const statement = batchStatement(DECISIONS, new Map(DECISIONS.columns.map((c) => [c, 'text'])));
    expect(() => bindBatch(DECISIONS, statement, [row], 'now')).to.not.throw();
    expect(() => bindBatch(DECISIONS, statement, [{ ...row, input: JSON.stringify({ a: String.fromCharCode(0x1f) }) }], 'now')).to.not.throw(); // escaped by JSON: fine
    expect(() => bindBatch(DECISIONS, statement, [{ ...row, input: `{"a":"${String.fromCharCode(0x1f)}"}` }], 'now')).to.throw(LedgerError, /raw control character/);
  });

  it('names where a value is not JSON', () => {
    expect(() => canonicalJson({ a: [1, { b: Number.NaN }] })).to.throw(TypeError, /\/a\/1\/b/);
    expect(() => canonicalJson(undefined)).to.throw(TypeError, /at \/$/);
  });
});

forEachBackend('ledger writers', (get) => {
  before(async () => {
    await migrateLatest(get().db);
  });
  beforeEach(async () => {
    await resetLedgers(get().db);
  });

  it('keep one chain when two ledgers append to one database at once', async function () {
    this.timeout(60000);
    const a = new DecisionLedger(get().db);
    const b = new DecisionLedger(get().db);
    try {
      // Waves from both sides, so each keeps finding the head moved by the other.
      for (let wave = 0; wave < 10; wave++) {
        await Promise.all([
          ...Array.from({ length: 20 }, (_, i) => a.commit(decision(wave * 40 + i))),
          ...Array.from({ length: 20 }, (_, i) => b.commit(decision(wave * 40 + 20 + i))),
        ]);
      }
    } finally {
      await a.close();
      await b.close();
    }
    const report = await verifyLedger(get().db);
    expect(report).to.include({ ok: true, checked: 400 });
    const [{ n }] = (await get().db.knex('decision_enforcement_points').count({ n: '*' })) as Array<{ n: unknown }>;
    expect(Number(n)).to.equal(500); // 100 decisions with two points, 300 with one
  });

  it('store every text exactly as given, whatever characters it holds', async () => {
    // The PostgreSQL writer sends columns as array literals: quotes, backslashes,
    // braces, commas, the word NULL and empty strings must all come back unchanged.
    const awkward = ['"', '\\', '{a,b}', 'NULL', '', ' spaced ', 'line\nbreak', 'tab\t', 'ünï "cödé" \\"', '\u2028', 'a,b', '{}'];
    const ledger = new DecisionLedger(get().db);
    const want = awkward.map((text, i) =>
      decision(i, { input: { text, [text]: i }, caller: text, tenant: text === '' ? null : text, path: `p/${i}`, enforcement_points: [`ep.${i}`] }),
    );
    try {
      await Promise.all(want.map((d) => ledger.commit(d)));
    } finally {
      await ledger.close();
    }
    for (const d of want) {
      const got = await getDecision(get().db, d.decision_id);
      expect(got, d.decision_id).to.not.equal(undefined);
      expect(got?.input).to.deep.equal(d.input);
      expect(got?.caller).to.equal(d.caller);
      expect(got?.tenant).to.equal(d.tenant);
      expect(got?.enforcement_points).to.deep.equal(d.enforcement_points);
    }
    expect(await verifyLedger(get().db)).to.include({ ok: true, checked: awkward.length });
  });

  it('chains onto the stored head when it moved behind the writer', async () => {
    const ledger = new DecisionLedger(get().db);
    try {
      await ledger.commit(decision(1));
      await resetLedgers(get().db);
      const r = await ledger.commit(decision(2));
      expect(r.seq).to.equal(1);
      expect((await verifyLedger(get().db)).ok).to.equal(true);
    } finally {
      await ledger.close();
    }
  });

  it('start the chain of a ledger whose head row is missing', async () => {
    await get().db.knex('ledger_head').where({ ledger: 'decisions' }).del();
    const ledger = new DecisionLedger(get().db);
    try {
      const [a, b] = await Promise.all([ledger.commit(decision(1)), ledger.commit(decision(2))]);
      expect([a.seq, b.seq]).to.deep.equal([1, 2]);
    } finally {
      await ledger.close();
    }
    expect(await verifyLedger(get().db)).to.include({ ok: true, checked: 2 });
    expect(await get().db.knex('ledger_head').where({ ledger: 'decisions' }).first()).to.include({ hash: (await get().db.knex('decisions').where({ seq: 2 }).first()).hash });
  });

  it('index each decision under the enforcement points it fired, by its own seq', async () => {
    const ledger = new DecisionLedger(get().db);
    const ds = [decision(4), decision(5), decision(8, { enforcement_points: [] }), decision(12)];
    try {
      await Promise.all(ds.map((d) => ledger.commit(d)));
    } finally {
      await ledger.close();
    }
    const links = await get().db.knex('decision_enforcement_points as l').join('decisions as d', 'd.seq', 'l.decision_seq').select('d.decision_id', 'l.point_id');
    const got = links.map((r: { decision_id: string; point_id: string }) => `${r.decision_id} ${r.point_id}`).sort();
    const want = ds.flatMap((d) => (d.enforcement_points ?? []).map((p) => `${d.decision_id} ${p}`)).sort();
    expect(got).to.deep.equal(want);
  });

  it('build the same chain with the generic transaction writer', async () => {
    const fast = new DecisionLedger(get().db);
    const plain = new DecisionLedger(get().db, { writer: 'transaction' });
    try {
      const x = await fast.append(decision(1));
      const y = await plain.append(decision(2));
      const z = await fast.append(decision(3));
      expect([x.seq, y.seq, z.seq]).to.deep.equal([1, 2, 3]);
      expect(y.prev_hash).to.equal(x.hash);
      expect(z.prev_hash).to.equal(y.hash);
    } finally {
      await fast.close();
      await plain.close();
    }
    expect(await verifyLedger(get().db)).to.include({ ok: true, checked: 3 });
  });

  it('fail closed while the table is gone, and carry on after it is back', async () => {
    const db = get().db;
    const ledger = new DecisionLedger(db);
    try {
      await ledger.commit(decision(1)); // the writer now knows the head and takes its fast path
      await db.knex.schema.renameTable('decisions', 'decisions_away');
      try {
        const results = await Promise.allSettled([1, 2, 3].map((i) => ledger.commit(decision(10 + i))));
        for (const r of results) {
          expect(r.status).to.equal('rejected');
          expect((r as PromiseRejectedResult).reason).to.be.instanceOf(LedgerError);
          expect(((r as PromiseRejectedResult).reason as LedgerError).code).to.equal('ledger_unavailable');
        }
      } finally {
        await db.knex.schema.renameTable('decisions_away', 'decisions');
      }
      expect((await ledger.commit(decision(2))).seq).to.equal(2);
    } finally {
      await ledger.close();
    }
    expect(await verifyLedger(db)).to.include({ ok: true, checked: 2 });
  });

  it('answers commit with the place in the chain, as append does', async () => {
    const ledger = new DecisionLedger(get().db);
    try {
      const d = decision(7);
      const receipt = await ledger.commit(d);
      const stored = await get().db.knex('decisions').where({ decision_id: d.decision_id }).first();
      expect(receipt).to.deep.equal({ decision_id: d.decision_id, seq: 1, hash: stored.hash });
    } finally {
      await ledger.close();
    }
  });
});
