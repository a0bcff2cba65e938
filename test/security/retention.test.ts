/**
 * Retention of attest's own records under the shipped RetentionSchedule:
 * old ledger entries lose their payload and keep their digests, the chain
 * still verifies, a legal hold keeps a tenant's entries, each run leaves a
 * receipt in the admin audit log, and changes to anonymised rows show up.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateLatest } from '../../src/db/index.js';
import { DecisionLedger, appendAdminAction, getDecision, listAdminActions, verifyLedger } from '../../src/decisions/index.js';
import { digestPayload } from '../../src/decisions/anonymise.js';
import { DECISIONS } from '../../src/decisions/record.js';
import { placeHold, releaseHold, runRetention, subtractDuration, verifyRetentionReceipts } from '../../src/decisions/retention.js';
import { canonicalJson, type Json } from '../../src/decisions/canonical.js';
import { buildSnapshot, type PolicySnapshot } from '../../src/policy/snapshot.js';
import { BACKENDS, type TestDatabase } from '../db/backends.js';
import { BIN, ROOT } from '../server/helpers.js';

const DAY = 86_400_000;

describe('retention of the ledger and the admin audit log', function () {
  this.timeout(60000);
  let db: TestDatabase;
  let snapshot: PolicySnapshot;
  let dir: string;
  const now = new Date();
  const ids: Record<string, string[]> = { acmeOld: [], acmeNew: [], globexOld: [] };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'attest-retention-'));
    db = await BACKENDS[0].create();
    await migrateLatest(db.db);
    snapshot = buildSnapshot(join(ROOT, 'policies'));
    const ledger = new DecisionLedger(db.db);
    const add = async (key: string, tenant: string, ageDays: number) => {
      const id = randomUUID();
      ids[key].push(id);
      await ledger.append({
        decision_id: id, timestamp: new Date(now.getTime() - ageDays * DAY), path: 'access/decision', revision: 'r1',
        input: { subject: { id: `person-${id}`, tenant }, secret: 'personal data' }, result: { allow: false }, tenant, caller: 'svc', latency_ns: 1000, enforcement_points: ['access.mfa_required'],
      });
    };
    for (let i = 0; i < 3; i++) await add('acmeOld', 'acme', 400 + i);
    await add('acmeNew', 'acme', 10);
    for (let i = 0; i < 2; i++) await add('globexOld', 'globex', 500 + i);
    await ledger.close();
    await appendAdminAction(db.db, { actor: 'old-admin', action: 'client.create', target: 'x', timestamp: new Date(now.getTime() - 4 * 365 * DAY) });
  });

  after(async () => {
    await db?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('subtracts ISO 8601 durations with calendar arithmetic', () => {
    expect(subtractDuration(new Date('2025-03-31T12:00:00Z'), 'P1M').toISOString()).to.equal('2025-03-03T12:00:00.000Z');
    expect(subtractDuration(new Date('2025-06-01T00:00:00Z'), 'P1Y').toISOString()).to.equal('2024-06-01T00:00:00.000Z');
    expect(subtractDuration(new Date('2025-06-01T00:00:00Z'), 'P2WT12H').toISOString()).to.equal('2025-05-17T12:00:00.000Z');
    expect(() => subtractDuration(now, 'P')).to.throw(/invalid ISO 8601 duration/);
  });

  it('a dry run reports what is due and changes nothing', async () => {
    const r = await runRetention({ db: db.db, snapshot, actor: 'test', now, dryRun: true, archiveDir: join(dir, 'archive') });
    const acme = r.decision_log.tenants.find((t) => t.tenant === 'acme');
    expect(acme).to.include({ action: 'anonymize', rows: 3, held: false });
    expect((await getDecision(db.db, ids.acmeOld[0]))?.input).to.not.equal(undefined);
    expect((await listAdminActions(db.db)).some((e) => e.action === 'retention.run')).to.equal(false);
  });

  it('anonymises due entries, respects a legal hold, archives old audit rows, and records a receipt', async () => {
    const hold = await placeHold(db.db, { tenant: 'globex', type: 'legal', ticket: 'LEGAL-7', reason: 'litigation', by: 'counsel' });
    const receipt = await runRetention({ db: db.db, snapshot, actor: 'test', now, archiveDir: join(dir, 'archive') });

    for (const id of ids.acmeOld) {
      const d = await getDecision(db.db, id);
      expect(d?.input, id).to.equal(undefined);
      expect(d?.result, id).to.equal(undefined);
      expect(d).to.include({ outcome: 'deny', tenant: 'acme', path: 'access/decision' });
    }
    for (const id of [...ids.acmeNew, ...ids.globexOld]) expect((await getDecision(db.db, id))?.input, id).to.not.equal(undefined);

    const globex = receipt.decision_log.tenants.find((t) => t.tenant === 'globex');
    expect(globex).to.include({ held: true, rows: 0, action: 'retain' });
    expect(globex?.reasons[0]).to.match(/^legal hold LEGAL-7 suspends the end action/);
    expect(receipt.decision_log.anonymised).to.equal(3);
    expect(receipt.decision_log.digest).to.match(/^[0-9a-f]{64}$/);

    expect(receipt.admin_audit_log).to.include({ action: 'archive', archived: 1 });
    const file = receipt.admin_audit_log.file as string;
    expect(existsSync(file)).to.equal(true);
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).to.equal(receipt.admin_audit_log.sha256);
    expect(readFileSync(file, 'utf8')).to.contain('"actor":"old-admin"');

    const entry = (await listAdminActions(db.db)).find((e) => e.action === 'retention.run');
    expect(entry?.target).to.equal(receipt.run_id);
    expect((entry?.details as { holds: Array<{ ticket: string }> }).holds.map((h) => h.ticket)).to.deep.equal(['LEGAL-7']);

    // The chain still verifies, and the receipts cover the anonymised rows.
    const report = await verifyLedger(db.db);
    expect(report).to.include({ ok: true, checked: 6, anonymised: 3 });
    expect(await verifyRetentionReceipts(db.db)).to.deep.equal({ runs: 1, rows: 3, problems: [] });
    const cli = spawnSync(process.execPath, [BIN, 'decisions', 'verify'], { env: { ...process.env, DATABASE_URL: db.url }, encoding: 'utf8', cwd: dir });
    expect(cli.status, cli.stdout + cli.stderr).to.equal(0);

    // Released: the next run anonymises globex too; nothing is done twice.
    await releaseHold(db.db, hold.id, 'counsel');
    const second = await runRetention({ db: db.db, snapshot, actor: 'test', now, archiveDir: join(dir, 'archive') });
    expect(second.decision_log.anonymised).to.equal(2);
    expect(second.admin_audit_log.archived).to.equal(0);
    expect(await verifyRetentionReceipts(db.db)).to.deep.equal({ runs: 2, rows: 5, problems: [] });
    expect((await verifyLedger(db.db)).ok).to.equal(true);
  });

  it('notices a change to a kept field of an anonymised row, even with its digest rewritten', async () => {
    const raw = await db.db.knex('decisions').where({ decision_id: ids.acmeOld[1] }).first();
    await db.db.knex('decisions').where({ seq: raw.seq }).update({ outcome: 'allow' });
    const changed = await verifyLedger(db.db);
    expect(changed.ok).to.equal(false);
    expect(changed.firstBad?.message).to.equal(`record ${raw.seq} (${ids.acmeOld[1]}) was changed: its kept fields do not match the digest taken when it was anonymised`);

    // A forger who also rewrites the residual digest passes the chain check, not the receipt.
    const row = DECISIONS.fromDb({ ...raw, outcome: 'allow' });
    const old = JSON.parse(raw.payload_digest) as { input: string; result: string };
    const forged = { ...digestPayload({ ...row, input: null, result: null }), input: old.input, result: old.result };
    const { residualDigest } = await import('../../src/decisions/anonymise.js');
    forged.residual = residualDigest(row, old.input, old.result);
    await db.db.knex('decisions').where({ seq: raw.seq }).update({ payload_digest: canonicalJson(forged as unknown as Json) });
    expect((await verifyLedger(db.db)).ok).to.equal(true);
    const receipts = await verifyRetentionReceipts(db.db);
    expect(receipts.problems.map((p) => p.message)).to.deep.equal([`the rows anonymised by run ${raw.anonymised_run} no longer match the digest in its receipt`]);
    const cli = spawnSync(process.execPath, [BIN, 'audit', 'verify'], { env: { ...process.env, DATABASE_URL: db.url }, encoding: 'utf8' });
    expect(cli.status).to.equal(1);
    expect(cli.stdout).to.contain('retention receipts: PROBLEM');
  });
});
