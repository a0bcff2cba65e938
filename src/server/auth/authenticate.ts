/**
 * Who is calling: a bearer token (`Authorization: Bearer attest_…`) or a
 * client certificate issued by the configured CA (mutual TLS), both naming
 * an API client in the database. Client rows are cached for `cacheMs`
 * (default 1 s), so a revocation made elsewhere (the CLI, another server)
 * takes effect within that time; revocations through this server at once.
 */
import type { TLSSocket } from 'node:tls';
import type Koa from 'koa';
import type { Database } from '../../db/index.js';
import { checkActive, checkToken, readClientRow, type ApiClient, type AuthFailure, type ClientRow } from './clients.js';

export type Authenticated = { client: ApiClient; via: 'token' | 'certificate' };
export type AuthResult = Authenticated | { failure: AuthFailure | 'mismatch' | 'no_certificate'; message: string } | { anonymous: true };

const MESSAGES: Record<AuthFailure, string> = {
  malformed: 'invalid bearer token: expected Authorization: Bearer attest_<client>.<secret>',
  unknown: 'invalid bearer token',
  invalid: 'invalid bearer token',
  revoked: 'the credential has been revoked',
  expired: 'the credential has expired; ask an admin to rotate it',
};

export class Authenticator {
  private readonly cache = new Map<string, { row: ClientRow | undefined; at: number }>();

  constructor(private readonly db: Database, private readonly cacheMs = 1000) {}

  private async row(id: string): Promise<ClientRow | undefined> {
    const hit = this.cache.get(id);
    const now = performance.now();
    if (hit && now - hit.at < this.cacheMs) return hit.row;
    const row = await readClientRow(this.db, id);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(id, { row, at: now });
    return row;
  }

  /** Forget a client (after a change through this server). */
  invalidate(id: string): void {
    this.cache.delete(id);
  }

  async authenticate(ctx: Koa.Context, requireCertificate: boolean): Promise<AuthResult> {
    const header = ctx.get('authorization');
    const cert = certificateClient(ctx);
    if (requireCertificate && !cert) return { failure: 'no_certificate', message: 'a client certificate issued by the attest CA is required' };
    let byToken: Authenticated | undefined;
    if (header !== '') {
      const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
      if (!m) return { failure: 'malformed', message: MESSAGES.malformed };
      const id = /^attest_([a-z0-9][a-z0-9_-]{0,63})\./.exec(m[1])?.[1];
      const r = checkToken(id === undefined ? undefined : await this.row(id), m[1]);
      if ('failure' in r) return { failure: r.failure, message: MESSAGES[r.failure] };
      byToken = { client: r.client, via: 'token' };
    }
    if (cert) {
      const r = checkActive(await this.row(cert));
      if ('failure' in r) return { failure: r.failure, message: `client certificate for "${cert}": ${r.failure === 'unknown' ? 'no such API client' : MESSAGES[r.failure]}` };
      if (byToken && byToken.client.id !== r.client.id) return { failure: 'mismatch', message: 'the client certificate and the bearer token name different clients' };
      return { client: r.client, via: 'certificate' };
    }
    return byToken ?? { anonymous: true };
  }
}

/** The client id (certificate CN) of a verified client certificate, if the connection has one. */
function certificateClient(ctx: Koa.Context): string | undefined {
  const socket = ctx.req.socket as Partial<TLSSocket>;
  if (!socket.encrypted || !socket.authorized || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  const id = Array.isArray(cn) ? cn[0] : cn;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
