/**
 * The Data API and the rest of the HTTP surface, against a real SQLite file:
 * OPA's response shapes, OPA-shaped errors, and what lands in the ledger.
 */
import { expect } from 'chai';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { BACKENDS, type TestDatabase } from '../db/backends.js';
import { getDecision, listDecisions, verifyLedger } from '../../src/decisions/index.js';
import { replayDecision, timestampNs } from '../../src/decisions/evaluate.js';
import type { RunningServer } from '../../src/server/index.js';
import { allowedInput, authHeader, credential, deniedInput, get, post, serve, workspace, type Workspace } from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('decision service HTTP API (SQLite)', function () {
  let ws: Workspace;
  let db: TestDatabase;
  let server: RunningServer;
  let base: string;

  before(async () => {
    ws = workspace();
    db = await BACKENDS[0].create();
    server = await serve(ws, db, { maxBodyBytes: 64 * 1024 });
    base = server.url;
  });

  after(async () => {
    await server.close();
    await db.dispose();
    ws.dispose();
  });

  const input = (v: unknown) => JSON.stringify({ input: v });

  describe('Data API', () => {
    it('answers with a decision id and the result, and logs the decision before answering', async () => {
      // Caller and tenant come from the credential (a t1 service), not from the request.
      const svc = await credential(db.db, base, { id: 'svc-a', tenant: 't1', roles: ['service'] });
      const r = await post(base, '/v1/data/access/decision', input({ ...deniedInput(), resource: { environment: 'production', tenant: 't1' }, password: 'hunter2' }), { ...svc, 'X-Attest-Tenant': 't2', 'X-Attest-Environment': 'prod' });
      expect(r.status).to.equal(200);
      expect(r.body.decision_id).to.match(UUID);
      expect(r.body.result).to.deep.equal({
        allow: false,
        reasons: [{ id: 'access.mfa_required', message: 'production access needs a recent second factor' }],
      });
      const rec = await getDecision(db.db, r.body.decision_id as string);
      expect(rec).to.include({ path: 'access/decision', outcome: 'deny', caller: 'svc-a', tenant: 't1', environment: 'prod', revision: server.state.snapshots.current?.revision });
      expect(rec?.enforcement_points).to.deep.equal(['access.mfa_required']);
      const both = await post(base, '/v1/data/access/decision', input({ ...deniedInput(), password: 'hunter2' }));
      expect((both.body.result as { reasons: Array<{ id: string }> }).reasons.map((x) => x.id)).to.deep.equal(['access.mfa_required', 'access.tenant_boundary']);
      expect(rec?.result).to.deep.equal(r.body.result);
    });

    it('masks the logged input with data.system.log.mask (erase and upsert), not the answer', async () => {
      const r = await post(base, '/v1/data/access/allow', input({ ...allowedInput(), password: 'hunter2', subject: { ...(allowedInput().subject as object), name: 'Alice' } }));
      expect(r.body.result).to.equal(true);
      const rec = await getDecision(db.db, r.body.decision_id as string);
      expect(rec?.input).to.not.have.property('password');
      expect((rec?.input as { subject: { name: string } }).subject.name).to.equal('[redacted]');
      expect(rec?.erased).to.deep.equal(['/input/password']);
      expect(rec?.masked).to.deep.equal(['/input/subject/name']);
    });

    it('leaves result out when the document is undefined, and serialises false', async () => {
      const undef = await post(base, '/v1/data/access/nothing_here', input({}));
      expect(undef.status).to.equal(200);
      expect(Object.keys(undef.body)).to.deep.equal(['decision_id']);
      expect((await getDecision(db.db, undef.body.decision_id as string))?.outcome).to.equal('undefined');
      const denied = await post(base, '/v1/data/access/allow', input(deniedInput()));
      expect(denied.body).to.have.property('result', false);
    });

    it("warns when the 'input' key is missing, like OPA", async () => {
      const r = await post(base, '/v1/data/access/allow', JSON.stringify(allowedInput()));
      expect(r.status).to.equal(200);
      expect(r.body.warning).to.deep.equal({ code: 'api_usage_warning', message: "'input' key missing from the request" });
      expect(r.body.result).to.equal(false);
    });

    it('honours ?metrics, ?provenance and ?pretty', async () => {
      const r = await post(base, '/v1/data/access/allow?metrics&provenance=true&pretty=true', input(allowedInput()));
      expect(r.text).to.contain('\n  "decision_id": ');
      const m = r.body.metrics as Record<string, number>;
      expect(m).to.include.keys('timer_rego_query_eval_ns', 'timer_server_handler_ns', 'timer_rego_input_parse_ns');
      const p = r.body.provenance as Record<string, unknown>;
      expect(p).to.include.keys('version', 'build_commit', 'build_timestamp', 'build_hostname');
      expect(p.revision).to.equal(server.state.snapshots.current?.revision);
      expect(p.bundles).to.deep.equal({ policies: { revision: p.revision } });
    });

    it('reads GET /v1/data with ?input= and the whole tree at /v1/data', async () => {
      const g = await get(base, `/v1/data/access/allow?input=${encodeURIComponent(JSON.stringify(allowedInput()))}`);
      expect(g.body.result).to.equal(true);
      const root = await post(base, '/v1/data', input(allowedInput()));
      expect((root.body.result as { roles: unknown }).roles).to.deep.equal({ viewer: ['read'], editor: ['read', 'write'] });
    });

    it('answers ad-hoc queries (/v1/query) with OPA\'s result set, and records each as a decision that replays', async () => {
      const q = await post(base, '/v1/query', JSON.stringify({ query: 'data.roles[r][_] == "write"; n := input.n + 1', input: { n: 41 } }));
      expect(q.status).to.equal(200);
      expect(q.body.result).to.deep.equal([{ n: 42, r: 'editor' }]);
      const none = await get(base, `/v1/query?q=${encodeURIComponent('data.roles.nobody == 1')}`);
      expect(none.status).to.equal(200);
      expect(Object.keys(none.body).sort()).to.deep.equal(['decision_id']);
      const bare = await get(base, `/v1/query?q=${encodeURIComponent('input.n > 1')}&input=${encodeURIComponent('{"n": 2}')}`);
      expect(bare.body.result).to.deep.equal([{}]);

      const logged = await getDecision(db.db, q.body.decision_id as string);
      expect(logged).to.deep.include({ path: '', query: 'data.roles[r][_] == "write"; n := input.n + 1', outcome: 'defined', input: { n: 41 } });
      expect(logged?.result).to.deep.equal([{ n: 42, r: 'editor' }]);
      expect((await getDecision(db.db, none.body.decision_id as string))?.outcome).to.equal('undefined');
      const replay = await replayDecision(db.db, q.body.decision_id as string);
      expect(replay).to.deep.include({ same: true, outcome: 'defined' });
      expect(replay.result).to.deep.equal([{ n: 42, r: 'editor' }]);
      expect((await verifyLedger(db.db)).ok).to.equal(true);

      // A query that does not parse is the caller's mistake: 400 with the place, and nothing logged.
      const before = (await listDecisions(db.db, {}, { limit: 1 })).decisions[0]?.seq;
      const bad = await post(base, '/v1/query', JSON.stringify({ query: 'x := ' }));
      expect(bad.status).to.equal(400);
      expect(bad.body.message).to.equal('error(s) occurred while parsing query');
      expect((bad.body.errors as Array<{ location?: unknown }>)[0].location).to.be.an('object');
      expect((await listDecisions(db.db, {}, { limit: 1 })).decisions[0]?.seq).to.equal(before);
      expect((await post(base, '/v1/query', JSON.stringify({ input: {} }))).status).to.equal(400);
      // Only platform security staff run ad-hoc queries.
      const svc = await credential(db.db, base, { id: 'svc-q', tenant: 't1', roles: ['service'] });
      expect((await post(base, '/v1/query', JSON.stringify({ query: 'true' }), svc)).status).to.equal(403);
    });

    it('gives policies the decision time as time.now_ns, so replays see the same clock', async () => {
      const r = await post(base, '/v1/data/access/now', input({}));
      const rec = await getDecision(db.db, r.body.decision_id as string);
      expect(BigInt(r.text.match(/"result":(\d+)/)?.[1] ?? '0')).to.equal(timestampNs(rec?.timestamp as string));
    });

    it('answers POST / with the bare default decision, and 404 undefined_document when undefined', async () => {
      const r = await post(base, '/', JSON.stringify(allowedInput()));
      expect(r.status).to.equal(200);
      expect(r.body).to.deep.equal({ allow: true });
      expect(r.headers.get('x-attest-decision-id')).to.match(UUID);
      const v0 = await post(base, '/v0/data/access/allow', JSON.stringify(deniedInput()));
      expect(v0.text).to.equal('false');
      const missing = await post(base, '/v0/data/nowhere/at_all', '{}');
      expect(missing.status).to.equal(404);
      expect(missing.body).to.deep.equal({ code: 'undefined_document', message: 'document missing: data.nowhere.at_all' });
      const undef = await post(base, '/v0/data/access/conflict', '{}');
      expect(undef.body).to.deep.equal({ code: 'undefined_document', message: 'document undefined: data.access.conflict' });
      // Undefined decisions are decisions too: logged.
      const rec = await getDecision(db.db, missing.headers.get('x-attest-decision-id') as string);
      expect(rec?.outcome).to.equal('undefined');
    });

    it('reports evaluation errors as 500 internal_error with the engine error, and logs them', async () => {
      const r = await post(base, '/v1/data/access/conflict', input({ boom: true }));
      expect(r.status).to.equal(500);
      expect(r.body.code).to.equal('internal_error');
      expect(r.body.message).to.equal('error(s) occurred while evaluating query');
      const errors = r.body.errors as Array<{ code: string; location: { file: string } }>;
      expect(errors[0].code).to.equal('eval_conflict_error');
      expect(errors[0].location.file).to.equal('access.rego');
      const rec = await getDecision(db.db, r.body.decision_id as string);
      expect(rec?.outcome).to.equal('error');
    });

    it('makes builtin errors undefined, or errors with ?strict-builtin-errors', async () => {
      const lax = await post(base, '/v1/data/access/parsed', input({ t: 'not a time' }));
      expect(lax.status).to.equal(200);
      expect(lax.body).to.not.have.property('result');
      const strict = await post(base, '/v1/data/access/parsed?strict-builtin-errors', input({ t: 'not a time' }));
      expect(strict.status).to.equal(500);
      expect((strict.body.errors as Array<{ code: string }>)[0].code).to.equal('eval_builtin_error');
    });

    it('decides batches with one ledger entry per item (207 when some fail)', async () => {
      const r = await post(base, '/v1/batch/data/access/allow', JSON.stringify({ inputs: { a: allowedInput(), b: deniedInput() } }));
      expect(r.status).to.equal(200);
      const responses = r.body.responses as Record<string, { decision_id: string; result: boolean }>;
      expect(responses.a.result).to.equal(true);
      expect(responses.b.result).to.equal(false);
      expect(responses.a.decision_id).to.not.equal(responses.b.decision_id);
      for (const k of ['a', 'b']) expect(await getDecision(db.db, responses[k].decision_id)).to.not.equal(undefined);
      const mixed = await post(base, '/v1/batch/data/access/conflict', JSON.stringify({ inputs: { ok: {}, bad: { boom: true } } }));
      expect(mixed.status).to.equal(207);
      const m = mixed.body.responses as Record<string, Record<string, unknown>>;
      expect(m.bad).to.include({ code: 'internal_error', http_status_code: '500' });
      expect(m.ok).to.have.property('decision_id');
    });
  });

  describe('errors in OPA shape', () => {
    const noStack = (text: string) => expect(text).to.not.match(/\n\s+at |node_modules|\.js:\d+/);

    it('rejects malformed JSON with 400 invalid_parameter', async () => {
      const r = await post(base, '/v1/data/access/allow', '{"input": {"a": ');
      expect(r.status).to.equal(400);
      expect(r.body.code).to.equal('invalid_parameter');
      expect(r.body.message).to.match(/^request body is not valid JSON/);
      noStack(r.text);
    });

    it('rejects a body that is not an object', async () => {
      const r = await post(base, '/v1/data/access/allow', '[1, 2]');
      expect(r.status).to.equal(400);
      expect(r.body.code).to.equal('invalid_parameter');
    });

    it('rejects a wrong content type', async () => {
      const r = await post(base, '/v1/data/access/allow', '<input/>', { 'content-type': 'application/xml' });
      expect(r.status).to.equal(415);
      expect(r.body).to.deep.equal({ code: 'invalid_parameter', message: 'unsupported content type "application/xml": send application/json' });
    });

    it("accepts curl's default form content type as JSON, like OPA", async () => {
      const r = await post(base, '/v1/data/access/allow', input(allowedInput()), { 'content-type': 'application/x-www-form-urlencoded' });
      expect(r.body.result).to.equal(true);
    });

    it('rejects oversized bodies, plain or gzip-compressed', async () => {
      const big = input({ pad: 'x'.repeat(70 * 1024) });
      const r = await post(base, '/v1/data/access/allow', big);
      expect(r.status).to.equal(400);
      expect(r.body).to.deep.equal({ code: 'invalid_parameter', message: 'request body too large' });
      const bomb = await post(base, '/v1/data/access/allow', gzipSync(big), { 'content-encoding': 'gzip' });
      expect(bomb.body).to.deep.equal({ code: 'invalid_parameter', message: 'compressed request body too large' });
      const small = await post(base, '/v1/data/access/allow', gzipSync(input(allowedInput())), { 'content-encoding': 'gzip' });
      expect(small.body.result).to.equal(true);
    });

    it('stops reading a chunked body at the limit and still answers', async () => {
      const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(`${base}/v1/data/access/allow`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...authHeader(base) } }, (res) => {
          let t = '';
          res.on('data', (d: Buffer) => (t += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: t }));
        });
        req.on('error', reject);
        req.write('{"input": {"pad": "');
        const chunk = 'x'.repeat(8192);
        let sent = 0;
        const pump = () => {
          while (sent < 40) {
            sent++;
            if (!req.write(chunk)) {
              req.once('drain', pump);
              return;
            }
          }
          req.end('"}}');
        };
        pump();
      });
      expect(status).to.equal(400);
      expect(JSON.parse(text)).to.deep.equal({ code: 'invalid_parameter', message: 'request body too large' });
    });

    it('rejects JSON nested deeper than the limit', async () => {
      const r = await post(base, '/v1/data/access/allow', `{"input": ${'['.repeat(600)}${']'.repeat(600)}}`);
      expect(r.status).to.equal(400);
      expect(r.body.message).to.equal('request body nests deeper than 512 levels');
    });

    it('answers unknown paths with 404 and wrong methods with 405', async () => {
      const r = await get(base, '/v2/nothing');
      expect(r.status).to.equal(404);
      expect(r.body.code).to.equal('resource_not_found');
      const m = await fetch(base + '/v1/decisions', { method: 'DELETE', headers: authHeader(base) });
      expect(m.status).to.equal(405);
      expect(m.headers.get('allow')).to.equal('GET');
      expect(((await m.json()) as { code: string }).code).to.equal('invalid_operation');
    });

    it('logs nothing for rejected requests', async () => {
      const before = (await listDecisions(db.db, {}, { limit: 1 })).decisions[0]?.seq;
      await post(base, '/v1/data/access/allow', '{bad');
      const after = (await listDecisions(db.db, {}, { limit: 1 })).decisions[0]?.seq;
      expect(after).to.equal(before);
    });

    it('fails closed with 503 when the ledger cannot be written, handing out no decision', async () => {
      await db.db.knex.schema.renameTable('decisions', 'decisions_away');
      try {
        const r = await post(base, '/v1/data/access/allow', input(allowedInput()));
        expect(r.status).to.equal(503);
        expect(r.body.code).to.equal('internal_error');
        expect(r.body).to.not.have.property('result');
        expect(r.body).to.not.have.property('decision_id');
        expect((r.body.errors as Array<{ code: string }>)[0].code).to.equal('ledger_unavailable');
      } finally {
        await db.db.knex.schema.renameTable('decisions_away', 'decisions');
      }
      const ok = await post(base, '/v1/data/access/allow', input(allowedInput()));
      expect(ok.status).to.equal(200);
      expect((await get(base, '/metrics')).text).to.match(/^attest_ledger_failures_total 1$/m);
    });
  });

  describe('health, metrics and the query API', () => {
    it('is healthy once policies are loaded and the database answers', async () => {
      const r = await get(base, '/health');
      expect(r.status).to.equal(200);
      expect(r.body).to.deep.equal({});
      expect((await get(base, '/health?bundles')).status).to.equal(200);
    });

    it("answers OPA's custom health checks from data.system.health, without a credential", async () => {
      const open = { Authorization: '' };
      expect(await get(base, '/health/live', open)).to.deep.include({ status: 200, body: {} });
      expect(await get(base, '/health/ready', open)).to.deep.include({ status: 200, body: {} });
      const degraded = await get(base, '/health/degraded', open);
      expect(degraded.status).to.equal(500);
      expect(degraded.body).to.deep.equal({ error: 'health policy was not true at data.system.health.degraded' });
      const missing = await get(base, '/health/started', open);
      expect(missing.status).to.equal(500);
      expect(missing.body).to.deep.equal({ error: 'health policy was undefined at data.system.health.started' });
    });

    it('exports Prometheus metrics', async () => {
      const text = (await get(base, '/metrics')).text;
      expect(text).to.match(/^attest_decisions_total\{path="access\/decision",outcome="deny"\} \d+$/m);
      expect(text).to.match(/^attest_decision_duration_seconds_bucket\{path="access\/allow",le="0.005"\} \d+$/m);
      expect(text).to.match(/^attest_ledger_queue_depth \d+$/m);
      expect(text).to.match(/^attest_ledger_commit_duration_seconds_count [1-9]\d*$/m);
      expect(text).to.match(/^attest_policy_reloads_total\{result="ok"\} 1$/m);
      expect(text).to.match(/^attest_enforcement_point_last_fired_timestamp_seconds\{enforcement_point="access.mfa_required"\} \d+(\.\d+)?$/m);
      expect(text).to.match(/^http_request_duration_seconds_count\{code="200",handler="v1\/data",method="POST"\} \d+$/m);
    });

    it('exports the process series that Node dashboards read', async () => {
      // Garbage enough for several young-generation collections.
      let keep = 0;
      for (let i = 0; i < 200_000; i++) keep += new Array(64).fill(i).length;
      expect(keep).to.be.above(0);
      await new Promise((r) => setTimeout(r, 50));
      const text = (await get(base, '/metrics')).text;
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
      expect(text).to.match(/^# TYPE process_cpu_seconds_total counter$/m);
      expect(value('process_cpu_seconds_total')).to.be.above(0);
      expect(value('process_resident_memory_bytes')).to.be.above(10 * 1024 * 1024);
      expect(value('nodejs_heap_size_used_bytes')).to.be.above(0).and.at.most(value('nodejs_heap_size_total_bytes'));
      expect(value('process_start_time_seconds')).to.be.within(Date.now() / 1000 - 3600, Date.now() / 1000);
      expect(value('nodejs_eventloop_lag_p99_seconds')).to.be.at.least(value('nodejs_eventloop_lag_p50_seconds'));
      expect(value('nodejs_eventloop_lag_max_seconds')).to.be.above(0);
      expect(Number(/^nodejs_gc_duration_seconds_count\{kind="minor"\} (\d+)$/m.exec(text)?.[1])).to.be.above(0);
      if (process.platform === 'linux') expect(value('process_open_fds')).to.be.above(2);
    });

    it('lists decisions with filters and keyset paging, and fetches one by id', async () => {
      const ids: string[] = [];
      const paging = await credential(db.db, base, { tenant: 'paging', roles: ['service'] });
      const pagingInput = (i: number) => ({ subject: { roles: ['viewer'], tenant: 'paging', n: i }, action: 'read', resource: { environment: 'production', tenant: 'paging' } });
      for (let i = 0; i < 5; i++) ids.push((await post(base, '/v1/data/access/decision', input(pagingInput(i)), paging)).body.decision_id as string);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const r = await get(base, `/v1/decisions?tenant=paging&enforcement_point=access.mfa_required&outcome=deny&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(r.status).to.equal(200);
        const page = r.body.result as Array<{ decision_id: string }>;
        expect(page.length).to.be.at.most(2);
        seen.push(...page.map((d) => d.decision_id));
        cursor = r.body.next as string | undefined;
      } while (cursor);
      expect(seen).to.deep.equal([...ids].reverse());
      const one = await get(base, `/v1/decisions/${ids[0]}`);
      expect((one.body.result as { decision_id: string }).decision_id).to.equal(ids[0]);
      expect((await get(base, '/v1/decisions/00000000-0000-4000-8000-000000000000')).status).to.equal(404);
      expect((await get(base, '/v1/decisions/nope')).body.code).to.equal('invalid_parameter');
      expect((await get(base, '/v1/decisions?from=yesterday')).status).to.equal(400);
      const none = await get(base, `/v1/decisions?path=access/decision&from=2999-01-01T00:00:00Z`);
      expect(none.body.result).to.deep.equal([]);
    });

    it('lists the policy modules like OPA', async () => {
      const list = await get(base, '/v1/policies');
      const ids = (list.body.result as Array<{ id: string }>).map((p) => p.id);
      expect(ids).to.include.members(['access.rego', 'system.rego', 'log/mask.rego']);
      const one = await get(base, '/v1/policies/log/mask.rego');
      expect((one.body.result as { raw: string }).raw).to.contain('package system.log');
      expect((await get(base, '/v1/policies/none.rego')).status).to.equal(404);
    });

    it('refuses policy and data writes as OPA does under a bundle that owns every path, and says where to change them', async () => {
      const send = async (method: string, path: string, body?: string, type = 'text/plain') => {
        const r = await fetch(base + path, { method, body, headers: { 'content-type': type, ...authHeader(base) } });
        return { status: r.status, body: (await r.json()) as { code: string; message: string; errors?: Array<{ code: string; message: string; location?: { row: number } }> } };
      };
      const before = (await get(base, '/v1/policies/access.rego')).body.result as { raw: string; revision: string };
      const put = await send('PUT', '/v1/policies/access.rego', 'package access\n\nallow := true\n');
      expect(put.status).to.equal(400);
      expect(put.body.code).to.equal('invalid_parameter');
      expect(put.body.message).to.equal('all paths owned by bundle "policies"');
      expect(put.body.errors?.[0].code).to.equal('policies_from_git');
      expect(put.body.errors?.[0].message).to.contain('POST /v1/admin/reload');
      // A module that does not parse says so first, with the place.
      const broken = await send('PUT', '/v1/policies/new.rego', 'package x\n\nallow if {\n');
      expect(broken.status).to.equal(400);
      expect(broken.body.message).to.equal('error(s) occurred while compiling module(s)');
      expect(broken.body.errors?.[0].location?.row).to.be.a('number');
      expect((await send('DELETE', '/v1/policies/access.rego')).body.message).to.equal('all paths owned by bundle "policies"');
      expect((await send('DELETE', '/v1/policies/none.rego')).status).to.equal(404);
      for (const method of ['PUT', 'PATCH', 'DELETE']) {
        const w = await send(method, '/v1/data/roles', method === 'DELETE' ? undefined : '{"viewer": []}', 'application/json');
        expect([method, w.status, w.body.message]).to.deep.equal([method, 400, 'all paths owned by bundle "policies"']);
      }
      // Nothing changed.
      const after = (await get(base, '/v1/policies/access.rego')).body.result as { raw: string; revision: string };
      expect(after).to.deep.equal(before);
    });

    it('serves the control registry with enforcement points from the snapshot', async () => {
      const controls = await get(base, '/v1/controls');
      expect((controls.body.result as unknown[]).length).to.be.greaterThan(0);
      const mfa = await get(base, '/v1/controls/CTL-ACCESS-MFA');
      const states = (mfa.body.result as { enforcement_point_states: Array<{ id: string; present: boolean; tested: boolean }> }).enforcement_point_states;
      expect(states).to.deep.include({ id: 'access.mfa_required', present: true, tested: true, tests: ['data.access_test.test_mfa_denied', 'data.access_test.test_viewer_reads'] });
      const frameworks = (await get(base, '/v1/frameworks')).body.result as Array<{ framework: string }>;
      expect(frameworks.map((f) => f.framework)).to.include('soc2');
      const cov = await get(base, '/v1/frameworks/soc2/coverage');
      expect(cov.status).to.equal(200);
      expect(cov.body.result).to.have.property('rows');
      expect((await get(base, '/v1/frameworks/nope/coverage')).status).to.equal(404);
      expect((await get(base, '/v1/controls/CTL-NOPE')).status).to.equal(404);
    });
  });
});
