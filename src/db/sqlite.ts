/**
 * SQLite connection settings shared by the knex pool and the ledger's writer
 * thread (which opens its own better-sqlite3 connection): WAL, a busy
 * timeout, full fsync on commit (the ledger promises durability).
 * Kept free of knex so that a worker thread can load it cheaply.
 */

/** The part of a better-sqlite3 connection used to configure it. */
export interface SqlitePragmas {
  pragma(source: string): unknown;
}

export function configureSqlite(conn: SqlitePragmas, options: { memory: boolean; timeoutMs: number }): void {
  if (!options.memory) conn.pragma('journal_mode = WAL');
  conn.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.timeoutMs))}`);
  conn.pragma('synchronous = FULL');
  conn.pragma('foreign_keys = ON');
}
