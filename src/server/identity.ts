/**
 * Who is asking, and may they: three small middleware.
 *
 * - `authenticate`: the API client behind the bearer token or client
 *   certificate (src/server/auth). The tenant comes from the credential only;
 *   `*` credentials are platform-wide and record no tenant.
 * - `rateLimit`: a token bucket per client (per peer address without one).
 * - `authorize`: `data.system.authz` in Rego decides every request.
 *
 * Every refusal is answered in OPA's shape (401 `unauthorized` without a
 * valid credential, 403 `forbidden` with one), counted in /metrics, written
 * to the server log and recorded in the decision ledger (path
 * `system/authz/allow`, outcome `deny`) whose id the answer carries.
 */

import type Koa from 'koa';
import { toJSON, type Value } from '../rego/index.js';
import { newDecisionId, type Json } from '../decisions/index.js';
import { PLATFORM_TENANT, type ApiClient } from './auth/clients.js';
import { buildAuthzInput } from './auth/input.js';
import { badRequest, HttpError } from './errors.js';
import type { ServerState } from './state.js';

export interface Identity {
  /** The client id, or the peer address without a credential (like OPA's `requested_by`). */
  caller: string;
  /** The tenant recorded with decisions: the credential's; null for platform credentials and anonymous callers. */
  tenant: string | null;
  environment: string | null;
  /** Absent when the request carried no credential. */
  client?: ApiClient;
  via?: 'token' | 'certificate';
  /** Authentication is off (`--insecure-no-auth`). */
  open?: boolean;
}

/** No tenant is called this, so an anonymous scope matches nothing. */
const NOBODY = '\u0000anonymous';

/**
 * The tenant reads are limited to: the credential's, or undefined for
 * platform credentials (and when authentication is off).
 */
export function scopeTenant(who: Identity): string | undefined {
  if (who.open) return undefined;
  if (!who.client) return NOBODY;
  return who.client.tenant === PLATFORM_TENANT ? undefined : who.client.tenant;
}

export function identityOf(ctx: Koa.Context): Identity {
  return ctx.state.identity as Identity;
}

function peer(ctx: Koa.Context): string {
  return `${ctx.req.socket.remoteAddress ?? ''}:${ctx.req.socket.remotePort ?? ''}`;
}

function environmentHeader(ctx: Koa.Context): string | null {
  const v = ctx.get('X-Attest-Environment').trim();
  if (v === '') return null;
  if (v.length > 64) throw badRequest('header X-Attest-Environment is longer than 64 characters');
  return v;
}

export function authenticate(state: ServerState): Koa.Middleware {
  const sec = state.security;
  return async (ctx, next) => {
    const environment = environmentHeader(ctx);
    if (!sec.auth) {
      ctx.state.identity = { caller: peer(ctx), tenant: null, environment, open: true } satisfies Identity;
      return next();
    }
    const anonymous: Identity = { caller: peer(ctx), tenant: null, environment };
    ctx.state.identity = anonymous;
    if (!sec.authenticator) throw new HttpError(503, 'internal_error', 'authentication needs the database, which this server does not have');
    const r = await sec.authenticator.authenticate(ctx, sec.requireClientCert);
    if ('failure' in r) await deny(ctx, state, 401, r.message, { failure: r.failure });
    if ('client' in r) {
      ctx.state.identity = {
        caller: r.client.id, tenant: r.client.tenant === PLATFORM_TENANT ? null : r.client.tenant,
        environment, client: r.client, via: r.via,
      } satisfies Identity;
    }
    return next();
  };
}

export function rateLimit(state: ServerState): Koa.Middleware {
  const limiter = state.security.rateLimiter;
  return async (ctx, next) => {
    if (limiter.enabled) {
      const who = identityOf(ctx);
      const key = who.client ? `client:${who.client.id}` : `addr:${ctx.req.socket.remoteAddress ?? ''}`;
      const r = limiter.take(key);
      if (!r.ok) {
        state.metrics.limitExceeded.inc(['rate']);
        throw new HttpError(429, 'too_many_requests', `rate limit exceeded: at most ${limiter.rate} requests per second (bursts of ${limiter.burst}) per client; retry after ${r.retryAfter} s`,
          undefined, undefined, { 'Retry-After': String(r.retryAfter) });
      }
    }
    return next();
  };
}

/**
 * `serves` says whether a route exists: an authenticated caller asking for
 * an endpoint that does not exist gets the router's 404 or 405 (the route
 * table is public); anybody else is put to the policy.
 */
export function authorize(state: ServerState, serves: (method: string, path: string) => boolean): Koa.Middleware {
  return async (ctx, next) => {
    const who = identityOf(ctx);
    if (who.open) return next();
    if (who.client && !serves(ctx.method, ctx.path)) return next();
    const input = buildAuthzInput(ctx, state, who);
    const d = state.security.authorizer.decide(state.snapshots.current, input);
    if (d.error) state.log(`authorization policy error (${d.revision}): ${d.error}`);
    if (!d.allowed) await deny(ctx, state, who.client ? 403 : 401, d.reason, { revision: d.revision, input });
    return next();
  };
}

interface DenyDetails {
  failure?: string;
  revision?: string;
  input?: Value;
}

/** Refuses the request: metrics, log line, ledger record, then the OPA-shaped answer. */
async function deny(ctx: Koa.Context, state: ServerState, status: 401 | 403, reason: string, d: DenyDetails): Promise<never> {
  const who = identityOf(ctx);
  state.metrics.authzDenials.inc([String(status), d.failure ?? (status === 401 ? 'unauthenticated' : 'policy')]);
  const decisionId = newDecisionId();
  const input: Json = d.input !== undefined
    ? (toJSON(d.input) as Json)
    : { method: ctx.method, path: ctx.path.split('/').filter((s) => s !== ''), failure: d.failure ?? null };
  state.log(`denied ${status} ${ctx.method} ${ctx.path} caller=${who.caller} tenant=${who.client?.tenant ?? '-'}: ${reason} (decision ${decisionId})`);
  if (state.ledger) {
    try {
      await state.ledger.append({
        decision_id: decisionId, path: 'system/authz/allow', input, result: false, outcome: 'deny',
        revision: d.revision ?? state.security.authorizer.builtinRevision, caller: who.caller, tenant: who.tenant,
        environment: who.environment,
        latency_ns: Number(process.hrtime.bigint() - ((ctx.state.startedAt as bigint | undefined) ?? process.hrtime.bigint())),
        enforcement_points: [],
      });
    } catch (e) {
      // The refusal stands either way; say that it could not be recorded.
      state.log(`denial ${decisionId} could not be recorded in the ledger: ${(e as Error).message}`);
    }
  }
  throw new HttpError(status, status === 401 ? 'unauthorized' : 'forbidden', reason, undefined, { decision_id: decisionId },
    status === 401 ? { 'WWW-Authenticate': 'Bearer realm="attest"' } : undefined);
}
