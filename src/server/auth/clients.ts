/**
 * API clients: who may call the service, for which tenant, in which roles.
 * Tokens are shown once (create, rotate) and stored as salted hashes. Every
 * change is an admin action in the hash-chained audit log, recorded before
 * the change is made.
 */
import { randomBytes } from 'node:crypto';
import type { Database } from '../../db/index.js';
import { appendAdminAction, nowTimestamp, toLedgerTimestamp } from '../../decisions/index.js';
import { formatToken, hashSecret, newSecret, parseToken, secretMatches } from './tokens.js';

/** The tenant of platform credentials (company staff and platform services): every tenant. */
export const PLATFORM_TENANT = '*';
/** Roles the shipped `data.system.authz` knows; a policy may define more. */
export const KNOWN_ROLES = ['service', 'security', 'auditor', 'admin', 'monitoring'] as const;

const TENANT = /^(\*|[A-Za-z0-9][A-Za-z0-9._-]{0,127})$/;
const ROLE = /^[a-z][a-z0-9_-]{0,63}$/;
const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export interface ApiClient {
  id: string;
  name: string | null;
  /** `*` for platform credentials. */
  tenant: string;
  roles: string[];
  /** Auditors: the period their credential may see (`to` exclusive). */
  window: { from: string; to: string } | null;
  expires_at: string | null;
  revoked_at: string | null;
  created_at: string;
  rotated_at: string | null;
  created_by: string | null;
}

export interface ClientRow extends Record<string, unknown> {
  id: string;
  tenant: string | null;
  roles: string;
  token_salt: string;
  token_hash: string;
  expires_at: string | null;
  revoked_at: string | null;
  created_at: string;
  name: string | null;
  window_from: string | null;
  window_to: string | null;
  prev_token_salt: string | null;
  prev_token_hash: string | null;
  prev_valid_until: string | null;
  rotated_at: string | null;
  created_by: string | null;
}

export class ClientError extends Error {
  constructor(readonly code: 'invalid_client' | 'client_not_found', message: string) {
    super(message);
    this.name = 'ClientError';
  }
}

export function toClient(r: ClientRow): ApiClient {
  return {
    id: r.id,
    name: r.name ?? null,
    tenant: r.tenant ?? PLATFORM_TENANT,
    roles: JSON.parse(r.roles) as string[],
    window: r.window_from && r.window_to ? { from: r.window_from, to: r.window_to } : null,
    expires_at: r.expires_at,
    revoked_at: r.revoked_at,
    created_at: r.created_at,
    rotated_at: r.rotated_at ?? null,
    created_by: r.created_by ?? null,
  };
}

export interface CreateClient {
  tenant: string;
  roles: string[];
  name?: string;
  /** Chosen id (default: random). */
  id?: string;
  /** Milliseconds from now; undefined: never expires. */
  expiresInMs?: number;
  window?: { from: string; to: string };
  /** Who creates it (audit actor). */
  by: string;
  now?: Date;
}

function validate(c: CreateClient): void {
  if (!TENANT.test(c.tenant)) throw new ClientError('invalid_client', `invalid tenant "${c.tenant}": letters, digits, . _ - (or * for platform credentials)`);
  if (c.roles.length === 0) throw new ClientError('invalid_client', 'a client needs at least one role (--roles service|security|auditor|admin|monitoring)');
  for (const r of c.roles) if (!ROLE.test(r)) throw new ClientError('invalid_client', `invalid role "${r}"`);
  if (c.id !== undefined && !ID.test(c.id)) throw new ClientError('invalid_client', `invalid client id "${c.id}": lower-case letters, digits, _ and -`);
  if (c.name !== undefined && c.name.length > 128) throw new ClientError('invalid_client', 'the name is longer than 128 characters');
  if (c.window) {
    const from = toLedgerTimestamp(c.window.from);
    const to = toLedgerTimestamp(c.window.to);
    if (from >= to) throw new ClientError('invalid_client', 'the window must end after it starts');
  }
}

/** Creates a client; the token in the answer is never stored and cannot be shown again. */
export async function createClient(db: Database, c: CreateClient): Promise<{ client: ApiClient; token: string }> {
  validate(c);
  const id = c.id ?? `c${randomBytes(6).toString('hex')}`;
  if (await db.knex('api_clients').where({ id }).first()) throw new ClientError('invalid_client', `client "${id}" already exists`);
  const now = c.now ?? new Date();
  const secret = newSecret();
  const stored = hashSecret(secret);
  const roles = [...new Set(c.roles)].sort();
  const row = {
    id, tenant: c.tenant, roles: JSON.stringify(roles), token_salt: stored.salt, token_hash: stored.hash,
    expires_at: c.expiresInMs === undefined ? null : toLedgerTimestamp(new Date(now.getTime() + c.expiresInMs)),
    revoked_at: null, created_at: toLedgerTimestamp(now), name: c.name ?? null,
    window_from: c.window ? toLedgerTimestamp(c.window.from) : null, window_to: c.window ? toLedgerTimestamp(c.window.to) : null,
    prev_token_salt: null, prev_token_hash: null, prev_valid_until: null, rotated_at: null, created_by: c.by,
  };
  await appendAdminAction(db, {
    actor: c.by, action: 'client.create', target: id, tenant: c.tenant === PLATFORM_TENANT ? null : c.tenant,
    details: { name: row.name, tenant: c.tenant, roles, expires_at: row.expires_at, window: c.window ? { from: row.window_from, to: row.window_to } : null },
  });
  await db.knex('api_clients').insert(row);
  return { client: toClient(row as ClientRow), token: formatToken(id, secret) };
}

export async function getClient(db: Database, id: string): Promise<ApiClient | undefined> {
  const r = await readRow(db, id);
  return r ? toClient(r) : undefined;
}

async function readRow(db: Database, id: string): Promise<ClientRow | undefined> {
  if (!ID.test(id)) return undefined;
  return (await db.knex('api_clients').where({ id }).first()) as ClientRow | undefined;
}

export async function listClients(db: Database, options: { tenant?: string; includeRevoked?: boolean } = {}): Promise<ApiClient[]> {
  const q = db.knex('api_clients').select('*').orderBy('created_at');
  if (options.tenant !== undefined) q.where({ tenant: options.tenant });
  if (!options.includeRevoked) q.whereNull('revoked_at');
  return ((await q) as ClientRow[]).map(toClient);
}

export async function countActiveClients(db: Database): Promise<number> {
  const r = await db.knex('api_clients').count({ n: '*' }).whereNull('revoked_at').first();
  return Number(r?.n ?? 0);
}

async function mustRead(db: Database, id: string): Promise<ClientRow> {
  const r = await readRow(db, id);
  if (!r) throw new ClientError('client_not_found', `no API client "${id}"`);
  return r;
}

export async function revokeClient(db: Database, id: string, by: string, now = new Date()): Promise<ApiClient> {
  const r = await mustRead(db, id);
  if (r.revoked_at) return toClient(r);
  const at = toLedgerTimestamp(now);
  await appendAdminAction(db, { actor: by, action: 'client.revoke', target: id, tenant: tenantOf(r), details: { revoked_at: at } });
  await db.knex('api_clients').where({ id }).update({ revoked_at: at });
  return toClient({ ...r, revoked_at: at });
}

/**
 * A new token for the client. The previous one keeps working for `graceMs`
 * (default 0: it stops at once), so that a service can switch without downtime.
 */
export async function rotateClient(db: Database, id: string, o: { by: string; graceMs?: number; expiresInMs?: number; now?: Date }): Promise<{ client: ApiClient; token: string }> {
  const r = await mustRead(db, id);
  if (r.revoked_at) throw new ClientError('invalid_client', `client "${id}" is revoked; create a new one`);
  const now = o.now ?? new Date();
  const secret = newSecret();
  const stored = hashSecret(secret);
  const grace = o.graceMs ?? 0;
  const update = {
    token_salt: stored.salt, token_hash: stored.hash,
    prev_token_salt: grace > 0 ? r.token_salt : null, prev_token_hash: grace > 0 ? r.token_hash : null,
    prev_valid_until: grace > 0 ? toLedgerTimestamp(new Date(now.getTime() + grace)) : null,
    rotated_at: toLedgerTimestamp(now),
    expires_at: o.expiresInMs === undefined ? r.expires_at : toLedgerTimestamp(new Date(now.getTime() + o.expiresInMs)),
  };
  await appendAdminAction(db, {
    actor: o.by, action: 'client.rotate', target: id, tenant: tenantOf(r),
    details: { previous_token_valid_until: update.prev_valid_until, expires_at: update.expires_at },
  });
  await db.knex('api_clients').where({ id }).update(update);
  return { client: toClient({ ...r, ...update }), token: formatToken(id, secret) };
}

function tenantOf(r: ClientRow): string | null {
  return r.tenant === null || r.tenant === PLATFORM_TENANT ? null : r.tenant;
}

export type AuthFailure = 'malformed' | 'unknown' | 'revoked' | 'expired' | 'invalid';

/** What the client store says about a client, cached briefly by the server. */
export async function readClientRow(db: Database, id: string): Promise<ClientRow | undefined> {
  return readRow(db, id);
}

/** Checks a token against a client row (already read). */
export function checkToken(row: ClientRow | undefined, token: string, now: string = nowTimestamp()): { client: ApiClient } | { failure: AuthFailure } {
  const parsed = parseToken(token);
  if (!parsed) return { failure: 'malformed' };
  if (!row || row.id !== parsed.clientId) return { failure: 'unknown' };
  const current = secretMatches(parsed.secret, { salt: row.token_salt, hash: row.token_hash });
  const previous = !current && row.prev_token_hash && row.prev_token_salt && row.prev_valid_until && row.prev_valid_until > now
    && secretMatches(parsed.secret, { salt: row.prev_token_salt, hash: row.prev_token_hash });
  if (!current && !previous) return { failure: 'invalid' };
  if (row.revoked_at) return { failure: 'revoked' };
  if (row.expires_at && row.expires_at <= now) return { failure: 'expired' };
  return { client: toClient(row) };
}

/** A client that may authenticate (by certificate): exists, not revoked, not expired. */
export function checkActive(row: ClientRow | undefined, now: string = nowTimestamp()): { client: ApiClient } | { failure: AuthFailure } {
  if (!row) return { failure: 'unknown' };
  if (row.revoked_at) return { failure: 'revoked' };
  if (row.expires_at && row.expires_at <= now) return { failure: 'expired' };
  return { client: toClient(row) };
}
