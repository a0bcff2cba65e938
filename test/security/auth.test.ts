/**
 * Authentication and the admin audit log: bearer tokens (missing, malformed,
 * unknown, wrong secret, expired, revoked, rotated), refusals in the log,
 * the ledger and /metrics, client management over HTTP, `attest audit
 * verify` before and after an audit row is changed by hand, and TLS with
 * client certificates.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getDecision, listAdminActions } from '../../src/decisions/index.js';
import { revokeClient, rotateClient } from '../../src/server/auth/clients.js';
import { hashSecret, parseToken } from '../../src/server/auth/tokens.js';
import { startServer } from '../../src/server/index.js';
import { BIN, CONTROLS } from '../server/helpers.js';
import { accessInput, secureServer, type SecureServer } from './helpers.js';

describe('authentication', function () {
  this.timeout(60000);
  let s: SecureServer;
  let svc: string;

  before(async () => {
    s = await secureServer({ clientCacheMs: 0 });
    svc = await s.token('acme', ['service'], { id: 'acme-svc' });
  });

  after(async () => {
    await s?.close();
  });

  const decide = (token?: string, headers: Record<string, string> = {}) =>
    s.call('POST', '/v1/data/access/decision', { token, body: { input: accessInput('acme') }, headers });

  it('answers 401 without a credential, logs the refusal in the ledger, the server log and /metrics', async () => {
    const r = await decide();
    expect(r.status).to.equal(401);
    expect(r.body).to.include({ code: 'unauthorized', message: 'authentication required: send Authorization: Bearer <token>' });
    expect(r.headers.get('www-authenticate')).to.equal('Bearer realm="attest"');
    const rec = await getDecision(s.db.db, r.body.decision_id as string);
    expect(rec).to.include({ path: 'system/authz/allow', outcome: 'deny', tenant: null });
    expect((rec?.input as { path: string[] }).path).to.deep.equal(['v1', 'data', 'access', 'decision']);
    expect(s.logs.some((l) => l.startsWith('denied 401 POST /v1/data/access/decision') && l.includes(r.body.decision_id as string))).to.equal(true);
    const other = await s.token('globex', ['service']);
    const f = await decide(other);
    expect(f.status).to.equal(403);
    expect(f.body).to.include({ code: 'forbidden', message: "the request names a tenant other than the credential's" });
    expect((await getDecision(s.db.db, f.body.decision_id as string))).to.include({ outcome: 'deny', tenant: 'globex' });
    expect(s.logs.some((l) => l.startsWith('denied 403 POST /v1/data/access/decision') && l.includes('tenant=globex'))).to.equal(true);
    const metrics = await s.call('GET', '/metrics', { token: await s.token('*', ['monitoring']) });
    expect(metrics.text).to.match(/^attest_authz_denials_total\{code="401",reason="unauthenticated"\} [1-9]/m);
    expect(metrics.text).to.match(/^attest_authz_denials_total\{code="403",reason="policy"\} [1-9]/m);
  });

  it('refuses bad tokens with 401 and a clear message, never the secret', async () => {
    const { clientId, secret } = parseToken(svc) as { clientId: string; secret: string };
    const cases: Array<[string, Record<string, string>, string]> = [
      ['not bearer', { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }, 'invalid bearer token: expected Authorization: Bearer attest_<client>.<secret>'],
      ['malformed', { Authorization: 'Bearer nonsense' }, 'invalid bearer token'],
      ['unknown client', { Authorization: `Bearer attest_nobody.${secret}` }, 'invalid bearer token'],
      ['wrong secret', { Authorization: `Bearer attest_${clientId}.${'A'.repeat(43)}` }, 'invalid bearer token'],
      ['two tokens', { Authorization: `Bearer ${svc} ${svc}` }, 'invalid bearer token: expected Authorization: Bearer attest_<client>.<secret>'],
      ['huge', { Authorization: `Bearer ${'x'.repeat(6000)}` }, 'invalid bearer token'],
    ];
    for (const [name, headers, message] of cases) {
      const r = await decide(undefined, headers);
      expect(r.status, name).to.equal(401);
      expect(r.body.code, name).to.equal('unauthorized');
      expect(r.body.message, name).to.match(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\<>]/g, '\\$&')}`));
      expect(r.text, name).to.not.contain(secret);
    }
    const rows = await s.db.db.knex('decisions').select('input').where({ path: 'system/authz/allow' });
    for (const row of rows) expect(String(row.input)).to.not.contain(secret);
  });

  it('refuses expired and revoked credentials, and the old token after a rotation (after its grace)', async () => {
    const expired = await s.token('acme', ['service'], { expiresInMs: 1 });
    await new Promise((r) => setTimeout(r, 5));
    expect((await decide(expired)).body.message).to.equal('the credential has expired; ask an admin to rotate it');

    const doomed = await s.token('acme', ['service'], { id: 'doomed' });
    expect((await decide(doomed)).status).to.equal(200);
    await revokeClient(s.db.db, 'doomed', 'test');
    const revoked = await decide(doomed);
    expect(revoked.status).to.equal(401);
    expect(revoked.body.message).to.equal('the credential has been revoked');

    const rotating = await s.token('acme', ['service'], { id: 'rotating' });
    const graceful = await rotateClient(s.db.db, 'rotating', { by: 'test', graceMs: 60_000 });
    expect((await decide(rotating)).status, 'old token in its grace period').to.equal(200);
    expect((await decide(graceful.token)).status).to.equal(200);
    const hard = await rotateClient(s.db.db, 'rotating', { by: 'test' });
    expect((await decide(graceful.token)).status).to.equal(401);
    expect((await decide(hard.token)).status).to.equal(200);
  });

  it('stores only salted hashes of tokens', async () => {
    const row = await s.db.db.knex('api_clients').where({ id: 'acme-svc' }).first();
    const { secret } = parseToken(svc) as { secret: string };
    expect(JSON.stringify(row)).to.not.contain(secret);
    expect(row.token_hash).to.equal(hashSecret(secret, row.token_salt).hash);
    expect(row.token_salt).to.match(/^[0-9a-f]{32}$/);
  });

  it('lets admins manage clients over HTTP, tokens shown once, every change audited', async () => {
    const admin = await s.token('acme', ['admin'], { id: 'acme-admin' });
    const created = await s.call('POST', '/v1/admin/clients', { token: admin, body: { roles: ['service'], name: 'checkout', expires: '30d' } });
    expect(created.status, created.text).to.equal(201);
    const { client, token } = created.body.result as { client: { id: string; tenant: string }; token: string };
    expect(client.tenant).to.equal('acme');
    expect((await decide(token)).status).to.equal(200);
    const list = await s.call('GET', '/v1/admin/clients', { token: admin });
    expect(list.text).to.not.contain(token.split('.')[1]);
    const rotated = await s.call('POST', `/v1/admin/clients/${client.id}/rotate`, { token: admin, body: {} });
    const token2 = (rotated.body.result as { token: string }).token;
    expect((await decide(token)).status).to.equal(401);
    expect((await decide(token2)).status).to.equal(200);
    expect((await s.call('POST', `/v1/admin/clients/${client.id}/revoke`, { token: admin })).status).to.equal(200);
    // Revoked through this server: at once, whatever the cache.
    expect((await decide(token2)).body.message).to.equal('the credential has been revoked');
    const audit = await listAdminActions(s.db.db, { limit: 1000 });
    const mine = audit.filter((e) => e.target === client.id).map((e) => [e.action, e.actor, e.tenant]);
    expect(mine).to.deep.equal([['client.revoke', 'acme-admin', 'acme'], ['client.rotate', 'acme-admin', 'acme'], ['client.create', 'acme-admin', 'acme']]);
  });
});

describe('attest audit verify', function () {
  this.timeout(60000);

  it('passes on an intact log and fails after one audit row is changed by hand', async () => {
    const s = await secureServer();
    try {
      const admin = await s.token('*', ['admin', 'security'], { id: 'ops' });
      await s.call('POST', '/v1/admin/reload', { token: admin });
      await s.call('POST', '/v1/admin/clients', { token: admin, body: { tenant: 'acme', roles: ['auditor'] } });
      const env = { ...process.env, DATABASE_URL: s.db.url };
      const ok = spawnSync(process.execPath, [BIN, 'audit', 'verify'], { env, encoding: 'utf8' });
      expect(ok.status, ok.stdout + ok.stderr).to.equal(0);
      expect(ok.stdout).to.match(/admin audit log: chain intact — \d+ entries checked/);
      const actions = (await listAdminActions(s.db.db, { limit: 100 })).map((e) => e.action);
      expect(actions).to.include.members(['client.create', 'policy.reload']);

      const row = await s.db.db.knex('admin_audit').where({ action: 'policy.reload' }).first();
      await s.db.db.knex('admin_audit').where({ seq: row.seq }).update({ actor: 'someone-else' });
      const bad = spawnSync(process.execPath, [BIN, 'audit', 'verify'], { env, encoding: 'utf8' });
      expect(bad.status).to.equal(1);
      expect(bad.stdout).to.contain('admin audit log: CHAIN BROKEN');
      expect(bad.stdout).to.contain(`first bad entry: ${row.seq} (${row.entry_id}) — changed`);
    } finally {
      await s.close();
    }
  });
});

describe('TLS and client certificates', function () {
  this.timeout(120000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'attest-tls-'));
    const run = (...args: string[]) => {
      const r = spawnSync(process.execPath, [BIN, 'certs', ...args], { cwd: dir, encoding: 'utf8' });
      expect(r.status, r.stderr).to.equal(0);
    };
    run('dev', '--out', 'tls');
    run('init', '--dir', 'ca');
    run('issue', '--client', 'cert-svc', '--dir', 'ca', '--out', 'clients');
    run('issue', '--client', 'stranger', '--dir', 'ca', '--out', 'clients');
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  function httpsCall(port: number, o: { cert?: string; token?: string }): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = request({
        host: '127.0.0.1', port, path: '/v1/data/access/decision', method: 'POST',
        ca: readFileSync(join(dir, 'tls', 'server.crt')), servername: 'localhost',
        headers: { 'content-type': 'application/json', ...(o.token ? { Authorization: `Bearer ${o.token}` } : {}) },
        ...(o.cert ? { cert: readFileSync(join(dir, 'clients', `${o.cert}.crt`)), key: readFileSync(join(dir, 'clients', `${o.cert}.key`)) } : {}),
      }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ input: accessInput('acme') }));
    });
  }

  it('serves HTTPS and authenticates a client by the certificate its CA issued', async () => {
    const s = await secureServer({ tls: { cert: join(dir, 'tls', 'server.crt'), key: join(dir, 'tls', 'server.key'), clientCa: join(dir, 'ca', 'ca.crt') } });
    try {
      expect(s.url).to.match(/^https:\/\//);
      const port = Number(new URL(s.url).port);
      await s.token('acme', ['service'], { id: 'cert-svc' });
      const byCert = await httpsCall(port, { cert: 'cert-svc' });
      expect(byCert.status).to.equal(200);
      expect((await getDecision(s.db.db, byCert.body.decision_id as string))?.caller).to.equal('cert-svc');
      const unknown = await httpsCall(port, { cert: 'stranger' });
      expect(unknown.status).to.equal(401);
      expect(unknown.body.message).to.equal('client certificate for "stranger": no such API client');
      expect((await httpsCall(port, {})).status).to.equal(401);
      await revokeClient(s.db.db, 'cert-svc', 'test');
      await new Promise((r) => setTimeout(r, 1100));
      expect((await httpsCall(port, { cert: 'cert-svc' })).status).to.equal(401);
    } finally {
      await s.close();
    }
  });

  it('requires a client certificate when told to', async () => {
    const s = await secureServer({ tls: { cert: join(dir, 'tls', 'server.crt'), key: join(dir, 'tls', 'server.key'), clientCa: join(dir, 'ca', 'ca.crt'), requireClientCert: true } });
    try {
      const token = await s.token('acme', ['service']);
      const r = await httpsCall(Number(new URL(s.url).port), { token });
      expect(r.status).to.equal(401);
      expect(r.body.message).to.equal('a client certificate issued by the attest CA is required');
    } finally {
      await s.close();
    }
  });

  it('refuses plain HTTP beyond loopback unless told otherwise, and says so', async () => {
    let err: Error | undefined;
    try {
      await startServer({ policies: join(dir, 'none'), controls: CONTROLS, databaseUrl: `sqlite:${join(dir, 'x.db')}`, host: '0.0.0.0', port: 0, watch: false, sighup: false, log: () => undefined });
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).to.match(/^refusing to serve plain HTTP on 0\.0\.0\.0: without TLS attest binds to loopback only/);
    const logs: string[] = [];
    const s = await startServer({ policies: join(dir, 'none'), controls: CONTROLS, databaseUrl: `sqlite:${join(dir, 'y.db')}`, port: 0, watch: false, sighup: false, checkpointIntervalMs: 0, log: (m) => logs.push(m) });
    await s.close();
    expect(logs).to.include('no TLS: listening on loopback (127.0.0.1) only; pass --tls-cert/--tls-key to serve other hosts');
    expect(logs.some((l) => l.startsWith('no API clients exist yet'))).to.equal(true);
  });
});
