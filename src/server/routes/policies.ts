/**
 * GET /v1/policies and /v1/policies/{id}: the modules of the serving
 * snapshot, `{id, raw, ast}` like OPA.
 *
 * PUT and DELETE /v1/policies/{id}, and writes to base documents under
 * /v1/data, are refused the way OPA refuses them when a bundle without
 * roots owns every path: the policies and data come from the Git-tracked
 * policies directory (the "policies" bundle in provenance), and a change made
 * over HTTP would bypass review, differ between servers and vanish at the next
 * reload. A module sent with PUT is still parsed first, so a client learns of
 * its syntax errors too.
 */
import { parseModule, RegoError, type Module } from '../../rego/index.js';
import type { PolicySnapshot } from '../../policy/snapshot.js';
import { HttpError, MSG, badRequest, notFound } from '../errors.js';
import { reply } from '../json.js';
import { decodeParam, type Router } from '../router.js';
import type { ServerState } from '../state.js';

function snapshotOf(state: ServerState): PolicySnapshot {
  const snap = state.snapshots.current;
  if (!snap) throw new HttpError(503, 'internal_error', 'no policy snapshot is loaded');
  return snap;
}

/** attest's own AST (not OPA's AST JSON), without the source text that `raw` already carries. */
function policyJson(snap: PolicySnapshot, m: Module): Record<string, unknown> {
  const { source, ...ast } = m;
  return { id: snap.moduleId(m), raw: source, ast: { ...ast, file: snap.moduleId(m) }, revision: snap.revision };
}

/** OPA's answer to a write under a bundle that owns every path, and what to do instead. */
export function ownedByBundle(state: ServerState): HttpError {
  return badRequest('all paths owned by bundle "policies"', [{
    code: 'policies_from_git',
    message: `policies and data are served from ${state.snapshots.dir}: change the files there and commit them; the server reloads on change, on SIGHUP and on POST /v1/admin/reload`,
  }]);
}

/** A module id from its route parameter, each segment percent-decoded. */
function policyId(raw: string): string {
  return raw.split('/').map(decodeParam).join('/');
}

function moduleOf(snap: PolicySnapshot, rawId: string): Module {
  const id = policyId(rawId);
  const m = snap.modules.find((x) => snap.moduleId(x) === id);
  if (!m) throw notFound(`storage_not_found_error: policy id "${id}"`);
  return m;
}

export function policyRoutes(router: Router, state: ServerState): void {
  router.get('/v1/policies', (ctx) => {
    const snap = snapshotOf(state);
    reply(ctx, 200, { result: snap.modules.map((m) => policyJson(snap, m)) });
  });

  router.get('/v1/policies/*id', (ctx, p) => {
    const snap = snapshotOf(state);
    reply(ctx, 200, { result: policyJson(snap, moduleOf(snap, p.id)) });
  });

  router.add('PUT', '/v1/policies/*id', (ctx, p) => {
    const text = (ctx.state.rawBody as string | undefined) ?? '';
    try {
      parseModule(text, policyId(p.id));
    } catch (e) {
      if (e instanceof RegoError) throw badRequest(MSG.compileModule, [e.toJSON()]);
      throw e;
    }
    throw ownedByBundle(state);
  });

  router.add('DELETE', '/v1/policies/*id', (_ctx, p) => {
    moduleOf(snapshotOf(state), p.id);
    throw ownedByBundle(state);
  });
}
