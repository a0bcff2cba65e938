/**
 * Limits on one request: a deadline for the whole request, and the mapping
 * from over-limit errors to the `limit` label of attest_limit_exceeded_total.
 * Evaluation itself is bounded by the engine (steps, time, collection size);
 * bodies by body.ts; callers by the rate limiter.
 */
import type Koa from 'koa';
import { HttpError } from './errors.js';
import type { ServerMetrics } from './metrics.js';

/** The stable detail codes of limit errors and the metric label of each. */
const DETAIL_LIMITS: Record<string, (message: string) => string> = {
  body_too_deep: () => 'json_depth',
  eval_cancel_error: () => 'eval_time',
  eval_limit_error: (m) => (/size limit|too many/.test(m) ? 'eval_collection' : /nesting|nested/.test(m) ? 'eval_depth' : 'eval_steps'),
};

export function limitOf(e: HttpError): string | undefined {
  if (e.code === 'too_many_requests') return undefined; // counted where it is raised
  if (e.code === 'request_timeout') return 'timeout';
  // OPA's exact answers for oversized bodies carry no detail; the message is stable.
  if (e.message === 'request body too large' || e.message === 'compressed request body too large') return 'body_size';
  for (const d of e.errors ?? []) {
    const f = DETAIL_LIMITS[d.code];
    if (f) return f(d.message);
  }
  return undefined;
}

export function countLimits(metrics: ServerMetrics): (e: HttpError) => void {
  return (e) => {
    const limit = limitOf(e);
    if (limit) metrics.limitExceeded.inc([limit]);
  };
}

/**
 * Answers 503 `request_timeout` when the rest of the chain takes longer than
 * `ms` (a slow body, a ledger that does not commit). The work still running
 * cannot be cancelled; what it produces later is dropped, and a decision
 * that was not answered was not handed out.
 */
export function requestTimeout(ms: number): Koa.Middleware {
  return async (ctx, next) => {
    if (ms <= 0) return next();
    let timer: NodeJS.Timeout | undefined;
    const work = next();
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        ctx.set('Connection', 'close');
        reject(new HttpError(503, 'request_timeout', `the request did not complete within ${ms} ms`));
      }, ms);
    });
    try {
      await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
      work.catch(() => undefined);
    }
  };
}
