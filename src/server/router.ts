/**
 * A small router: `/v1/decisions/:id` binds one segment, `/v1/data/*path`
 * binds the rest of the path (possibly empty). A known path with another
 * method gives 405 with `Allow`; an unknown path gives 404. Params are raw
 * (still percent-encoded): the data path is decoded segment by segment later.
 */
import type Koa from 'koa';
import { HttpError } from './errors.js';

export type Params = Record<string, string>;
export type Handler = (ctx: Koa.Context, params: Params) => Promise<void> | void;

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, parts: split(pattern), handler });
    return this;
  }

  get(pattern: string, handler: Handler): this { return this.add('GET', pattern, handler); }
  post(pattern: string, handler: Handler): this { return this.add('POST', pattern, handler); }

  /** Whether some route serves this method and path (else the answer is 404 or 405). */
  serves(method: string, path: string): boolean {
    const parts = split(path);
    return this.routes.some((r) => r.method === method && match(r.parts, parts) !== undefined);
  }

  middleware(): Koa.Middleware {
    return async (ctx) => {
      const parts = split(ctx.path);
      const allowed: string[] = [];
      for (const r of this.routes) {
        const params = match(r.parts, parts);
        if (!params) continue;
        if (r.method === ctx.method) {
          await r.handler(ctx, params);
          return;
        }
        allowed.push(r.method);
      }
      if (allowed.length > 0) {
        throw new HttpError(405, 'invalid_operation', `method ${ctx.method} is not allowed on ${ctx.path}`, undefined, undefined, { Allow: [...new Set(allowed)].join(', ') });
      }
      throw new HttpError(404, 'resource_not_found', `no such endpoint: ${ctx.path}`);
    };
  }
}

function split(path: string): string[] {
  const parts = path.split('/');
  if (parts[0] === '') parts.shift();
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function match(pattern: string[], parts: string[]): Params | undefined {
  const params: Params = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p.startsWith('*')) {
      params[p.slice(1)] = parts.slice(i).join('/');
      return params;
    }
    if (i >= parts.length) return undefined;
    if (p.startsWith(':')) params[p.slice(1)] = parts[i];
    else if (p !== parts[i]) return undefined;
  }
  return parts.length === pattern.length ? params : undefined;
}

/** A percent-decoded route parameter; malformed encodings are the caller's error (400). */
export function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'invalid_parameter', `malformed percent-encoding in "${raw}"`);
  }
}
