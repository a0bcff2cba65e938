/**
 * Hostile input, by category: each gets a clear OPA-shaped error with a
 * stable code, is counted in /metrics, and the service keeps serving with
 * nothing lost (every answered decision is in a ledger that verifies).
 */
import { expect } from 'chai';
import { request } from 'node:http';
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { getDecision, verifyLedger } from '../../src/decisions/index.js';
import { accessInput, secureServer, type SecureServer } from './helpers.js';

function metric(text: string, limit: string): number {
  const m = new RegExp(`^attest_limit_exceeded_total\\{limit="${limit}"\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

describe('hostile input', function () {
  this.timeout(120000);
  let s: SecureServer;
  let svc: string;
  let ops: string;
  const answered: string[] = [];

  before(async () => {
    s = await secureServer({ maxBodyBytes: 64 * 1024, maxDepth: 64, evalLimits: { maxMillis: 300, maxSteps: 2_000_000 } });
    svc = await s.token('acme', ['service']);
    ops = await s.token('*', ['security', 'monitoring'], { id: 'ops' });
  });

  after(async () => {
    await s?.close();
  });

  /** The service still decides, and the decision is recorded. */
  async function stillServing(): Promise<void> {
    const r = await s.call('POST', '/v1/data/access/decision', { token: svc, body: { input: accessInput('acme') } });
    expect(r.status, r.text).to.equal(200);
    answered.push(r.body.decision_id as string);
    expect((await s.call('GET', '/health')).status).to.equal(200);
  }

  const metrics = async () => (await s.call('GET', '/metrics', { token: ops })).text;

  it('malformed JSON: 400 invalid_parameter, each', async () => {
    const bodies = ['{', '{"input": }', '[1,2', '{"input": {"a": 1,}}', 'nul', '{"input": "\\x"}', '"\\ud800', '{"input": 1e999999}', '\u0000', '{"a":1}{"b":2}', '{"input": [1, 2,, 3]}', 'Ω'];
    for (const raw of bodies) {
      const r = await s.call('POST', '/v1/data/access/decision', { token: svc, raw });
      expect([400], `${JSON.stringify(raw)} → ${r.text}`).to.include(r.status);
      expect(r.body.code).to.equal('invalid_parameter');
      expect(r.body.message).to.match(/^request body is not valid JSON: /);
    }
    await stillServing();
  });

  it('oversized bodies and gzip bombs: 400 "request body too large", counted as body_size', async () => {
    const before = metric(await metrics(), 'body_size');
    const big = JSON.stringify({ input: { blob: 'x'.repeat(100 * 1024) } });
    const cases = [
      { raw: big, headers: {} as Record<string, string> },
      { raw: gzipSync(Buffer.from(JSON.stringify({ input: { blob: 'y'.repeat(10 * 1024 * 1024) } }))), headers: { 'content-encoding': 'gzip' } },
    ];
    for (const c of cases) {
      const r = await s.call('POST', '/v1/data/access/decision', { token: svc, raw: c.raw, headers: c.headers });
      expect(r.status).to.equal(400);
      expect(r.body.message).to.be.oneOf(['request body too large', 'compressed request body too large']);
    }
    expect(metric(await metrics(), 'body_size') - before).to.equal(2);
    await stillServing();
  });

  it('deeply nested JSON in bodies and ?input=: 400 with code body_too_deep', async () => {
    const before = metric(await metrics(), 'json_depth');
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const probes = [
      () => s.call('POST', '/v1/data/access/decision', { token: svc, raw: `{"input": ${deep(5000)}}` }),
      () => s.call('POST', '/v1/data/access/decision', { token: svc, raw: `{"input": ${'{"a":'.repeat(65)}1${'}'.repeat(65)}}` }),
      () => s.call('GET', `/v1/data/access/decision?input=${encodeURIComponent(deep(1000))}`, { token: svc }),
      () => s.call('POST', '/v1/data/access/decision', { token: svc, raw: `input:\n${'  '.repeat(1)}${'- '.repeat(200)}1`, headers: { 'content-type': 'application/yaml' } }),
    ];
    for (const probe of probes) {
      const r = await probe();
      expect(r.status, r.text).to.equal(400);
      expect(r.body.message).to.equal('request body nests deeper than 64 levels');
      expect((r.body.errors as Array<{ code: string }>)[0].code).to.equal('body_too_deep');
    }
    expect(metric(await metrics(), 'json_depth') - before).to.equal(probes.length);
    await stillServing();
  });

  describe('hostile Rego through a reload', () => {
    const file = () => join(s.ws.policies, 'hostile.rego');
    const reload = () => s.call('POST', '/v1/admin/reload', { token: ops });
    afterEach(async () => {
      try {
        unlinkSync(file());
      } catch {
        // already gone
      }
      expect((await reload()).status).to.equal(200);
    });

    it('infinite recursion is refused at compile time; the previous snapshot keeps serving', async () => {
      for (const src of ['package hostile\np if q\nq if p\n', 'package hostile\nf(x) := y if { y := f(x + 1) }\nr := f(1)\n']) {
        writeFileSync(file(), src);
        const r = await reload();
        expect(r.status).to.equal(400);
        expect(r.body.message).to.equal('error(s) occurred while compiling module(s); the previous snapshot keeps serving');
        expect((r.body.errors as Array<{ code: string }>).map((e) => e.code)).to.include('rego_recursion_error');
        await stillServing();
      }
    });

    it('huge comprehensions and long loops stop at the evaluation limits (500 with the engine’s code), counted', async () => {
      writeFileSync(file(), [
        'package hostile',
        'huge := [x | some x in numbers.range(1, 5000000)]',
        'loops := count([1 | some i in numbers.range(1, 5000); some j in numbers.range(1, 5000)])',
        'setbomb := {sprintf("%d-%d", [i, j]) | some i in numbers.range(1, 3000); some j in numbers.range(1, 3000)}',
        '',
      ].join('\n'));
      expect((await reload()).status).to.equal(200);
      const before = await metrics();
      const limits: string[] = [];
      for (const rule of ['huge', 'loops', 'setbomb']) {
        const started = Date.now();
        const r = await s.call('POST', `/v1/data/hostile/${rule}`, { token: svc, body: { input: {} } });
        expect(Date.now() - started, rule).to.be.below(5000);
        expect(r.status, `${rule}: ${r.text}`).to.equal(500);
        expect(r.body).to.include({ code: 'internal_error', message: 'error(s) occurred while evaluating query' });
        const code = (r.body.errors as Array<{ code: string }>)[0].code;
        expect(code).to.be.oneOf(['eval_limit_error', 'eval_cancel_error']);
        limits.push(code);
        // The failed evaluation is in the ledger under the id the answer carries.
        expect((await getDecision(s.db.db, r.body.decision_id as string))?.outcome).to.equal('error');
        answered.push(r.body.decision_id as string);
        await stillServing();
      }
      const after = await metrics();
      const counted = ['eval_steps', 'eval_time', 'eval_collection'].reduce((n, l) => n + metric(after, l) - metric(before, l), 0);
      expect(counted).to.equal(3);
    });

    it('regex bombs run in linear time (RE2 semantics)', async () => {
      writeFileSync(file(), 'package hostile\nbomb if regex.match(`^(a+)+$`, input.s)\nnested if regex.match(`(x+x+)+y`, input.s)\n');
      expect((await reload()).status).to.equal(200);
      for (const rule of ['bomb', 'nested']) {
        const started = Date.now();
        const r = await s.call('POST', `/v1/data/hostile/${rule}`, { token: svc, body: { input: { s: `${'a'.repeat(30000)}!`.replace(/a/g, rule === 'nested' ? 'x' : 'a') } } });
        expect(r.status).to.equal(200);
        expect(r.body).to.not.have.property('result');
        expect(Date.now() - started).to.be.below(2000);
      }
      await stillServing();
    });
  });

  it('nothing answered was lost: every decision id is in a ledger that verifies', async () => {
    for (const id of answered) expect(await getDecision(s.db.db, id), id).to.not.equal(undefined);
    const report = await verifyLedger(s.db.db);
    expect(report.ok, JSON.stringify(report.firstBad)).to.equal(true);
  });
});

describe('rate limit and request deadline', function () {
  this.timeout(60000);

  it('gives each client a token bucket: 429 too_many_requests with Retry-After, others unaffected', async () => {
    const s = await secureServer({ rateLimit: { rate: 5, burst: 10 } });
    try {
      const noisy = await s.token('acme', ['service']);
      const quiet = await s.token('acme', ['service']);
      const replies = await Promise.all(Array.from({ length: 30 }, () => s.call('POST', '/v1/data/access/decision', { token: noisy, body: { input: accessInput('acme') } })));
      const ok = replies.filter((r) => r.status === 200).length;
      const limited = replies.filter((r) => r.status === 429);
      expect(ok).to.be.within(10, 11);
      expect(limited.length).to.equal(30 - ok);
      expect(limited[0].body.code).to.equal('too_many_requests');
      expect(limited[0].body.message).to.match(/^rate limit exceeded: at most 5 requests per second \(bursts of 10\) per client; retry after 1 s$/);
      expect(limited[0].headers.get('retry-after')).to.equal('1');
      expect((await s.call('POST', '/v1/data/access/decision', { token: quiet, body: { input: accessInput('acme') } })).status).to.equal(200);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await s.call('POST', '/v1/data/access/decision', { token: noisy, body: { input: accessInput('acme') } })).status).to.equal(200);
      const m = await s.call('GET', '/metrics', { token: await s.token('*', ['monitoring']) });
      expect(metric(m.text, 'rate')).to.equal(limited.length);
      // Without a credential the bucket is per address: a flood of bad requests is limited too.
      const anon = await Promise.all(Array.from({ length: 15 }, () => s.call('POST', '/v1/data/access/decision', { body: { input: {} } })));
      expect(anon.map((r) => r.status)).to.include(429);
    } finally {
      await s.close();
    }
  });

  it('answers 503 request_timeout to a request that stalls, and keeps serving', async () => {
    const s = await secureServer({ requestTimeoutMs: 300 });
    try {
      const token = await s.token('acme', ['service']);
      const { port } = new URL(s.url);
      const stalled = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/v1/data/access/decision', method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', Authorization: `Bearer ${token}` } }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.write('{"input": {"sub');
        // …and never finish the body.
      });
      expect(stalled.status).to.equal(503);
      expect(JSON.parse(stalled.body)).to.deep.equal({ code: 'request_timeout', message: 'the request did not complete within 300 ms' });
      expect((await s.call('POST', '/v1/data/access/decision', { token, body: { input: accessInput('acme') } })).status).to.equal(200);
      const m = await s.call('GET', '/metrics', { token: await s.token('*', ['monitoring']) });
      expect(metric(m.text, 'timeout')).to.equal(1);
    } finally {
      await s.close();
    }
  });
});
