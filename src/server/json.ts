/** JSON responses: big integers printed exactly, `?pretty` indentation, OPA's boolean query flags. */
import type Koa from 'koa';

/** JSON text with `bigint` values printed as exact numbers. */
export function stringify(v: unknown, pretty = false): string {
  // Most answers hold no bigint, and a replacer function costs a call per value.
  try {
    return JSON.stringify(v, undefined, pretty ? 2 : undefined);
  } catch (e) {
    if (!(e instanceof TypeError && /BigInt/.test(e.message))) throw e;
  }
  const big: string[] = [];
  const text = JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x !== 'bigint') return x;
    big.push(x.toString());
    return `\u0000big${big.length - 1}\u0000`;
  }, pretty ? 2 : undefined);
  return big.length === 0 ? text : text.replace(/"\\u0000big(\d+)\\u0000"/g, (_m, i: string) => big[Number(i)]);
}

export function sendJsonText(ctx: Koa.Context, status: number, text: string): void {
  ctx.status = status;
  // What `ctx.type = 'application/json'` sets, without its MIME lookup on every answer.
  ctx.set('Content-Type', 'application/json; charset=utf-8');
  ctx.body = text;
}

export function reply(ctx: Koa.Context, status: number, body: unknown): void {
  sendJsonText(ctx, status, stringify(body, flag(ctx, 'pretty')));
}

/** OPA's boolean parameters: present without a value, or any value but "false", means true. */
export function flag(ctx: Koa.Context, name: string): boolean {
  const v = ctx.query[name];
  if (v === undefined) return false;
  const s = Array.isArray(v) ? v[v.length - 1] : v;
  return s !== 'false' && s !== '0';
}

/** A single-valued query parameter. */
export function param(ctx: Koa.Context, name: string): string | undefined {
  const v = ctx.query[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}
