/**
 * GET /health (OPA's: 200 `{}` when the server can decide) and GET /metrics.
 * Ready means a policy snapshot is loaded and the database answers. A failed
 * reload leaves the server ready (the previous snapshot serves) but the body
 * says so, and the metrics count it.
 */
import type Koa from 'koa';
import { formatProblems } from '../reload.js';
import { reply } from '../json.js';
import type { Router } from '../router.js';
import type { ServerState } from '../state.js';

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

  router.get('/metrics', (ctx: Koa.Context) => {
    ctx.status = 200;
    ctx.type = 'text/plain; version=0.0.4; charset=utf-8';
    ctx.body = state.metrics.render();
  });
}
