/**
 * OPA's Query API: `POST /v1/query` (`{"query": "...", "input": ...}`) and
 * `GET /v1/query?q=...&input=...`. The answer is OPA's result set — one
 * object of variable bindings per solution, `result` absent when there is
 * none — and, as for every evaluation here, a decision id: the query, its
 * input and its result are in the ledger before the answer leaves.
 */
import type Koa from 'koa';
import { CompileError, RegoError, RObject, stringifyJSON, type Value } from '../../rego/index.js';
import type { Decision } from '../../decisions/evaluate.js';
import { parseJsonParam } from '../body.js';
import { HttpError, badRequest } from '../errors.js';
import { identityOf } from '../identity.js';
import { flag, param, sendJsonText } from '../json.js';
import type { Router } from '../router.js';
import type { ServerState } from '../state.js';
import { withMetrics } from './data.js';

/** The metrics' path label for ad-hoc queries (data paths never start with "("). */
const QUERY_LABEL = '(query)';

async function answer(ctx: Koa.Context, state: ServerState, query: string, input: Value | undefined): Promise<void> {
  const snapshot = state.snapshots.current;
  if (!snapshot) throw new HttpError(503, 'internal_error', 'no policy snapshot is loaded');
  if (query.trim() === '') throw badRequest('the query is empty');
  const who = identityOf(ctx);
  const started = ctx.state.startedAt as bigint;
  let d: Decision;
  try {
    d = await withMetrics(state, QUERY_LABEL, started, state.evaluator.decideQuery(snapshot, query, {
      input, strict: flag(ctx, 'strict-builtin-errors'), caller: who.caller, tenant: who.tenant, environment: who.environment,
      startedAt: started, limits: state.security.evalLimits,
    }));
  } catch (e) {
    // A query that does not parse or compile was never evaluated, so it is not a decision.
    const problems = e instanceof CompileError ? e.errors : e instanceof RegoError ? [e] : undefined;
    if (!problems) throw e;
    const parse = problems.some((p) => p.code === 'rego_parse_error');
    throw badRequest(`error(s) occurred while ${parse ? 'parsing' : 'compiling'} query`, problems.map((p) => p.toJSON()));
  }
  const body = new RObject();
  body.set('decision_id', d.decision_id);
  if (Array.isArray(d.result) && d.result.length > 0) body.set('result', d.result);
  sendJsonText(ctx, 200, stringifyJSON(body, flag(ctx, 'pretty') ? '  ' : ''));
}

export function queryRoutes(router: Router, state: ServerState): void {
  router.post('/v1/query', async (ctx) => {
    const body = ctx.state.body as Value | undefined;
    const query = body instanceof RObject ? body.get('query') : undefined;
    if (typeof query !== 'string') throw badRequest('request body must be a JSON object of the form {"query": "<rego query>", "input": ...}');
    await answer(ctx, state, query, (body as RObject).get('input'));
  });

  router.get('/v1/query', async (ctx) => {
    const query = param(ctx, 'q');
    if (query === undefined) throw badRequest('missing parameter "q": the query to run');
    const raw = param(ctx, 'input');
    await answer(ctx, state, query, raw === undefined ? undefined : parseJsonParam('input', raw, state.limits));
  });
}
