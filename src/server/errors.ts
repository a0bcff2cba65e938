/**
 * HTTP errors in OPA's shape: `{"code", "message", "errors"?}` with OPA's
 * codes and statuses. One middleware at the top turns anything thrown into
 * such a body; no stack trace ever leaves the process.
 */
import type Koa from 'koa';
import { CompileError, RegoError } from '../rego/index.js';
import { isLedgerError } from '../decisions/index.js';
import { DecisionEvalError } from '../decisions/evaluate.js';

export type OpaErrorCode =
  | 'invalid_parameter'
  | 'invalid_operation'
  | 'unauthorized'
  | 'resource_not_found'
  | 'resource_conflict'
  | 'undefined_document'
  | 'internal_error'
  // attest's own, where OPA has no equivalent:
  | 'forbidden'
  | 'too_many_requests'
  | 'request_timeout';

export interface ErrorDetail {
  code: string;
  message: string;
  location?: { file: string; row: number; col: number };
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: OpaErrorCode,
    message: string,
    readonly errors?: ErrorDetail[],
    /** Extra top-level fields (e.g. `decision_id`). */
    readonly extra?: Record<string, unknown>,
    /** Response headers to set (e.g. `Allow` on 405). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'HttpError';
  }

  body(): Record<string, unknown> {
    const b: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.errors && this.errors.length > 0) b.errors = this.errors;
    if (this.extra) Object.assign(b, this.extra);
    return b;
  }
}

export const badRequest = (message: string, errors?: ErrorDetail[]) => new HttpError(400, 'invalid_parameter', message, errors);
export const notFound = (message: string) => new HttpError(404, 'resource_not_found', message);

/** OPA's messages for the stages that fail. */
export const MSG = {
  evalQuery: 'error(s) occurred while evaluating query',
  compileModule: 'error(s) occurred while compiling module(s)',
} as const;

/** Maps anything thrown while handling a request to an HTTP error. */
export function toHttpError(err: unknown, log?: (message: string) => void): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof DecisionEvalError) {
    const e = err.error;
    const detail = e instanceof RegoError ? e.toJSON() : { code: e.code, message: e.message };
    return new HttpError(500, 'internal_error', MSG.evalQuery, [detail], { decision_id: err.decisionId });
  }
  if (isLedgerError(err)) {
    if (err.code === 'ledger_unavailable') {
      // Fail closed: the decision was not recorded, so it is not handed out.
      return new HttpError(503, 'internal_error', 'decision log unavailable: the decision was not recorded and is withheld', [{ code: err.code, message: err.message }]);
    }
    return new HttpError(500, 'internal_error', err.message, [{ code: err.code, message: err.message }]);
  }
  if (err instanceof CompileError) return badRequest(MSG.compileModule, err.errors.map((e) => e.toJSON()));
  if (err instanceof RegoError) return new HttpError(500, 'internal_error', MSG.evalQuery, [err.toJSON()]);
  log?.(`internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  return new HttpError(500, 'internal_error', 'internal server error');
}

/** Sends an error (or any JSON) body; `pretty` indents like OPA's `?pretty=true`. */
export function sendJson(ctx: Koa.Context, status: number, body: unknown, pretty = false): void {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.body = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v), pretty ? 2 : undefined);
}

/** The outermost middleware: every error becomes an OPA-shaped JSON body. */
export function errorHandler(log: (message: string) => void, onError?: (e: HttpError) => void): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const e = toHttpError(err, log);
      onError?.(e);
      sendJson(ctx, e.status, e.body(), isPretty(ctx));
      for (const [k, v] of Object.entries(e.headers ?? {})) ctx.set(k, v);
    }
  };
}

function isPretty(ctx: Koa.Context): boolean {
  const v = ctx.query.pretty;
  return v !== undefined && v !== 'false';
}
