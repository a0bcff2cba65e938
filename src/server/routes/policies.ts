/** GET /v1/policies and /v1/policies/{id}: the modules of the serving snapshot, `{id, raw, ast}` like OPA. */
import type { Module } from '../../rego/index.js';
import type { PolicySnapshot } from '../../policy/snapshot.js';
import { HttpError, notFound } from '../errors.js';
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

export function policyRoutes(router: Router, state: ServerState): void {
  router.get('/v1/policies', (ctx) => {
    const snap = snapshotOf(state);
    reply(ctx, 200, { result: snap.modules.map((m) => policyJson(snap, m)) });
  });

  router.get('/v1/policies/*id', (ctx, p) => {
    const snap = snapshotOf(state);
    const id = p.id.split('/').map(decodeParam).join('/');
    const m = snap.modules.find((x) => snap.moduleId(x) === id);
    if (!m) throw notFound(`storage_not_found_error: policy id "${id}"`);
    reply(ctx, 200, { result: policyJson(snap, m) });
  });
}
