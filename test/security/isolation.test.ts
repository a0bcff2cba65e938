/**
 * Tenant isolation: every endpoint of the service, called with another
 * tenant's credential (globex, holding every role) for acme's data, is
 * refused (403) or finds nothing (404) — or, for listings and the documents
 * shared by all tenants, answers without a trace of acme: no decision id,
 * report id, client id, token, or the marker acme's decisions carry.
 */
import { expect } from 'chai';
import { accessInput, ROLES_ALL, secureServer, type Reply, type SecureServer } from './helpers.js';

describe('tenant isolation: another tenant’s credential on every endpoint', function () {
  this.timeout(120000);
  let s: SecureServer;
  let acmeService: string;
  let acmeAuditor: string;
  let globex: string;
  let acmeDecision: string;
  let acmeReport: string;
  const marker = `acme-private-${Date.now()}`;
  const secrets: string[] = [];

  before(async () => {
    s = await secureServer();
    acmeService = await s.token('acme', ['service'], { id: 'acme-svc' });
    acmeAuditor = await s.token('acme', ['auditor'], { id: 'acme-auditor' });
    await s.token('acme', ['admin'], { id: 'acme-admin' });
    globex = await s.token('globex', ROLES_ALL, { id: 'globex-all' });
    const d = await s.call('POST', '/v1/data/access/decision', { token: acmeService, body: { input: { ...accessInput('acme'), note: marker } } });
    expect(d.status).to.equal(200);
    acmeDecision = d.body.decision_id as string;
    const today = new Date().toISOString().slice(0, 10);
    const r = await s.call('POST', '/v1/reports', { token: acmeAuditor, body: { framework: 'soc2', from: today, to: today } });
    expect(r.status, r.text).to.equal(202);
    acmeReport = (r.body.result as { id: string }).id;
    for (let i = 0; i < 600; i++) {
      const j = await s.call('GET', `/v1/reports/${acmeReport}`, { token: acmeAuditor });
      const status = (j.body.result as { status: string }).status;
      if (status !== 'running') {
        expect(status, j.text).to.equal('done');
        break;
      }
      await new Promise((res) => setTimeout(res, 100));
    }
    secrets.push(marker, acmeDecision, acmeReport, acmeService, acmeAuditor, 'acme-svc', 'acme-auditor', 'acme-admin');
  });

  after(async () => {
    await s?.close();
  });

  /** acme's secrets in an answer, except what the caller itself sent (an id echoed in "not found"). */
  const leaks = (r: Reply, sent = '') => secrets.filter((x) => r.text.includes(x) && !sent.includes(x));

  // [method, path, body, expected statuses]; `*` paths are filled in below.
  const refused = (): Array<[string, string, unknown?]> => [
    ['POST', '/v1/data/access/decision', { input: accessInput('acme') }],
    ['GET', `/v1/data/access/decision?input=${encodeURIComponent(JSON.stringify(accessInput('acme')))}`],
    ['POST', '/', accessInput('acme')],
    ['POST', '/v0/data/access/decision', accessInput('acme')],
    ['POST', '/v1/batch/data/access/decision', { inputs: { mine: accessInput('globex'), theirs: accessInput('acme') } }],
    ['POST', '/v1/batch/data/access/decision', { inputs: { mine: accessInput('globex') }, common_input: { tenant: 'acme' } }],
    ['POST', '/v1/data/roles', { input: {} }],
    ['POST', '/v1/data', { input: {} }],
    ['GET', '/v1/decisions?tenant=acme'],
    ['GET', `/v1/decisions/${acmeDecision}`],
    ['POST', '/v1/reports', { framework: 'soc2', from: '2025-01-01', to: '2025-01-31', tenant: 'acme' }],
    ['GET', `/v1/reports/${acmeReport}`],
    ['GET', `/v1/reports/${acmeReport}/report.json`],
    ['GET', `/v1/reports/${acmeReport}/manifest.json`],
    ['POST', '/v1/admin/clients', { tenant: 'acme', roles: ['admin'] }],
    ['POST', '/v1/admin/clients', { tenant: '*', roles: ['admin'] }],
    ['POST', '/v1/admin/clients/acme-svc/rotate', {}],
    ['POST', '/v1/admin/clients/acme-svc/revoke', {}],
    ['POST', '/v1/admin/reload', {}],
  ];

  it('refuses (403) or does not find (404) acme’s data, and leaks nothing of it', async () => {
    const seen: string[] = [];
    for (const [method, path, body] of refused()) {
      const r = await s.call(method, path, { token: globex, body });
      seen.push(`${method} ${path.split('?')[0]} → ${r.status}`);
      expect([403, 404], `${method} ${path}: ${r.text}`).to.include(r.status);
      expect(r.body.code, `${method} ${path}`).to.be.oneOf(['forbidden', 'resource_not_found']);
      expect(leaks(r, path + JSON.stringify(body ?? '')), `${method} ${path}`).to.deep.equal([]);
    }
    expect(seen).to.have.length(19);
    // acme's client and decisions are untouched by globex's attempts.
    const still = await s.call('POST', '/v1/data/access/decision', { token: acmeService, body: { input: accessInput('acme') } });
    expect(still.status).to.equal(200);
    const own = await s.call('GET', `/v1/decisions/${acmeDecision}`, { token: acmeAuditor });
    expect(own.status).to.equal(200);
    expect(own.text).to.contain(marker);
  });

  it('scopes listings to the caller’s tenant', async () => {
    await s.call('POST', '/v1/data/access/decision', { token: globex, body: { input: accessInput('globex') } });
    for (const path of ['/v1/decisions', '/v1/decisions?limit=1000&order=asc', '/v1/admin/clients?revoked', '/v1/admin/audit?limit=1000']) {
      const r = await s.call('GET', path, { token: globex });
      expect(r.status, path).to.equal(200);
      expect(leaks(r), path).to.deep.equal([]);
      const rows = r.body.result as Array<{ tenant: string | null }>;
      expect(rows.length, path).to.be.greaterThan(0);
      for (const row of rows) expect(row.tenant, path).to.equal('globex');
    }
  });

  it('serves the documents shared by all tenants without any tenant’s data', async () => {
    const policies = await s.call('GET', '/v1/policies', { token: globex });
    const id = (policies.body.result as Array<{ id: string }>)[0].id;
    for (const path of ['/v1/policies', `/v1/policies/${id}`, '/v1/controls', '/v1/controls/CTL-ACCESS-MFA', '/v1/frameworks', '/v1/frameworks/soc2/coverage', '/metrics', '/health']) {
      const r = await s.call('GET', path, { token: globex });
      expect(r.status, `${path}: ${r.text.slice(0, 200)}`).to.equal(200);
      expect(leaks(r), path).to.deep.equal([]);
    }
  });

  it('gives a tenant’s service nothing but its decision paths', async () => {
    const svc = await s.token('globex', ['service']);
    for (const [method, path] of [['GET', '/v1/decisions'], ['GET', '/v1/policies'], ['GET', '/v1/controls'], ['GET', '/metrics'], ['GET', '/v1/admin/clients'], ['GET', '/v1/admin/audit'], ['POST', '/v1/admin/reload'], ['POST', '/v1/reports']]) {
      const r = await s.call(method, path, { token: svc, body: method === 'POST' ? {} : undefined });
      expect(r.status, `${method} ${path}`).to.equal(403);
      expect(r.body.code).to.equal('forbidden');
    }
    expect((await s.call('POST', '/v1/data/access/decision', { token: svc, body: { input: accessInput('globex') } })).status).to.equal(200);
  });

  it('keeps an auditor to its window', async () => {
    const windowed = await s.token('acme', ['auditor'], { window: { from: '2020-01-01T00:00:00Z', to: '2020-04-01T00:00:00Z' } });
    const out = await s.call('POST', '/v1/reports', { token: windowed, body: { framework: 'soc2', from: '2020-01-01', to: '2020-06-30' } });
    expect(out.status).to.equal(403);
    expect(out.body.message).to.equal('the requested period is outside the credential\'s window');
    const list = await s.call('GET', '/v1/decisions', { token: windowed });
    expect(list.status).to.equal(200);
    expect(list.body.result).to.deep.equal([]);
    expect((await s.call('GET', `/v1/decisions/${acmeDecision}`, { token: windowed })).status).to.equal(404);
    expect((await s.call('GET', `/v1/reports/${acmeReport}`, { token: windowed })).status).to.equal(404);
  });
});
