import { isAbsolute, resolve } from 'node:path';

/** Where the embedded database lives when `DATABASE_URL` is unset. */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/attest.db';

export type Dialect = 'sqlite' | 'postgres';

export type ParsedDatabaseUrl =
  | { dialect: 'sqlite'; filename: string; memory: boolean }
  | { dialect: 'postgres'; connectionString: string };

/**
 * Reads a database URL: `sqlite:PATH` (also `sqlite://PATH`, `sqlite::memory:`)
 * or `postgres://…` / `postgresql://…`. Relative SQLite paths resolve
 * against `cwd`.
 */
export function parseDatabaseUrl(url: string, cwd = process.cwd()): ParsedDatabaseUrl {
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: 'postgres', connectionString: url };
  const m = /^sqlite:(.*)$/i.exec(url);
  if (!m) {
    throw new Error(`unsupported database URL "${redactUrl(url)}": use sqlite:PATH or postgres://USER@HOST:PORT/DB`);
  }
  let path = m[1];
  if (path.startsWith('//')) path = path.slice(2); // sqlite://./x.db and sqlite:///abs/x.db
  if (path === '' ) throw new Error('sqlite URL needs a file name, e.g. sqlite:./data/attest.db');
  if (path === ':memory:') return { dialect: 'sqlite', filename: ':memory:', memory: true };
  return { dialect: 'sqlite', filename: isAbsolute(path) ? path : resolve(cwd, path), memory: false };
}

/** The URL with any password replaced, for logs and error messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}
