import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import knexFactory from 'knex';
import type { Knex } from 'knex';
import { configureSqlite, type SqlitePragmas } from './sqlite.js';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl, redactUrl, type Dialect } from './url.js';

export interface OpenOptions {
  /** PostgreSQL schema to work in (created if missing); isolates tests and tenants of one server. */
  schema?: string;
  /** Largest number of pooled PostgreSQL connections (default 10). */
  poolMax?: number;
  /** How long to wait for a connection or a lock before failing, in ms (default 5000). */
  timeoutMs?: number;
  /** Base directory for relative SQLite paths (default: the working directory). */
  cwd?: string;
  /** Where knex's own warnings go (default: the console). */
  log?: (level: 'warn' | 'error' | 'debug', message: string) => void;
}

/** An open database: the knex instance plus what callers need to know about it. */
export interface Database {
  readonly knex: Knex;
  readonly dialect: Dialect;
  /** The URL with any password hidden. */
  readonly description: string;
  /** PostgreSQL schema in use, if one was chosen. */
  readonly schema?: string;
  /** For an SQLite file: where it is and the lock timeout, so a worker thread can open its own connection. */
  readonly sqliteFile?: { readonly filename: string; readonly timeoutMs: number };
  /** For PostgreSQL: what a worker thread needs to open a connection like the pool's. */
  readonly postgres?: PostgresSettings;
  /** True once `close()` was called. */
  readonly closed: boolean;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Runs `hook` when the database is closed, before the pool goes (helpers with their own connections stop then). */
  onClose(hook: () => Promise<void> | void): void;
  close(): Promise<void>;
}

export interface PostgresSettings {
  readonly connectionString: string;
  readonly schema?: string;
  readonly timeoutMs: number;
  readonly statementTimeoutMs: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The URL to use: `DATABASE_URL`, or the embedded SQLite file. */
export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_URL && env.DATABASE_URL.trim() !== '' ? env.DATABASE_URL.trim() : DEFAULT_DATABASE_URL;
}

/**
 * Opens a database from a URL. SQLite runs in WAL mode with a busy timeout and
 * full fsync on commit (the ledger promises durability); PostgreSQL gets a pool.
 */
export async function openDatabase(url: string = databaseUrlFromEnv(), options: OpenOptions = {}): Promise<Database> {
  const parsed = parseDatabaseUrl(url, options.cwd);
  const timeoutMs = options.timeoutMs ?? 5000;
  let config: Knex.Config;
  if (parsed.dialect === 'sqlite') {
    if (options.schema) throw new Error('a schema can only be chosen on PostgreSQL');
    if (!parsed.memory) mkdirSync(dirname(parsed.filename), { recursive: true });
    config = {
      client: 'better-sqlite3',
      connection: { filename: parsed.filename },
      useNullAsDefault: true,
      acquireConnectionTimeout: timeoutMs,
      pool: {
        min: 1,
        max: 1, // better-sqlite3 is synchronous: one connection serialises writers in-process
        afterCreate(conn: SqlitePragmas, done: (err: Error | null, conn: SqlitePragmas) => void) {
          try {
            configureSqlite(conn, { memory: parsed.memory, timeoutMs });
            done(null, conn);
          } catch (err) {
            done(err as Error, conn);
          }
        },
      },
    };
  } else {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new Error(`invalid schema name "${options.schema}": use lower-case letters, digits and _`);
    }
    config = {
      client: 'pg',
      connection: {
        connectionString: parsed.connectionString,
        connectionTimeoutMillis: timeoutMs,
        statement_timeout: statementTimeoutMs(timeoutMs),
      },
      searchPath: options.schema ? [options.schema] : undefined,
      acquireConnectionTimeout: timeoutMs,
      pool: { min: 0, max: options.poolMax ?? 10 },
    };
  }
  const log = options.log;
  if (log) {
    const fmt = (m: unknown) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m));
    config.log = {
      warn: (m: unknown) => log('warn', fmt(m)),
      error: (m: unknown) => log('error', fmt(m)),
      deprecate: (m: unknown) => log('warn', fmt(m)),
      debug: (m: unknown) => log('debug', fmt(m)),
    };
  }
  const knex = knexFactory(config);
  const closeHooks: Array<() => Promise<void> | void> = [];
  let closed = false;
  const db: Database = {
    knex,
    dialect: parsed.dialect,
    description: redactUrl(url),
    schema: options.schema,
    sqliteFile: parsed.dialect === 'sqlite' && !parsed.memory ? { filename: parsed.filename, timeoutMs } : undefined,
    postgres: parsed.dialect === 'postgres'
      ? { connectionString: parsed.connectionString, schema: options.schema, timeoutMs, statementTimeoutMs: statementTimeoutMs(timeoutMs) }
      : undefined,
    get closed() {
      return closed;
    },
    async ping() {
      await knex.raw('select 1');
    },
    onClose(hook) {
      closeHooks.push(hook);
    },
    async close() {
      closed = true;
      for (const hook of closeHooks.splice(0)) await Promise.resolve().then(hook).catch(() => undefined);
      await knex.destroy();
    },
  };
  if (options.schema) {
    try {
      await knex.raw('create schema if not exists ??', [options.schema]);
    } catch (err) {
      await knex.destroy();
      throw err;
    }
  }
  return db;
}

/** A lost server must not hang a request: queries give up after this. */
function statementTimeoutMs(timeoutMs: number): number {
  return Math.max(timeoutMs * 6, 30000);
}
