/**
 * The README's acceptance check: `curl -d @examples/requests/<case>.json`
 * against a server on the shipped policies returns the documented decision
 * (examples/expected/<case>.json) with a decision id, and the request bodies
 * stay in sync with the bare inputs in examples/*.json.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateLatest, openDatabase, type Database } from '../../src/db/index.js';
import { verifyLedger } from '../../src/decisions/index.js';
import { createClient } from '../../src/server/auth/clients.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { ROOT } from './helpers.js';

const examples = join(ROOT, 'examples');
const cases = readdirSync(examples).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));

describe('example requests', () => {
  it('are the examples wrapped as {"input": …}, one per example', () => {
    // Exits non-zero naming what is missing, stale or left over.
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'example-requests.mjs'), '--check'], { stdio: 'pipe' });
    const requests = readdirSync(join(examples, 'requests')).filter((f) => f.endsWith('.json'));
    expect(requests.sort()).to.deep.equal(cases.map((c) => `${c}.json`).sort());
    for (const c of cases) {
      const body = JSON.parse(readFileSync(join(examples, 'requests', `${c}.json`), 'utf8')) as Record<string, unknown>;
      expect(Object.keys(body), c).to.deep.equal(['input']);
      expect(body.input, c).to.deep.equal(JSON.parse(readFileSync(join(examples, `${c}.json`), 'utf8')));
    }
  });

  describe('sent to the decision service on the shipped policies', () => {
    let dir: string;
    let db: Database;
    let server: RunningServer;
    let acme: string;
    let platform: string;

    before(async function () {
      this.timeout(60000);
      dir = mkdtempSync(join(tmpdir(), 'attest-examples-'));
      const url = `sqlite:${join(dir, 'ledger.db')}`;
      db = await openDatabase(url);
      await migrateLatest(db);
      // The README's client (one tenant), and a platform client for the cases that name other tenants.
      acme = `Bearer ${(await createClient(db, { tenant: 'acme', roles: ['service'], by: 'test' })).token}`;
      platform = `Bearer ${(await createClient(db, { tenant: '*', roles: ['service'], by: 'test' })).token}`;
      server = await startServer({
        policies: join(ROOT, 'policies'), controls: join(ROOT, 'controls'), databaseUrl: url, port: 0,
        watch: false, sighup: false, checkpointIntervalMs: 0, checkpointKeyFile: join(dir, 'checkpoint-key.pem'), log: () => undefined,
      });
    });

    after(async () => {
      await server?.close();
      await db?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** What curl -d @file sends: the bytes as they are, as a form post. */
    async function curl(path: string, file: string, auth: string): Promise<{ status: number; body: { decision_id?: string; result?: unknown } }> {
      const r = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
        body: readFileSync(file),
      });
      return { status: r.status, body: (await r.json()) as { decision_id?: string; result?: unknown } };
    }

    const expected = (c: string) => JSON.parse(readFileSync(join(examples, 'expected', `${c}.json`), 'utf8')) as unknown;

    it('answers the README\'s curl with the documented decision', async () => {
      const r = await curl('/v1/data/access/decision', join(examples, 'requests', 'access-production-no-mfa.json'), acme);
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body.decision_id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(r.body.result).to.deep.equal(expected('access-production-no-mfa'));
    });

    for (const c of cases) {
      it(`${c} gives the documented decision`, async () => {
        const r = await curl(`/v1/data/${c.split('-')[0]}/decision`, join(examples, 'requests', `${c}.json`), platform);
        expect(r.status, JSON.stringify(r.body)).to.equal(200);
        expect(r.body.decision_id).to.be.a('string');
        expect(r.body.result).to.deep.equal(expected(c));
      });
    }

    it('recorded each of them in a chain that verifies', async () => {
      const report = await verifyLedger(db);
      expect(report.ok).to.equal(true);
      expect(report.checked).to.be.at.least(cases.length);
    });
  });
});
