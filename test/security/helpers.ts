/**
 * A server for the security tests: the fixture policies, a SQLite ledger,
 * and credentials for two tenants (acme, globex) in every role plus a
 * platform admin. Server log lines are kept so tests can look for denials.
 */
import { join } from 'node:path';
import { BACKENDS, type TestDatabase } from '../db/backends.js';
import type { RunningServer, ServeOptions } from '../../src/server/index.js';
import { createClient } from '../../src/server/auth/clients.js';
import { serve, workspace, type Workspace } from '../server/helpers.js';

export interface Reply {
  status: number;
  text: string;
  body: Record<string, unknown>;
  headers: Headers;
}

export interface SecureServer {
  ws: Workspace;
  db: TestDatabase;
  server: RunningServer;
  url: string;
  logs: string[];
  /** Token of a new client. */
  token(tenant: string, roles: string[], extra?: { window?: { from: string; to: string }; expiresInMs?: number; id?: string }): Promise<string>;
  call(method: string, path: string, o?: { token?: string; body?: unknown; raw?: string | Buffer; headers?: Record<string, string> }): Promise<Reply>;
  close(): Promise<void>;
}

let n = 0;

export async function secureServer(extra: ServeOptions = {}): Promise<SecureServer> {
  const ws = workspace();
  const db = await BACKENDS[0].create();
  const logs: string[] = [];
  const server = await serve(ws, db, { log: (m) => logs.push(m), reportsDir: join(ws.dir, 'reports'), keysDir: join(ws.dir, 'keys'), ...extra });
  const url = server.url;
  return {
    ws, db, server, url, logs,
    async token(tenant, roles, x = {}) {
      const { token } = await createClient(db.db, { id: x.id ?? `s${++n}-${tenant.replace(/\W/g, '') || 'p'}`, tenant, roles, window: x.window, expiresInMs: x.expiresInMs, by: 'test' });
      return token;
    },
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      if (o.token) headers.Authorization = `Bearer ${o.token}`;
      let body: string | Buffer | undefined;
      if (o.raw !== undefined) body = o.raw;
      else if (o.body !== undefined) body = JSON.stringify(o.body);
      if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
      const r = await fetch(url + path, { method, headers, body: typeof body === 'string' || body === undefined ? body : new Uint8Array(body) });
      const text = await r.text();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // not JSON
      }
      return { status: r.status, text, body: parsed, headers: r.headers };
    },
    async close() {
      await server.close();
      await db.dispose();
      ws.dispose();
    },
  };
}

/** An input the fixture access policy decides, for `tenant`. */
export function accessInput(tenant: string, i = 0): Record<string, unknown> {
  return { subject: { roles: ['viewer'], tenant, mfa: true, n: i }, action: 'read', resource: { environment: 'production', tenant } };
}

export const ROLES_ALL = ['service', 'security', 'auditor', 'admin', 'monitoring'];
