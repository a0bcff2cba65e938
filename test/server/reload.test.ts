/**
 * Policy snapshots and reloads: a broken change keeps the old snapshot
 * serving and is reported; a good change swaps in atomically and stores its
 * sources; replay uses the revision that made a decision.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { getPolicyRevision } from '../../src/db/index.js';
import { getDecision, listAdminActions } from '../../src/decisions/index.js';
import { replayDecision } from '../../src/decisions/evaluate.js';
import { buildSnapshot, SnapshotError } from '../../src/policy/snapshot.js';
import type { RunningServer } from '../../src/server/index.js';
import { BACKENDS, type TestDatabase } from '../db/backends.js';
import { allowedInput, deniedInput, get, post, serve, workspace, type Workspace } from './helpers.js';

const input = (v: unknown) => JSON.stringify({ input: v });

function waitFor(cond: () => Promise<boolean>, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  return (async () => {
    while (Date.now() < deadline) {
      if (await cond()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('condition not met in time');
  })();
}

describe('policy snapshots', () => {
  let ws: Workspace;
  before(() => {
    ws = workspace();
  });
  after(() => ws.dispose());

  it('name their revision by content hash and Git commit, and say what is wrong when broken', () => {
    const a = buildSnapshot(ws.policies);
    expect(a.revision).to.match(/^sha256:[0-9a-f]{64}$/); // the temporary copy is no Git checkout
    expect(buildSnapshot(ws.policies).revision).to.equal(a.revision);
    expect([...a.enforcementPoints.keys()].sort()).to.deep.equal(['access.mfa_required', 'access.tenant_boundary']);
    writeFileSync(join(ws.policies, 'extra.rego'), 'package extra\n\nx := 1\n');
    expect(buildSnapshot(ws.policies).revision).to.not.equal(a.revision);
    writeFileSync(join(ws.policies, 'extra.rego'), 'package extra\n\nx := y\n');
    try {
      buildSnapshot(ws.policies);
      expect.fail('a broken policy must not build');
    } catch (e) {
      expect(e).to.be.instanceOf(SnapshotError);
      expect((e as SnapshotError).problems[0]).to.deep.include({ code: 'rego_unsafe_var_error', location: { file: 'extra.rego', row: 3, col: 6 } });
    } finally {
      unlinkSync(join(ws.policies, 'extra.rego'));
    }
  });

  it('refuse a snapshot whose policy tests fail when tests are required', () => {
    const test = join(ws.policies, 'failing_test.rego');
    writeFileSync(test, 'package failing_test\n\ntest_nope if false\n');
    try {
      expect(() => buildSnapshot(ws.policies)).to.not.throw();
      expect(() => buildSnapshot(ws.policies, { runTests: true })).to.throw(SnapshotError, /data\.failing_test\.test_nope: FAIL/);
    } finally {
      unlinkSync(test);
    }
  });
});

describe('reloading the serving snapshot (SQLite)', () => {
  let ws: Workspace;
  let db: TestDatabase;
  let server: RunningServer;

  before(async () => {
    ws = workspace();
    db = await BACKENDS[0].create();
    server = await serve(ws, db, { watch: true, sighup: true });
  });

  after(async () => {
    await server.close();
    await db.dispose();
    ws.dispose();
  });

  const access = () => join(ws.policies, 'access.rego');

  it('keeps the old snapshot serving after a broken change, and /health and /metrics say so', async () => {
    const before = server.state.snapshots.current?.revision;
    const original = readFileSync(access(), 'utf8');
    writeFileSync(access(), original.replace('default allow := false', 'default allow := false\nbroken if {'));
    try {
      const r = await post(server.url, '/v1/admin/reload', '');
      expect(r.status).to.equal(400);
      expect(r.body.code).to.equal('invalid_parameter');
      expect(r.body.message).to.equal('error(s) occurred while compiling module(s); the previous snapshot keeps serving');
      expect((r.body.errors as Array<{ code: string; location: { file: string } }>)[0]).to.deep.include({ code: 'rego_parse_error' });
      expect(server.state.snapshots.current?.revision).to.equal(before);

      const d = await post(server.url, '/v1/data/access/allow', input(allowedInput()));
      expect(d.body.result).to.equal(true);
      expect((await getDecision(db.db, d.body.decision_id as string))?.revision).to.equal(before);

      const health = await get(server.url, '/health');
      expect(health.status).to.equal(200); // still able to decide, with the old snapshot
      const pr = health.body.policy_reload as { ok: boolean; serving_revision: string; errors: Array<{ location: { file: string; row: number } }> };
      expect(pr.ok).to.equal(false);
      expect(pr.serving_revision).to.equal(before);
      expect(pr.errors[0].location).to.include({ file: 'access.rego', row: 8 });
      const metrics = (await get(server.url, '/metrics')).text;
      expect(metrics).to.match(/^attest_policy_reloads_total\{result="failed"\} [1-9]\d*$/m);
      expect(metrics).to.match(/^attest_policy_last_reload_success 0$/m);
    } finally {
      writeFileSync(access(), original);
    }
    const ok = await post(server.url, '/v1/admin/reload', '');
    expect(ok.status).to.equal(200);
    expect((await get(server.url, '/health')).body).to.deep.equal({});
    const audit = await listAdminActions(db.db);
    expect(audit.map((a) => [a.action, a.actor])).to.deep.include(['policy.reload', 'test-root']);
  });

  it('swaps in a good change on file change and on SIGHUP, storing each revision once', async () => {
    const before = server.state.snapshots.current?.revision as string;
    const extra = join(ws.policies, 'extra.rego');
    writeFileSync(extra, 'package extra\n\nanswer := 42\n');
    await waitFor(async () => server.state.snapshots.current?.revision !== before);
    const after = server.state.snapshots.current?.revision as string;
    expect((await post(server.url, '/v1/data/extra/answer', input({}))).body.result).to.equal(42);
    const stored = await getPolicyRevision(db.db, after);
    expect(stored?.sources['extra.rego']).to.contain('answer := 42');

    server.state.snapshots.unwatch();
    unlinkSync(extra);
    process.emit('SIGHUP', 'SIGHUP');
    await waitFor(async () => server.state.snapshots.current?.revision === before);
    expect((await post(server.url, '/v1/data/extra/answer', input({}))).body).to.not.have.property('result');
  });

  it('replays a decision against the revision that made it, after the policy changed', async () => {
    const d = await post(server.url, '/v1/data/access/decision', input(deniedInput()));
    const id = d.body.decision_id as string;
    const logged = await getDecision(db.db, id);

    // The tenant rule is dropped; new decisions change, the replay of the old one does not.
    const original = readFileSync(access(), 'utf8');
    writeFileSync(access(), original.replace('input.subject.tenant != input.resource.tenant', 'false'));
    try {
      expect((await post(server.url, '/v1/admin/reload', '')).status).to.equal(200);
      const now = await post(server.url, '/v1/data/access/decision', input(deniedInput()));
      expect((now.body.result as { reasons: unknown[] }).reasons).to.have.length(1);

      const replay = await replayDecision(db.db, id);
      expect(replay.same).to.equal(true);
      expect(replay.outcome).to.equal('deny');
      expect(replay.decision.revision).to.equal(logged?.revision);
      expect(replay.reasons).to.include('reason: access.tenant_boundary: the subject acts outside its tenant');

      // A logged outcome that the revision cannot produce is reported as different, with reasons.
      await db.db.knex('decisions').where({ decision_id: id }).update({ outcome: 'allow' });
      const tampered = await replayDecision(db.db, id);
      expect(tampered.same).to.equal(false);
      expect(tampered.reasons[0]).to.equal('outcome deny, logged allow');
    } finally {
      writeFileSync(access(), original);
      await post(server.url, '/v1/admin/reload', '');
    }
  });
});
