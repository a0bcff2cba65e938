/**
 * OPA's Data API: POST/GET /v1/data/{path}, POST / (the default decision),
 * POST /v0/data/{path}, and POST /v1/batch/data/{path}. Every evaluation is
 * a decision: it gets a decision id and is in the ledger before it is answered.
 */
import { randomUUID } from 'node:crypto';
import type Koa from 'koa';
import { RObject, ruleGroundPath, stringifyJSON, fromJSON, type Value } from '../../rego/index.js';
import { DecisionEvalError, type Decision } from '../../decisions/evaluate.js';
import { isLedgerError } from '../../decisions/index.js';
import type { PolicySnapshot } from '../../policy/snapshot.js';
import { parseJsonParam } from '../body.js';
import { HttpError, badRequest, toHttpError } from '../errors.js';
import { identityOf } from '../identity.js';
import { flag, param, sendJsonText } from '../json.js';
import type { Router } from '../router.js';
import type { ServerState } from '../state.js';
import { ownedByBundle } from './policies.js';

const MAX_BATCH = 1000;

/** Decoded path segments of a raw (percent-encoded) data path. */
export function dataPath(raw: string): string {
  if (raw === '') return '';
  const segs = raw.split('/').map((s) => {
    let d: string;
    try {
      d = decodeURIComponent(s);
    } catch {
      throw badRequest(`invalid path segment "${s}": bad percent-encoding`);
    }
    if (d.includes('/')) throw badRequest(`invalid path segment "${s}": an encoded "/" is not allowed`);
    return d;
  });
  return segs.join('/');
}

function currentSnapshot(state: ServerState): PolicySnapshot {
  const snap = state.snapshots.current;
  if (snap) return snap;
  const why = state.snapshots.lastReload?.error?.message ?? 'policies are still loading';
  throw new HttpError(503, 'internal_error', `no policy snapshot is loaded: ${why}`);
}

/**
 * Waits for a decision and keeps its metrics under `label` (the data path);
 * errors propagate (already logged where possible), counted when they are
 * an evaluation or a ledger failure.
 */
export async function withMetrics(state: ServerState, label: string, started: bigint, pending: Promise<Decision>): Promise<Decision> {
  try {
    const d = await pending;
    state.metrics.decided(label, d.outcome, Number(process.hrtime.bigint() - started) / 1e9, d.evalNs / 1e9, d.enforcement_points);
    return d;
  } catch (e) {
    if (e instanceof DecisionEvalError) state.metrics.decided(label, 'error', Number(process.hrtime.bigint() - started) / 1e9, 0, []);
    else if (isLedgerError(e)) state.metrics.ledgerFailures.inc();
    throw e;
  }
}

/** Decides one input and keeps the metrics; errors propagate. */
function decide(ctx: Koa.Context, state: ServerState, snapshot: PolicySnapshot, path: string, input: Value | undefined): Promise<Decision> {
  const who = identityOf(ctx);
  const started = ctx.state.startedAt as bigint;
  return withMetrics(state, path, started, state.evaluator.decide(snapshot, {
    path, input, strict: flag(ctx, 'strict-builtin-errors'),
    caller: who.caller, tenant: who.tenant, environment: who.environment, startedAt: started, limits: state.security.evalLimits,
  }));
}

interface Extras {
  metrics?: Record<string, number>;
  provenance?: Record<string, unknown>;
  warning?: { code: string; message: string };
}

/** The v1 response: `{decision_id, metrics?, provenance?, result?, warning?}`, Go-style JSON like OPA's. */
function v1Body(d: Decision, extras: Extras, pretty: boolean): string {
  if (!pretty && !extras.metrics && !extras.provenance && !extras.warning) {
    // The common case, without building an envelope object.
    return d.result === undefined
      ? `{"decision_id":"${d.decision_id}"}`
      : `{"decision_id":"${d.decision_id}","result":${stringifyJSON(d.result)}}`;
  }
  const o = new RObject();
  o.set('decision_id', d.decision_id);
  if (extras.metrics) o.set('metrics', fromJSON(extras.metrics));
  if (extras.provenance) o.set('provenance', fromJSON(extras.provenance));
  if (d.result !== undefined) o.set('result', d.result);
  if (extras.warning) o.set('warning', fromJSON(extras.warning));
  return stringifyJSON(o, pretty ? '  ' : '');
}

function extrasFor(ctx: Koa.Context, state: ServerState, snapshot: PolicySnapshot, d: Decision, warn: boolean): Extras {
  const extras: Extras = {};
  if (flag(ctx, 'metrics') || flag(ctx, 'instrument')) {
    extras.metrics = {
      counter_server_query_cache_hit: 1,
      timer_rego_input_parse_ns: (ctx.state.parseNs as number | undefined) ?? 0,
      timer_rego_query_eval_ns: d.evalNs,
      timer_server_handler_ns: Number(process.hrtime.bigint() - (ctx.state.startedAt as bigint)),
    };
  }
  if (flag(ctx, 'provenance')) {
    extras.provenance = { ...state.build, revision: snapshot.revision, bundles: { policies: { revision: snapshot.revision } } };
  }
  if (warn) extras.warning = { code: 'api_usage_warning', message: "'input' key missing from the request" };
  return extras;
}

/** The input of a v1 request body `{"input": …}`; `missing` when the key is absent. */
function v1Input(body: Value | undefined): { input?: Value; missing: boolean } {
  if (body === undefined) return { missing: true };
  if (!(body instanceof RObject)) throw badRequest('request body must be a JSON object of the form {"input": ...}');
  const input = body.get('input');
  return input === undefined ? { missing: true } : { input, missing: false };
}

/** `document missing` when nothing (rule or base data) lives at the path, else `document undefined`. */
function undefinedDocument(snapshot: PolicySnapshot, path: string): HttpError {
  const segs = path === '' ? [] : path.split('/');
  const ref = ['data', ...segs].join('.');
  return new HttpError(404, 'undefined_document', `${documentExists(snapshot, segs) ? 'document undefined' : 'document missing'}: ${ref}`);
}

function documentExists(snapshot: PolicySnapshot, segs: string[]): boolean {
  for (const m of snapshot.modules) {
    for (const r of m.rules) {
      const rulePath = ruleGroundPath(m.package, r).path;
      const n = Math.min(rulePath.length, segs.length);
      if (rulePath.slice(0, n).every((p, i) => p === segs[i])) return true;
    }
  }
  let v: Value | undefined = snapshot.engine.getData();
  for (const s of segs) {
    if (!(v instanceof RObject)) return false;
    v = v.get(s);
    if (v === undefined) return false;
  }
  return true;
}

export function dataRoutes(router: Router, state: ServerState): void {
  router.post('/v1/data/*path', async (ctx, p) => {
    const path = dataPath(p.path);
    const snapshot = currentSnapshot(state);
    const { input, missing } = v1Input(ctx.state.body as Value | undefined);
    const d = await decide(ctx, state, snapshot, path, input);
    sendJsonText(ctx, 200, v1Body(d, extrasFor(ctx, state, snapshot, d, missing), flag(ctx, 'pretty')));
  });

  router.get('/v1/data/*path', async (ctx, p) => {
    const path = dataPath(p.path);
    const snapshot = currentSnapshot(state);
    const raw = param(ctx, 'input');
    const input = raw === undefined ? undefined : parseJsonParam('input', raw, state.limits);
    const d = await decide(ctx, state, snapshot, path, input);
    sendJsonText(ctx, 200, v1Body(d, extrasFor(ctx, state, snapshot, d, false), flag(ctx, 'pretty')));
  });

  const bare = (pathOf: (p: Record<string, string>) => string) => async (ctx: Koa.Context, p: Record<string, string>) => {
    const path = pathOf(p);
    const snapshot = currentSnapshot(state);
    const d = await decide(ctx, state, snapshot, path, ctx.state.body as Value | undefined);
    ctx.set('X-Attest-Decision-Id', d.decision_id);
    if (d.result === undefined) throw undefinedDocument(snapshot, path);
    sendJsonText(ctx, 200, stringifyJSON(d.result, flag(ctx, 'pretty') ? '  ' : ''));
  };
  // Base documents come from the policies directory, as policies do.
  for (const method of ['PUT', 'PATCH', 'DELETE']) {
    router.add(method, '/v1/data/*path', () => {
      throw ownedByBundle(state);
    });
  }

  router.post('/', bare(() => state.defaultDecision));
  router.post('/v0/data/*path', bare((p) => dataPath(p.path)));

  router.post('/v1/batch/data/*path', async (ctx, p) => {
    const path = dataPath(p.path);
    const snapshot = currentSnapshot(state);
    const body = ctx.state.body as Value | undefined;
    const inputs = body instanceof RObject ? body.get('inputs') : undefined;
    if (!(inputs instanceof RObject)) throw badRequest('request body must be a JSON object of the form {"inputs": {"<id>": <input>, ...}}');
    if (inputs.size > MAX_BATCH) throw badRequest(`a batch holds at most ${MAX_BATCH} inputs, got ${inputs.size}`);
    const common = (body as RObject).get('common_input');
    const entries = [...inputs].map(([k, v]) => [typeof k === 'string' ? k : stringifyJSON(k), withCommon(v, common)] as const);
    // Concurrently, so that the whole batch shares ledger transactions.
    const settled = await Promise.allSettled(entries.map(([, input]) => decide(ctx, state, snapshot, path, input)));
    const ledgerFailure = settled.find((s) => s.status === 'rejected' && isLedgerError(s.reason));
    if (ledgerFailure) throw (ledgerFailure as PromiseRejectedResult).reason;
    const responses = new RObject();
    let failed = 0;
    settled.forEach((s, i) => {
      const item = new RObject();
      if (s.status === 'fulfilled') {
        item.set('decision_id', s.value.decision_id);
        if (s.value.result !== undefined) item.set('result', s.value.result);
      } else {
        failed++;
        const e = toHttpError(s.reason, state.log);
        for (const [k, v] of Object.entries(e.body())) item.set(k, fromJSON(v));
        item.set('http_status_code', String(e.status));
      }
      responses.set(entries[i][0], item);
    });
    const out = new RObject();
    out.set('batch_decision_id', randomUUID());
    out.set('responses', responses);
    sendJsonText(ctx, failed === 0 ? 200 : 207, stringifyJSON(out, flag(ctx, 'pretty') ? '  ' : ''));
  });
}

/** `common_input` merged under each input (the item's own keys win). */
function withCommon(input: Value, common: Value | undefined): Value {
  if (!(common instanceof RObject) || !(input instanceof RObject)) return input;
  const merged = new RObject();
  for (const [k, v] of common) merged.set(k, v);
  for (const [k, v] of input) merged.set(k, v);
  return merged;
}
