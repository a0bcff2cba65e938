/**
 * API clients over HTTP, for admins: GET /v1/admin/clients, POST
 * /v1/admin/clients (the token is in this answer only), POST
 * /v1/admin/clients/{id}/rotate and /revoke. A tenant admin sees and manages
 * its own tenant's clients only; a client of another tenant does not exist
 * for it. Each change is in the admin audit log (see auth/clients.ts).
 */
import type Koa from 'koa';
import type { Database } from '../../db/index.js';
import { RObject, toJSON, type Value } from '../../rego/index.js';
import { ClientError, createClient, getClient, listClients, revokeClient, rotateClient, type ApiClient } from '../auth/clients.js';
import { parseDuration } from '../auth/tokens.js';
import { HttpError, badRequest, notFound } from '../errors.js';
import { identityOf, scopeTenant } from '../identity.js';
import { reply } from '../json.js';
import { decodeParam, type Router } from '../router.js';
import type { ServerState } from '../state.js';

function database(state: ServerState): Database {
  if (!state.db) throw new HttpError(404, 'resource_not_found', 'this server has no database');
  return state.db;
}

function bodyObject(ctx: Koa.Context): Record<string, unknown> {
  const b = ctx.state.body as Value | undefined;
  if (b === undefined) return {};
  if (!(b instanceof RObject)) throw badRequest('request body must be a JSON object');
  return toJSON(b) as Record<string, unknown>;
}

function optString(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`"${key}" must be a string`);
  return v;
}

function duration(o: Record<string, unknown>, key: string): number | undefined {
  const v = optString(o, key);
  try {
    return v === undefined ? undefined : parseDuration(v);
  } catch (e) {
    throw badRequest(`"${key}": ${(e as Error).message}`);
  }
}

/** The client, if the caller's scope covers it. */
async function scopedClient(ctx: Koa.Context, db: Database, raw: string): Promise<ApiClient> {
  const id = decodeParam(raw);
  const c = await getClient(db, id);
  const scope = scopeTenant(identityOf(ctx));
  if (!c || (scope !== undefined && c.tenant !== scope)) throw notFound(`no API client "${id}"`);
  return c;
}

function clientError(e: unknown): never {
  if (e instanceof ClientError) throw e.code === 'client_not_found' ? notFound(e.message) : badRequest(e.message);
  if (e instanceof RangeError) throw badRequest(e.message);
  throw e;
}

export function adminClientRoutes(router: Router, state: ServerState): void {
  const forget = (id: string) => state.security.authenticator?.invalidate(id);

  router.get('/v1/admin/clients', async (ctx) => {
    const scope = scopeTenant(identityOf(ctx));
    const all = ctx.query.revoked !== undefined && ctx.query.revoked !== 'false';
    reply(ctx, 200, { result: await listClients(database(state), { tenant: scope, includeRevoked: all }) });
  });

  router.post('/v1/admin/clients', async (ctx) => {
    const db = database(state);
    const b = bodyObject(ctx);
    const who = identityOf(ctx);
    const scope = scopeTenant(who);
    const tenant = optString(b, 'tenant') ?? who.client?.tenant;
    if (!tenant) throw badRequest('"tenant" is required');
    if (scope !== undefined && tenant !== scope) throw notFound(`tenant "${tenant}" is not yours`);
    const roles = b.roles;
    if (!Array.isArray(roles) || !roles.every((r): r is string => typeof r === 'string')) throw badRequest('"roles" must be an array of strings');
    const window = b.window as { from?: unknown; to?: unknown } | undefined;
    if (window !== undefined && (typeof window !== 'object' || window === null || typeof window.from !== 'string' || typeof window.to !== 'string')) {
      throw badRequest('"window" must be {"from": time, "to": time}');
    }
    try {
      const { client, token } = await createClient(db, {
        tenant, roles, name: optString(b, 'name'), expiresInMs: duration(b, 'expires') ?? parseDuration('90d'),
        window: window as { from: string; to: string } | undefined, by: who.caller,
      });
      reply(ctx, 201, { result: { client, token, note: 'the token is shown once; store it now' } });
    } catch (e) {
      clientError(e);
    }
  });

  router.post('/v1/admin/clients/:id/rotate', async (ctx, p) => {
    const db = database(state);
    const c = await scopedClient(ctx, db, p.id);
    const b = bodyObject(ctx);
    try {
      const r = await rotateClient(db, c.id, { by: identityOf(ctx).caller, graceMs: duration(b, 'grace'), expiresInMs: duration(b, 'expires') });
      forget(c.id);
      reply(ctx, 200, { result: { client: r.client, token: r.token, note: 'the token is shown once; store it now' } });
    } catch (e) {
      clientError(e);
    }
  });

  router.post('/v1/admin/clients/:id/revoke', async (ctx, p) => {
    const db = database(state);
    const c = await scopedClient(ctx, db, p.id);
    const r = await revokeClient(db, c.id, identityOf(ctx).caller);
    forget(c.id);
    reply(ctx, 200, { result: r });
  });
}
