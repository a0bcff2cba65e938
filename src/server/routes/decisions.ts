/**
 * The query API over the ledger: GET /v1/decisions (filters, keyset paging)
 * and /v1/decisions/{id}. Scoped to the credential: its tenant (platform
 * credentials see every tenant) and, for auditors, its time window. Another
 * tenant's decision is "not in the ledger" — the same answer as a missing one.
 */
import { getDecision, listDecisions, toLedgerTimestamp, type DecisionFilter } from '../../decisions/index.js';
import { identityOf, scopeTenant } from '../identity.js';
import type { Database } from '../../db/index.js';
import { HttpError, badRequest, notFound } from '../errors.js';
import { param, reply } from '../json.js';
import { decodeParam, type Router } from '../router.js';
import type { ServerState } from '../state.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function database(state: ServerState): Database {
  if (!state.db) throw new HttpError(404, 'resource_not_found', 'this server keeps no decision ledger');
  return state.db;
}

export function decisionRoutes(router: Router, state: ServerState): void {
  router.get('/v1/decisions', async (ctx) => {
    const filter: DecisionFilter = {};
    const path = param(ctx, 'path');
    if (path !== undefined) {
      // A trailing "/*" lists a whole subtree.
      if (path.endsWith('/*')) filter.pathPrefix = path.slice(0, -1).replace(/^\//, '');
      else filter.path = path.replace(/^\//, '');
    }
    for (const [q, key] of [['outcome', 'outcome'], ['tenant', 'tenant'], ['enforcement_point', 'enforcementPoint'], ['from', 'from'], ['to', 'to']] as const) {
      const v = param(ctx, q);
      if (v !== undefined) filter[key] = v;
    }
    const who = identityOf(ctx);
    const scope = scopeTenant(who);
    if (scope !== undefined) filter.tenant = scope;
    const window = who.client?.window;
    if (window) {
      const ts = (v: string | Date | undefined, name: string) => {
        try {
          return v === undefined ? undefined : toLedgerTimestamp(v);
        } catch (e) {
          throw badRequest(`${name}: ${(e as Error).message}`);
        }
      };
      const from = ts(filter.from, 'from');
      const to = ts(filter.to, 'to');
      filter.from = from === undefined || from < window.from ? window.from : from;
      filter.to = to === undefined || to > window.to ? window.to : to;
    }
    const limitText = param(ctx, 'limit');
    const limit = limitText === undefined ? 100 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badRequest('limit must be an integer from 1 to 1000');
    const order = param(ctx, 'order') ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw badRequest('order must be asc or desc');
    let page;
    try {
      page = await listDecisions(database(state), filter, { limit, order, cursor: param(ctx, 'cursor') });
    } catch (e) {
      if (e instanceof RangeError) throw badRequest(e.message);
      throw e;
    }
    reply(ctx, 200, page.next ? { result: page.decisions, next: page.next } : { result: page.decisions });
  });

  router.get('/v1/decisions/:id', async (ctx, p) => {
    const id = decodeParam(p.id);
    if (!UUID.test(id)) throw badRequest(`decision id must be a UUID, got "${id}"`);
    const d = await getDecision(database(state), id);
    const who = identityOf(ctx);
    const scope = scopeTenant(who);
    const window = who.client?.window;
    const hidden = d && ((scope !== undefined && d.tenant !== scope) || (window && (d.timestamp < window.from || d.timestamp >= window.to)));
    if (!d || hidden) throw notFound(`decision ${id} is not in the ledger`);
    reply(ctx, 200, { result: d });
  });
}
