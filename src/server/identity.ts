/**
 * Who is asking: caller, tenant and environment of a request. For now they
 * come from request headers (X-Attest-Client, X-Attest-Tenant,
 * X-Attest-Environment); authentication will replace this one middleware.
 * Without a client header the caller is the peer address, like OPA's
 * `requested_by`.
 */
import type Koa from 'koa';
import { badRequest } from './errors.js';

export interface Identity {
  caller: string;
  tenant: string | null;
  environment: string | null;
}

const LIMITS = { caller: 256, tenant: 128, environment: 64 } as const;

function header(ctx: Koa.Context, name: string, field: keyof typeof LIMITS): string | null {
  const v = ctx.get(name).trim();
  if (v === '') return null;
  if (v.length > LIMITS[field]) throw badRequest(`header ${name} is longer than ${LIMITS[field]} characters`);
  return v;
}

export function identity(): Koa.Middleware {
  return async (ctx, next) => {
    const who: Identity = {
      caller: header(ctx, 'X-Attest-Client', 'caller') ?? `${ctx.req.socket.remoteAddress ?? ''}:${ctx.req.socket.remotePort ?? ''}`,
      tenant: header(ctx, 'X-Attest-Tenant', 'tenant'),
      environment: header(ctx, 'X-Attest-Environment', 'environment'),
    };
    ctx.state.identity = who;
    await next();
  };
}

export function identityOf(ctx: Koa.Context): Identity {
  return ctx.state.identity as Identity;
}
