/**
 * The SQLite ledger writer thread. better-sqlite3 is synchronous: a commit
 * (with its fsync) would stop the server's event loop, so ledger batches are
 * written here, on a connection of this thread's own, while the main thread
 * keeps serving. Each batch is one BEGIN IMMEDIATE … COMMIT: the write lock
 * is taken first, the head read under it, the rows chained and hashed here
 * (off the main thread), inserted with prepared statements, the head moved.
 * Several processes on one file serialise on that lock as before.
 *
 * Batches that arrive while one is written are merged into the next
 * transaction (the protocol and the loop are in writer-thread.ts).
 */
import { createRequire } from 'node:module';
import { workerData } from 'node:worker_threads';
import { configureSqlite } from '../db/sqlite.js';
import { GENESIS_HASH, chainRows, type ChainRow, type ChainSpec, type Unchained } from './chain.js';
import { DECISIONS } from './record.js';
import { serveWriteRequests } from './writer-thread.js';

export interface SqliteWorkerData {
  filename: string;
  timeoutMs: number;
  /** Which chain this thread writes (a key of SPECS). */
  ledger: string;
}

interface Statement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
}

interface Connection {
  prepare(sql: string): Statement;
  pragma(source: string): unknown;
  close(): void;
  readonly inTransaction: boolean;
}

type ConnectionClass = new (filename: string, options?: { timeout?: number }) => Connection;

const SPECS: Record<string, ChainSpec<ChainRow>> = { decisions: DECISIONS as unknown as ChainSpec<ChainRow> };

const data = workerData as SqliteWorkerData;
const spec = SPECS[data.ledger];
if (!spec) throw new Error(`no chain spec for ledger "${data.ledger}"`);
const require = createRequire(import.meta.url);
const Sqlite = require('better-sqlite3') as ConnectionClass;
const conn = new Sqlite(data.filename, { timeout: data.timeoutMs });
configureSqlite(conn, { memory: false, timeoutMs: data.timeoutMs });

interface Prepared {
  begin: Statement;
  commit: Statement;
  rollback: Statement;
  head: Statement;
  createHead: Statement;
  moveHead: Statement;
  insert: Statement;
  link?: Statement;
}

let prepared: Prepared | undefined;

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

function prepare(): Prepared {
  const cols = spec.columns;
  const p: Prepared = {
    begin: conn.prepare('BEGIN IMMEDIATE'),
    commit: conn.prepare('COMMIT'),
    rollback: conn.prepare('ROLLBACK'),
    head: conn.prepare('SELECT seq, hash FROM ledger_head WHERE ledger = ?'),
    createHead: conn.prepare('INSERT INTO ledger_head (ledger, seq, hash, updated_at) VALUES (?, 0, ?, ?) ON CONFLICT (ledger) DO NOTHING'),
    moveHead: conn.prepare('UPDATE ledger_head SET seq = ?, hash = ?, updated_at = ? WHERE ledger = ?'),
    insert: conn.prepare(`INSERT INTO ${q(spec.table)} (${cols.map(q).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`),
  };
  if (spec.links) {
    p.link = conn.prepare(`INSERT INTO ${q(spec.links.table)} (${spec.links.columns.map(q).join(', ')}) VALUES (?, ?)`);
  }
  return p;
}

function write(entries: ReadonlyArray<Unchained<ChainRow>>): ChainRow[] {
  const p = (prepared ??= prepare());
  p.begin.run();
  try {
    const now = new Date().toISOString();
    let head = p.head.get(spec.ledger) as { seq: number | bigint; hash: string } | undefined;
    if (!head) {
      p.createHead.run(spec.ledger, GENESIS_HASH, now);
      head = { seq: 0, hash: GENESIS_HASH };
    }
    const rows = chainRows(spec, { seq: Number(head.seq), hash: head.hash }, entries);
    for (const row of rows) {
      p.insert.run(spec.columns.map((c) => row[c] ?? null)); // a column newer than the record (read from a spill file) is NULL
      if (spec.links && p.link) for (const key of spec.links.keys(row)) p.link.run(key, row.seq);
    }
    const last = rows[rows.length - 1];
    p.moveHead.run(last.seq, last.hash, now, spec.ledger);
    p.commit.run();
    return rows;
  } catch (err) {
    try {
      if (conn.inTransaction) p.rollback.run();
    } catch {
      // the transaction is gone already; nothing to undo
    }
    // The schema may have changed under us (tables dropped, renamed, migrated): prepare afresh next time.
    prepared = undefined;
    throw err;
  }
}

serveWriteRequests({
  write,
  close: () => conn.close(),
});
