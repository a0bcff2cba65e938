/**
 * GET /health (OPA's: 200 `{}` when the server can decide), OPA's custom
 * health checks (GET /health/{rule}: `data.system.health.<rule>` must be
 * true) and GET /metrics. Ready means a policy snapshot is loaded and the
 * database answers. A failed reload leaves the server ready (the previous
 * snapshot serves) but the body says so, and the metrics count it.
 */
import type Koa from 'koa';
import { RegoError, fromJSON, toJSON } from '../../rego/index.js';
import { formatProblems } from '../reload.js';
import { reply } from '../json.js';
import type { Router } from '../router.js';
import type { ServerState } from '../state.js';
import { dataRef, engineRef } from '../../decisions/evaluate.js';
import { dataPath } from './data.js';

async function databaseProblem(state: ServerState): Promise<string | undefined> {
  if (!state.db) return undefined;
  try {
    await withTimeout(state.db.ping(), 2000);
    return undefined;
  } catch (e) {
    return `the database does not answer: ${(e as Error).message}`;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function healthRoutes(router: Router, state: ServerState): void {
  router.get('/health', async (ctx: Koa.Context) => {
    const snap = state.snapshots.current;
    const last = state.snapshots.lastReload;
    if (!snap) {
      // OPA's ?bundles message when nothing was ever activated; the reason follows.
      const why = last?.error ? `: ${last.error.message}` : '';
      reply(ctx, 500, { error: `not all configured bundles have been activated${why}` });
      return;
    }
    const dbProblem = await databaseProblem(state);
    if (dbProblem) {
      reply(ctx, 500, { error: `unable to perform evaluation: ${dbProblem}` });
      return;
    }
    const body: Record<string, unknown> = {};
    if (last && !last.ok) {
      body.policy_reload = {
        ok: false,
        serving_revision: snap.revision,
        attempted_at: last.at.toISOString(),
        error: last.error?.message,
        errors: formatProblems(last.error),
      };
    }
    reply(ctx, 200, body);
  });

  // The input follows OPA's for these rules: `plugins_ready` and `plugin_state`, with attest's
  // policy snapshot as the `bundle` plugin and its ledger as `decision_logs`.
  router.get('/health/*rule', async (ctx: Koa.Context, p: Record<string, string>) => {
    const path = `system/health/${dataPath(p.rule)}`;
    const ref = dataRef(path);
    const snap = state.snapshots.current;
    if (!snap) {
      reply(ctx, 500, { error: `health policy was undefined at ${ref}: no policy snapshot is loaded yet` });
      return;
    }
    const dbProblem = await databaseProblem(state);
    const input = { plugins_ready: !dbProblem, plugin_state: { bundle: 'OK', decision_logs: dbProblem ? 'ERROR' : 'OK' } };
    let value;
    try {
      value = snap.engine.evalRef(engineRef(path), { input: fromJSON(input), limits: state.security.evalLimits });
    } catch (e) {
      if (!(e instanceof RegoError)) throw e;
      reply(ctx, 500, { error: `health policy failed at ${ref}: ${snap.relativeError(e).message}` });
      return;
    }
    if (value === undefined) reply(ctx, 500, { error: `health policy was undefined at ${ref}` });
    else if (toJSON(value) !== true) reply(ctx, 500, { error: `health policy was not true at ${ref}` });
    else reply(ctx, 200, {});
  });

  router.get('/metrics', (ctx: Koa.Context) => {
    ctx.status = 200;
    ctx.type = 'text/plain; version=0.0.4; charset=utf-8';
    ctx.body = state.metrics.render();
  });
}
