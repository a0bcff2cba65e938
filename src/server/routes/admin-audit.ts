/**
 * GET /v1/admin/audit: the admin audit log, newest first (`limit`,
 * `before` = a seq). A tenant credential sees its tenant's entries only.
 */
import type { Database } from '../../db/index.js';
import { listAdminActions } from '../../decisions/index.js';
import { HttpError, badRequest } from '../errors.js';
import { identityOf, scopeTenant } from '../identity.js';
import { param, reply } from '../json.js';
import type { Router } from '../router.js';
import type { ServerState } from '../state.js';

function database(state: ServerState): Database {
  if (!state.db) throw new HttpError(404, 'resource_not_found', 'this server has no database');
  return state.db;
}

export function adminAuditRoutes(router: Router, state: ServerState): void {
  router.get('/v1/admin/audit', async (ctx) => {
    const limit = Number(param(ctx, 'limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badRequest('limit must be an integer from 1 to 1000');
    const beforeText = param(ctx, 'before');
    const before = beforeText === undefined ? undefined : Number(beforeText);
    if (before !== undefined && !Number.isInteger(before)) throw badRequest('before must be an integer (a seq)');
    const scope = scopeTenant(identityOf(ctx));
    if (scope === undefined) {
      reply(ctx, 200, { result: await listAdminActions(database(state), { limit, beforeSeq: before }) });
      return;
    }
    // Scoped: read pages until enough of the tenant's entries are found (bounded).
    const out = [];
    let cursor = before;
    for (let pages = 0; pages < 20 && out.length < limit; pages++) {
      const page = await listAdminActions(database(state), { limit: 1000, beforeSeq: cursor });
      if (page.length === 0) break;
      out.push(...page.filter((e) => e.tenant === scope));
      cursor = page[page.length - 1].seq;
    }
    reply(ctx, 200, { result: out.slice(0, limit) });
  });
}
