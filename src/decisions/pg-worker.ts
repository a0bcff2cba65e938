/**
 * The PostgreSQL ledger writer thread: chains a batch onto the head the main
 * thread names (serialising and hashing the records here, off the main
 * thread) and sends the compare-and-set batch statement (pg-statement.ts) on
 * a connection of its own, as a prepared statement. It answers with the
 * hashes once the statement committed, or that the head had moved (nothing
 * was written; the main thread then locks the head and writes the batch
 * itself), or with the error.
 *
 * Requests are handled one after the other, in the order they came. A
 * request may name no head: it then chains onto what the request before it
 * wrote, so the main thread can send the next batch while one is still out;
 * when that request did not write, neither does this one (it answers that
 * the head moved).
 */
import pg from 'pg';
import { parentPort, workerData } from 'node:worker_threads';
import type { PostgresSettings } from '../db/index.js';
import { chainRows, type ChainHead, type ChainRow, type ChainSpec, type Unchained } from './chain.js';
import { bindBatch } from './pg-statement.js';
import { DECISIONS } from './record.js';

export interface PgWorkerData {
  postgres: PostgresSettings;
  /** Which chain this thread writes (a key of SPECS). */
  ledger: string;
}

export interface PgWriteRequest {
  id: number;
  /** null: onto the head the previous request wrote. */
  head: ChainHead | null;
  /** The entries as JSON text. */
  entries: string;
  now: string;
}

export type PgWriteReply =
  | { id: number; ok: true; seq: number; prev: string; hashes: string[] }
  | { id: number; ok: false; moved: true }
  | { id: number; ok: false; moved?: undefined; message: string; code?: string };

const SPECS: Record<string, ChainSpec<ChainRow>> = { decisions: DECISIONS as unknown as ChainSpec<ChainRow> };

const data = workerData as PgWorkerData;
const spec = SPECS[data.ledger];
if (!spec) throw new Error(`no chain spec for ledger "${data.ledger}"`);

let client: pg.Client | undefined;
/** What the previous request wrote; undefined when it wrote nothing. */
let written: ChainHead | undefined;

async function connection(): Promise<pg.Client> {
  if (client) return client;
  const s = data.postgres;
  const c = new pg.Client({ connectionString: s.connectionString, connectionTimeoutMillis: s.timeoutMs, statement_timeout: s.statementTimeoutMs });
  c.on('error', () => {
    if (client === c) client = undefined;
  });
  await c.connect();
  try {
    if (s.schema) await c.query(`SET search_path TO "${s.schema.replace(/"/g, '""')}"`);
  } catch (err) {
    await c.end().catch(() => undefined);
    throw err;
  }
  client = c;
  return c;
}

async function write(req: PgWriteRequest): Promise<PgWriteReply> {
  const head = req.head ?? written;
  written = undefined;
  if (!head) return { id: req.id, ok: false, moved: true };
  const rows = chainRows(spec, head, JSON.parse(req.entries) as Array<Unchained<ChainRow>>);
  const c = await connection();
  try {
    const result = await c.query<{ n: number }>(bindBatch(spec, head, rows, req.now));
    if (result.rows[0]?.n !== 1) return { id: req.id, ok: false, moved: true };
    const last = rows[rows.length - 1];
    written = { seq: last.seq, hash: last.hash };
    return { id: req.id, ok: true, seq: rows[0].seq, prev: head.hash, hashes: rows.map((r) => r.hash) };
  } catch (err) {
    // A server's error (it has an SQLSTATE) leaves the connection usable; anything else may not.
    const code = (err as { code?: unknown }).code;
    if (!(typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) && client === c) {
      client = undefined;
      void c.end().catch(() => undefined);
    }
    throw err;
  }
}

let queue: Promise<void> = Promise.resolve();

parentPort?.on('message', (req: PgWriteRequest | { id: 0; close: true }) => {
  queue = queue.then(async () => {
    if ('close' in req) {
      await client?.end().catch(() => undefined);
      client = undefined;
      parentPort?.close();
      return;
    }
    let reply: PgWriteReply;
    try {
      reply = await write(req);
    } catch (err) {
      const e = err as { message?: unknown; code?: unknown };
      reply = { id: req.id, ok: false, message: String(e.message ?? err), code: typeof e.code === 'string' ? e.code : undefined };
    }
    parentPort?.postMessage(reply);
  });
});
