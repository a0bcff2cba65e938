/**
 * The Koa application: small middleware, composed in order — request
 * metrics (outermost, so they see the final status), errors (OPA-shaped,
 * limit errors counted), the request deadline, authentication, the
 * per-client rate limit, body parsing, authorization by data.system.authz,
 * then the routes (decide, log to the ledger, respond).
 */
import Koa from 'koa';
import { parseBody, readBody, type BodyLimits } from './body.js';
import { errorHandler } from './errors.js';
import { authenticate, authorize, rateLimit } from './identity.js';
import { countLimits, requestTimeout } from './limits.js';
import type { ServerMetrics } from './metrics.js';
import { adminRoutes } from './reload.js';
import { Router } from './router.js';
import { controlRoutes } from './routes/controls.js';
import { dataRoutes } from './routes/data.js';
import { decisionRoutes } from './routes/decisions.js';
import { healthRoutes } from './routes/health.js';
import { policyRoutes } from './routes/policies.js';
import { queryRoutes } from './routes/query.js';
import { reportRoutes } from './routes/reports.js';
import { adminClientRoutes } from './routes/admin-clients.js';
import { adminAuditRoutes } from './routes/admin-audit.js';
import type { ServerState } from './state.js';

const HANDLERS = new Set(['v1/data', 'v0/data', 'v1/query', 'v1/batch', 'v1/decisions', 'v1/policies', 'v1/controls', 'v1/frameworks', 'v1/reports', 'v1/admin', 'health', 'metrics']);

/** The `handler` label of http_request_duration_seconds: the API family, never the caller's path. */
function handlerLabel(path: string): string {
  const parts = path.split('/');
  const two = `${parts[1]}/${parts[2]}`;
  if (HANDLERS.has(two)) return two;
  if (HANDLERS.has(parts[1])) return parts[1];
  return path === '/' ? 'index' : 'other';
}

function requestMetrics(metrics: ServerMetrics): Koa.Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    ctx.state.startedAt = started;
    try {
      await next();
    } finally {
      metrics.httpDuration.observe([String(ctx.status), handlerLabel(ctx.path), ctx.method], Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
}

/** Reads and parses the body of POST, PUT and PATCH requests into `ctx.state.body` (undefined when empty); a Rego module stays text. */
function bodyParser(limits: BodyLimits): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.method === 'POST' || ctx.method === 'PUT' || ctx.method === 'PATCH') {
      const raw = await readBody(ctx, limits);
      if (ctx.method === 'PUT' && ctx.path.startsWith('/v1/policies/')) {
        // A Rego module, sent as text like OPA's clients send it.
        ctx.state.rawBody = raw.toString('utf8');
      } else {
        const t0 = process.hrtime.bigint();
        ctx.state.body = parseBody(raw, ctx.get('content-type'), limits);
        ctx.state.parseNs = Number(process.hrtime.bigint() - t0);
      }
    }
    await next();
  };
}

export function createApp(state: ServerState): Koa {
  const app = new Koa();
  app.proxy = false;
  // Koa would print errors itself; ours are handled (and logged) by errorHandler.
  app.silent = true;
  const router = new Router();
  dataRoutes(router, state);
  queryRoutes(router, state);
  decisionRoutes(router, state);
  policyRoutes(router, state);
  controlRoutes(router, state);
  healthRoutes(router, state);
  adminRoutes(router, state);
  reportRoutes(router, state);
  adminClientRoutes(router, state);
  adminAuditRoutes(router, state);
  app.use(requestMetrics(state.metrics));
  app.use(errorHandler(state.log, countLimits(state.metrics)));
  app.use(requestTimeout(state.security.requestTimeoutMs));
  app.use(authenticate(state));
  app.use(rateLimit(state));
  app.use(bodyParser(state.limits));
  app.use(authorize(state, (method, path) => router.serves(method, path)));
  app.use(router.middleware());
  return app;
}
