/**
 * The input of `data.system.authz`, built from the request by the server
 * (never taken from the caller as is): method, decoded path segments, query
 * parameters, the authenticated identity, the tenants the request names
 * (query `tenant`, the input's `tenant`/`tenant_id` fields, a body's
 * `tenant`), what a data path points at, and a report's period. Bearer
 * tokens and other headers are not included, so the denial log holds no secrets.
 */
import type Koa from 'koa';
import { RObject, fromJSON, stringifyJSON, type Value } from '../../rego/index.js';
import { parsePeriod } from '../../evidence/index.js';
import { parseJsonParam } from '../body.js';
import type { Identity } from '../identity.js';
import type { ServerState } from '../state.js';
import { targetKind, tenantHints } from './authz.js';

function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
}

/** The data path a Data API request evaluates, or undefined for other endpoints. */
function dataPathOf(segs: string[], method: string, state: ServerState): string | undefined {
  if (segs.length === 0 && method === 'POST') return state.defaultDecision;
  if ((segs[0] === 'v1' || segs[0] === 'v0') && segs[1] === 'data') return segs.slice(2).join('/');
  if (segs[0] === 'v1' && segs[1] === 'batch' && segs[2] === 'data') return segs.slice(3).join('/');
  return undefined;
}

/** The inputs a Data API body carries, by endpoint shape. */
function dataInputs(segs: string[], ctx: Koa.Context, state: ServerState): Value[] {
  const body = ctx.state.body as Value | undefined;
  if (segs[0] === 'v1' && segs[1] === 'data') {
    if (ctx.method === 'GET') {
      const raw = ctx.query.input;
      const text = Array.isArray(raw) ? raw[raw.length - 1] : raw;
      if (text === undefined) return [];
      try {
        return [parseJsonParam('input', text, state.limits)];
      } catch {
        return []; // the route answers 400
      }
    }
    const input = body instanceof RObject ? body.get('input') : undefined;
    return input === undefined ? [] : [input];
  }
  if (segs[0] === 'v1' && segs[1] === 'batch') {
    if (!(body instanceof RObject)) return [];
    const out: Value[] = [];
    const inputs = body.get('inputs');
    if (inputs instanceof RObject) for (const [, v] of inputs) out.push(v);
    const common = body.get('common_input');
    if (common !== undefined) out.push(common);
    return out;
  }
  return body === undefined ? [] : [body];
}

export function buildAuthzInput(ctx: Koa.Context, state: ServerState, who: Identity): Value {
  const segs = segments(ctx.path);
  const params: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(ctx.query)) {
    if (k === 'input' || v === undefined) continue; // the input is read for its tenants below
    params[k] = Array.isArray(v) ? v : [v];
  }
  const hints = new Set<string>(params.tenant ?? []);
  const input: Record<string, unknown> = { method: ctx.method, path: segs, params };
  if (who.client) {
    const c = who.client;
    input.identity = { client: c.id, name: c.name, tenant: c.tenant, roles: c.roles, window: c.window, via: who.via ?? 'token' };
  }
  const path = dataPathOf(segs, ctx.method, state);
  if (path !== undefined) {
    input.target = { kind: targetKind(state.snapshots.current, path) };
    for (const v of dataInputs(segs, ctx, state)) tenantHints(v, hints);
  } else {
    const body = ctx.state.body as Value | undefined;
    if (body instanceof RObject) {
      const t = body.get('tenant');
      if (typeof t === 'string') hints.add(t);
      else if (t !== undefined && t !== null) hints.add(stringifyJSON(t));
    }
    if (ctx.method === 'POST' && segs.join('/') === 'v1/reports' && body instanceof RObject) {
      const from = body.get('from');
      const to = body.get('to');
      if (typeof from === 'string' && typeof to === 'string') {
        try {
          input.report = parsePeriod(from, to);
        } catch {
          // the route answers 400
        }
      }
    }
  }
  input.tenant_hints = [...hints].sort();
  return fromJSON(input);
}
