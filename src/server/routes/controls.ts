/**
 * The control registry over HTTP: GET /v1/controls, /v1/controls/{id},
 * /v1/frameworks and /v1/frameworks/{id}/coverage. Enforcement points (and
 * whether a passing policy test reaches them) come from the serving snapshot.
 */
import { controlStatus, coverage, UnknownFrameworkError, type EnforcementPointInfo, type Registry } from '../../controls/index.js';
import { HttpError, notFound } from '../errors.js';
import { reply } from '../json.js';
import { decodeParam, type Router } from '../router.js';
import type { ServerState } from '../state.js';

function registryOf(state: ServerState): Registry {
  const r = state.controls.registry;
  if (!r) throw new HttpError(503, 'internal_error', `the control registry is not loaded: ${state.controls.errors.join('; ') || 'no controls directory'}`);
  return r;
}

function enforcementPoints(state: ServerState): EnforcementPointInfo[] {
  return state.snapshots.current?.enforcementPointStates() ?? [];
}

export function controlRoutes(router: Router, state: ServerState): void {
  router.get('/v1/controls', (ctx) => {
    const reg = registryOf(state);
    const eps = new Map(enforcementPoints(state).map((e) => [e.id, e]));
    reply(ctx, 200, {
      result: reg.controls().map((c) => ({ ...c, status: controlStatus(c, eps) })),
      ...(state.controls.errors.length ? { warnings: state.controls.errors } : {}),
    });
  });

  router.get('/v1/controls/:id', (ctx, p) => {
    const reg = registryOf(state);
    const id = decodeParam(p.id);
    const control = reg.control(id);
    if (!control) throw notFound(`control "${id}" is not in the registry`);
    const eps = new Map(enforcementPoints(state).map((e) => [e.id, e]));
    reply(ctx, 200, {
      result: {
        ...control,
        status: controlStatus(control, eps),
        enforcement_point_states: control.enforcement_points.map((e) => ({ id: e, present: eps.has(e), tested: eps.get(e)?.tested === true, tests: eps.get(e)?.tests ?? [] })),
      },
    });
  });

  router.get('/v1/frameworks', (ctx) => {
    const reg = registryOf(state);
    reply(ctx, 200, {
      result: reg.frameworks().map((f) => {
        const c = reg.catalogue(f);
        return { framework: f, name: c?.name, version: c?.version, requirements: reg.requirements(f).length };
      }),
    });
  });

  router.get('/v1/frameworks/:id/coverage', (ctx, p) => {
    const reg = registryOf(state);
    try {
      reply(ctx, 200, { result: coverage(reg, decodeParam(p.id), enforcementPoints(state)) });
    } catch (e) {
      if (e instanceof UnknownFrameworkError) throw notFound(e.message);
      throw e;
    }
  });
}
