/**
 * Helpers for the server tests: a copy of the fixture policies in a
 * temporary directory (so tests can break and fix them), in-process servers,
 * and `attest serve` child processes. Every server gets a platform API client
 * with every role, whose token `post` and `get` send unless told otherwise;
 * `credential` makes others (a tenant's service, an auditor, …).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Database } from '../../src/db/index.js';
import { startServer, type RunningServer, type ServeOptions } from '../../src/server/index.js';
import { createClient, KNOWN_ROLES } from '../../src/server/auth/clients.js';
import type { TestDatabase } from '../db/backends.js';

// dist/test/server → the sources of the fixtures and the CLI.
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const FIXTURES = join(ROOT, 'test', 'server', 'fixtures', 'policies');
export const CONTROLS = join(ROOT, 'controls');
export const BIN = join(ROOT, 'bin', 'attest.js');

export interface Workspace {
  dir: string;
  policies: string;
  dispose(): void;
}

/** A temporary directory holding a copy of the fixture policies. */
export function workspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'attest-server-'));
  const policies = join(dir, 'policies');
  cpSync(FIXTURES, policies, { recursive: true });
  return { dir, policies, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Default tokens by server URL: sent by `post` and `get` when no Authorization header is given. */
const defaultTokens = new Map<string, string>();
const made = new Map<string, Record<string, string>>();

export interface CredentialSpec {
  /** Client id (also the ledger's caller). Default: derived from tenant and roles. */
  id?: string;
  /** Default `*` (platform). */
  tenant?: string;
  /** Default: every role. */
  roles?: string[];
  window?: { from: string; to: string };
  expiresInMs?: number;
}

/** An Authorization header for a new (or already made) API client of the server behind `db`. */
export async function credential(db: Database, base: string, spec: CredentialSpec = {}): Promise<Record<string, string>> {
  const tenant = spec.tenant ?? '*';
  const roles = spec.roles ?? [...KNOWN_ROLES];
  const id = spec.id ?? `t-${tenant === '*' ? 'platform' : tenant.toLowerCase().replace(/[^a-z0-9]/g, '')}-${roles.join('-')}`.slice(0, 64);
  const key = `${base}|${id}`;
  const hit = made.get(key);
  if (hit) return hit;
  const { token } = await createClient(db, { id, tenant, roles, window: spec.window, expiresInMs: spec.expiresInMs, by: 'test' });
  const header = { Authorization: `Bearer ${token}` };
  made.set(key, header);
  return header;
}

/** The header `post` and `get` send by default to this server (for raw fetch/request calls). */
export function authHeader(base: string): Record<string, string> {
  const t = defaultTokens.get(base);
  return t ? { Authorization: t } : {};
}

/** A server on a free port over `db` (already created by the backend helper), with a platform credential. */
export async function serve(ws: Workspace, db: TestDatabase, extra: ServeOptions = {}): Promise<RunningServer> {
  const server = await startServer({
    policies: ws.policies,
    controls: CONTROLS,
    databaseUrl: db.url,
    databaseSchema: db.schema,
    port: 0,
    watch: false,
    sighup: false,
    checkpointKeyFile: join(ws.dir, 'checkpoint-key.pem'),
    log: () => undefined,
    ...extra,
  });
  if (server.state.db && server.state.security.auth) {
    defaultTokens.set(server.url, (await credential(server.state.db, server.url, { id: 'test-root' })).Authorization);
  }
  return server;
}

/** The database URL a child process should use: PostgreSQL schemas travel as a search_path option. */
export function childDatabaseUrl(db: TestDatabase): string {
  if (!db.schema) return db.url;
  return `${db.url}${db.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${db.schema}`)}`;
}

export interface Child {
  proc: ChildProcess;
  url: string;
  stderr(): string;
}

/** Spawns `attest serve` and resolves once it prints its URL. */
export async function spawnServer(ws: Workspace, databaseUrl: string, args: string[] = []): Promise<Child> {
  const child = await spawnOnly(ws, databaseUrl, args);
  if (!args.includes('--insecure-no-auth') && !args.includes('--no-ledger')) {
    const db = await openDatabase(databaseUrl);
    try {
      defaultTokens.set(child.url, (await credential(db, child.url, { id: `test-root-${new URL(child.url).port}` })).Authorization);
    } finally {
      await db.close();
    }
  }
  return child;
}

function spawnOnly(ws: Workspace, databaseUrl: string, args: string[]): Promise<Child> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--policies', ws.policies, '--controls', CONTROLS, '--no-watch', ...args], {
    cwd: ws.dir,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`attest serve did not start: ${err}`)), 30000);
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: m[1], stderr: () => err });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`attest serve exited with ${code}: ${err}`));
    });
  });
}

export interface Reply {
  status: number;
  body: Record<string, unknown>;
  text: string;
  headers: Headers;
}

export async function post(base: string, path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> {
  return reply(await fetch(base + path, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': 'application/json', ...authHeader(base), ...headers } }));
}

/** The status, headers, text and (when it is JSON) parsed body of a response. */
async function reply(r: Response): Promise<Reply> {
  const text = await r.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON (Prometheus text, errors as text): tests look at `text`
  }
  return { status: r.status, body: parsed, text, headers: r.headers };
}

export async function get(base: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return reply(await fetch(base + path, { headers: { ...authHeader(base), ...headers } }));
}

/** An input the fixture access policy allows (tenant t1, viewer reading, MFA in production). */
export function allowedInput(i = 0): Record<string, unknown> {
  return { subject: { roles: ['viewer'], tenant: 't1', mfa: true, n: i }, action: 'read', resource: { environment: 'production', tenant: 't1' } };
}

/** An input it denies for MFA and the tenant boundary. */
export function deniedInput(i = 0): Record<string, unknown> {
  return { subject: { roles: ['viewer'], tenant: 't1', n: i }, action: 'read', resource: { environment: 'production', tenant: 't2' } };
}
