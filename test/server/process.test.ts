/**
 * `attest serve` as real child processes, on SQLite and (with
 * TEST_DATABASE_URL) PostgreSQL: a server killed with SIGKILL under load
 * loses no decision a client received, and two servers on one database keep
 * one verifiable ledger.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { migrateLatest } from '../../src/db/index.js';
import { listDecisions, verifyLedger, type DecisionRecord } from '../../src/decisions/index.js';
import { forEachBackend } from '../db/backends.js';
import { BIN, CONTROLS, allowedInput, authHeader, childDatabaseUrl, deniedInput, spawnServer, workspace, type Child, type Workspace } from './helpers.js';

async function allIds(db: Parameters<typeof listDecisions>[0]): Promise<{ ids: Set<string>; rows: DecisionRecord[] }> {
  const rows: DecisionRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await listDecisions(db, {}, { limit: 1000, cursor, order: 'asc' });
    rows.push(...page.decisions);
    cursor = page.next;
  } while (cursor);
  return { ids: new Set(rows.map((r) => r.decision_id)), rows };
}

/**
 * Keeps `concurrency` requests in flight against `url` until `stop()` or
 * `limit` answers; returns the decision ids of the 200 answers received.
 */
function load(url: string, concurrency: number, limit = Infinity): { done: Promise<string[]>; stop(): void; received(): number } {
  const ids: string[] = [];
  let stopped = false;
  let sent = 0;
  const worker = async () => {
    while (!stopped && sent < limit) {
      sent++;
      const i = sent;
      try {
        const r = await fetch(`${url}/v1/data/access/decision`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...authHeader(url) },
          body: JSON.stringify({ input: i % 2 ? allowedInput(i) : deniedInput(i) }),
        });
        const body = (await r.json()) as { decision_id?: string };
        if (r.status === 200 && body.decision_id) ids.push(body.decision_id);
      } catch {
        // the server went away mid-request: that request was never answered
        if (stopped) return;
      }
    }
  };
  const done = Promise.all(Array.from({ length: concurrency }, worker)).then(() => ids);
  return { done, stop: () => (stopped = true), received: () => ids.length };
}

function exited(child: Child): Promise<void> {
  return new Promise((resolve) => {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) resolve();
    else child.proc.once('exit', () => resolve());
  });
}

forEachBackend('attest serve killed with SIGKILL under load', (get) => {
  let ws: Workspace;
  before(() => {
    ws = workspace();
  });
  after(() => ws?.dispose());

  it('loses no decision that a client received', async function () {
    this.timeout(120000);
    const child = await spawnServer(ws, childDatabaseUrl(get()));
    const run = load(child.url, 32);
    // Let load build up, then kill without warning.
    const deadline = Date.now() + 20000;
    while (run.received() < 600 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.proc.kill('SIGKILL');
    await exited(child);
    run.stop();
    const received = await run.done;
    expect(received.length).to.be.greaterThan(100);

    const { ids, rows } = await allIds(get().db);
    const lost = received.filter((id) => !ids.has(id));
    expect(lost, 'decisions answered but not in the ledger').to.deep.equal([]);
    expect(rows.length).to.be.at.least(received.length);
    expect(await verifyLedger(get().db)).to.include({ ok: true, checked: rows.length });
  });
});

forEachBackend('two attest serve processes on one database', (get) => {
  let ws: Workspace;
  before(async () => {
    ws = workspace();
    await migrateLatest(get().db);
  });
  after(() => ws?.dispose());

  it('keep one ledger that verifies, with every decision of both', async function () {
    this.timeout(120000);
    const url = childDatabaseUrl(get());
    const a = await spawnServer(ws, url);
    const b = await spawnServer(ws, url);
    try {
      const [fromA, fromB] = await Promise.all([load(a.url, 16, 400).done, load(b.url, 16, 400).done]);
      expect(fromA).to.have.length(400);
      expect(fromB).to.have.length(400);
      const { ids, rows } = await allIds(get().db);
      expect(rows).to.have.length(800);
      expect(ids).to.deep.equal(new Set([...fromA, ...fromB]));
      expect(rows.map((r) => r.seq)).to.deep.equal(Array.from({ length: 800 }, (_, i) => i + 1));
      expect(await verifyLedger(get().db)).to.include({ ok: true, checked: 800 });
    } finally {
      a.proc.kill('SIGTERM');
      b.proc.kill('SIGTERM');
      await Promise.all([exited(a), exited(b)]);
    }
  });
});

describe('attest serve on a port that is taken', () => {
  it('says so and exits with status 1, holding nothing that keeps it running', async function () {
    this.timeout(30000);
    const ws = workspace();
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as AddressInfo).port;
    try {
      const proc = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--policies', ws.policies, '--controls', CONTROLS], {
        cwd: ws.dir,
        env: { ...process.env, DATABASE_URL: `sqlite:${join(ws.dir, 'attest.db')}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null | 'hung'>((resolve) => {
        const timer = setTimeout(() => {
          proc.kill('SIGKILL');
          resolve('hung');
        }, 15000);
        proc.on('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      expect(code, err).to.equal(1);
      expect(err).to.match(/EADDRINUSE/);
    } finally {
      taken.close();
      ws.dispose();
    }
  });
});
