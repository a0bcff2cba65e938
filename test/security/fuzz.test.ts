/**
 * A bounded-time fuzz of the JSON entry points (ATTEST_FUZZ_MS, default
 * 4000 ms; ATTEST_FUZZ_SEED to replay a run): random JSON, mutated valid
 * bodies, random bytes, odd content types and encodings, random
 * Authorization headers. Every answer must be OPA-shaped JSON with a known
 * status and no stack trace or server path; afterwards the service still
 * decides and the ledger verifies with every answered decision in it.
 */
import { expect } from 'chai';
import { verifyLedger, getDecision } from '../../src/decisions/index.js';
import { accessInput, secureServer, type SecureServer } from './helpers.js';

/** mulberry32: small, seeded, reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Percent-encodes anything, lone surrogates included (as their UTF-8 replacement bytes). */
const enc = (x: string) => Buffer.from(x).toString('hex').replace(/../g, '%$&');

const STATUSES = new Set([200, 202, 207, 400, 401, 403, 404, 405, 415, 429, 500, 503]);
const ODD = ['\u0000', '\ud800', '\uffff', '"', '\\', '{', '[', ']', '}', ',', ':', '1e999', '-0', 'NaN', 'true', 'null', '\u2028', '💥'];

describe('fuzzing the JSON entry points (bounded time)', function () {
  const budget = Number(process.env.ATTEST_FUZZ_MS ?? 4000);
  const seed = Number(process.env.ATTEST_FUZZ_SEED ?? Date.now() % 1_000_000);
  this.timeout(budget + 60000);
  let s: SecureServer;

  before(async () => {
    s = await secureServer({ rateLimit: { rate: 0 }, maxDepth: 128, evalLimits: { maxMillis: 200 } });
  });

  after(async () => {
    await s?.close();
  });

  it(`keeps every answer well-formed and loses nothing (seed ${seed})`, async () => {
    const rnd = prng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const int = (n: number) => Math.floor(rnd() * n);
    const svc = await s.token('acme', ['service']);
    const all = await s.token('*', ['service', 'security', 'auditor', 'admin'], { id: 'fuzz-root' });
    const tokens = [svc, all, '', 'Bearer', `attest_x.${'A'.repeat(43)}`, svc.slice(0, -1) + 'B', 'Bearer ' + '\u00ff'.repeat(10)];

    const value = (depth: number): unknown => {
      switch (depth > 6 ? int(5) : int(8)) {
        case 0: return null;
        case 1: return rnd() < 0.5;
        case 2: return pick([0, -1, 1.5, 2 ** 53 + 1, 1e308, -1e-308, int(1000)]);
        case 3: return pick(['', 'acme', 'globex', '*', 'x'.repeat(int(300)), pick(ODD)]);
        case 4: return pick(['tenant', 'tenant_id', 'input', 'subject']);
        case 5: return Array.from({ length: int(5) }, () => value(depth + 1));
        default: {
          const o: Record<string, unknown> = {};
          for (let i = int(5); i > 0; i--) o[pick(['input', 'tenant', 'subject', 'resource', 'action', 'inputs', 'common_input', 'framework', 'from', 'to', 'roles', pick(ODD), 'k' + int(9)])] = value(depth + 1);
          return o;
        }
      }
    };
    const mutate = (text: string): string => {
      let t = text;
      for (let i = int(4); i >= 0; i--) {
        const at = int(t.length + 1);
        const op = int(4);
        if (op === 0) t = t.slice(0, at) + pick(ODD) + t.slice(at);
        else if (op === 1) t = t.slice(0, at) + t.slice(at + 1 + int(5));
        else if (op === 2) t = t.slice(0, at);
        else t = t.slice(0, at) + t.slice(at).replace(/[a-z]/, String.fromCharCode(int(128)));
      }
      return t;
    };
    const body = (): string => {
      const r = int(4);
      if (r === 0) return JSON.stringify(value(0));
      if (r === 1) return mutate(JSON.stringify({ input: accessInput(pick(['acme', 'globex'])) }));
      if (r === 2) return JSON.stringify({ input: value(0) });
      return Buffer.from(Array.from({ length: int(64) }, () => int(256))).toString('latin1');
    };
    const endpoints: Array<[string, string]> = [
      ['POST', '/v1/data/access/decision'], ['POST', '/v1/data/access/allow'], ['POST', '/'], ['POST', '/v0/data/access/allow'],
      ['POST', '/v1/batch/data/access/decision'], ['POST', '/v1/reports'], ['POST', '/v1/admin/clients'], ['GET', '/v1/data/access/allow'],
      ['GET', '/v1/decisions'], ['POST', '/v1/data/' + enc(pick(ODD))],
    ];

    const decided: string[] = [];
    const byStatus = new Map<number, number>();
    let n = 0;
    const end = Date.now() + budget;
    while (Date.now() < end) {
      n++;
      const [method, path] = pick(endpoints);
      const headers: Record<string, string> = { 'content-type': pick(['application/json', 'application/json', 'text/plain', 'application/yaml', 'image/png', '']) };
      const token = pick(tokens);
      if (token) headers.Authorization = token.startsWith('attest_') ? `Bearer ${token}` : token;
      const text = body();
      let target = path;
      if (method === 'GET') target += `?${pick(['input', 'tenant', 'limit', 'cursor', 'from'])}=${enc(mutate(text))}`;
      let r;
      try {
        r = await s.call(method, target, { raw: method === 'GET' ? undefined : text, headers });
      } catch (e) {
        throw new Error(`request ${n} (seed ${seed}) ${method} ${target}: ${(e as Error).message}`);
      }
      byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
      const where = `request ${n} (seed ${seed}): ${method} ${target} ${JSON.stringify(text).slice(0, 200)} → ${r.status} ${r.text.slice(0, 300)}`;
      expect(STATUSES.has(r.status), where).to.equal(true);
      expect(r.text, where).to.not.match(/\n\s+at |node_modules|\/work\/|\/tmp\//);
      if (r.status >= 400) {
        expect(r.body.code, where).to.be.a('string');
        expect(r.body.message, where).to.be.a('string');
        // A 500 is an evaluation error of the policy (OPA's message), never an unexpected exception.
        if (r.status === 500) expect(r.body.message, where).to.equal('error(s) occurred while evaluating query');
      }
      if (r.status === 200 && typeof r.body.decision_id === 'string') decided.push(r.body.decision_id);
    }
    // The closing figures go to the test log.
    console.log(`      fuzz: ${n} requests in ${budget} ms (seed ${seed}); statuses ${[...byStatus].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}×${v}`).join(' ')}`);
    expect(n).to.be.greaterThan(50);

    const ok = await s.call('POST', '/v1/data/access/decision', { token: svc, body: { input: accessInput('acme') } });
    expect(ok.status).to.equal(200);
    for (const id of decided.slice(-200)) expect(await getDecision(s.db.db, id), id).to.not.equal(undefined);
    expect((await verifyLedger(s.db.db)).ok).to.equal(true);
  });
});
