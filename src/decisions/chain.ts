/**
 * The hash chain shared by the decision ledger and the admin audit log.
 *
 * Every entry of a ledger has a `seq` (1, 2, …), the `prev_hash` of its
 * predecessor (64 zeros for the first) and
 *
 *     hash = SHA-256( bytes(prev_hash) || canonical JSON of the entry's body )
 *
 * where the body contains every stored field, `seq` and `prev_hash` included.
 * Writers serialise on the ledger's `ledger_head` row inside the transaction
 * that inserts the entries (SELECT … FOR UPDATE on PostgreSQL, where the
 * batch statement computes these same hashes itself; BEGIN IMMEDIATE or a
 * write as the first statement on SQLite), so several processes sharing one
 * database still build one chain.
 * The writers themselves are in group-commit.ts, pg-writer.ts,
 * writer-thread.ts and sqlite-worker.ts.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { Database } from '../db/index.js';
import { canonicalJson, parseJson, type Canonicalizable } from './canonical.js';

export const GENESIS_HASH = '0'.repeat(64);

/** Columns every chained table has. */
export interface ChainRow {
  seq: number;
  prev_hash: string;
  hash: string;
}

/** How one ledger maps onto its table. */
export interface ChainSpec<Row extends ChainRow> {
  /** Key of the ledger's row in `ledger_head`. */
  readonly ledger: string;
  readonly table: string;
  /** Column holding the entry's public id (decision id, audit entry id). */
  readonly idColumn: keyof Row & string;
  /** Columns holding canonical JSON text; verification checks they still are. */
  readonly jsonColumns: ReadonlyArray<keyof Row & string>;
  /** Stored columns in insert order. */
  readonly columns: ReadonlyArray<keyof Row & string>;
  /** The hashed body of a row: a pure function of its columns except `hash`. */
  body(row: Row): Canonicalizable;
  /**
   * `canonicalJson(body(row))`, written out directly (the hot path: one
   * string per record instead of an object and a key sort). Must agree with
   * `body` byte for byte; the tests hold it to that.
   */
  bodyText?(row: Row): string;
  /**
   * The hashed body around its two chain fields: `bodyText(row)` is
   * `pre + JSON(prev_hash) + mid + seq + post` (canonical JSON puts
   * `prev_hash` before `seq`). With it PostgreSQL chains a batch itself,
   * under the head's row lock, so writers never chain onto a stale head.
   */
  bodyParts?(row: Unchained<Row>): readonly [pre: string, mid: string, post: string];
  /** Brings a row as the driver returns it into shape (PostgreSQL returns BIGINT as text). */
  fromDb(raw: Record<string, unknown>): Row;
  /** Index rows derived from each entry, written in the same transaction (query helpers, not hashed). */
  readonly links?: ChainLinks<Row>;
}

/** An index table filled from the entries, e.g. which enforcement points fired in which decision. */
export interface ChainLinks<Row extends ChainRow> {
  readonly table: string;
  /** The key column, then the column holding the entry's seq. */
  readonly columns: readonly [string, string];
  /** The keys one entry is indexed under (each becomes a row `[key, seq]`). */
  keys(row: Unchained<Row>): string[];
}

export type Unchained<Row extends ChainRow> = Omit<Row, 'seq' | 'prev_hash' | 'hash'>;

export function chainHash(prevHash: string, bodyText: string): string {
  return createHash('sha256').update(Buffer.from(prevHash, 'hex')).update(bodyText, 'utf8').digest('hex');
}

/** The hash a row should carry, computed from its stored columns. */
export function rowHash<Row extends ChainRow>(spec: ChainSpec<Row>, row: Row): string {
  return chainHash(row.prev_hash, spec.bodyText ? spec.bodyText(row) : canonicalJson(spec.body(row)));
}

/** The entries chained onto `head` (in place): consecutive seqs, each linked to its predecessor's hash. */
export function chainRows<Row extends ChainRow>(spec: ChainSpec<Row>, head: ChainHead, entries: ReadonlyArray<Unchained<Row>>): Row[] {
  let prev = head.hash;
  // The entries become the rows (no copy per record): chaining them again
  // after a failed attempt just overwrites these three fields.
  return entries.map((e, i) => {
    const row = e as Row;
    row.seq = head.seq + i + 1;
    row.prev_hash = prev;
    row.hash = rowHash(spec, row);
    prev = row.hash;
    return row;
  });
}

/** The entries as chained rows (in place), from the first seq, the hash they chain onto and their hashes. */
export function placeRows<Row extends ChainRow>(entries: ReadonlyArray<Unchained<Row>>, seq: number, prev: string, hashes: readonly string[]): Row[] {
  return entries.map((e, i) => {
    const row = e as Row;
    row.seq = seq + i;
    row.prev_hash = i === 0 ? prev : hashes[i - 1];
    row.hash = hashes[i];
    return row;
  });
}

export interface ChainHead {
  seq: number;
  hash: string;
}

/** All index rows of a batch, as objects keyed by the link table's columns. */
export function linkRows<Row extends ChainRow>(links: ChainLinks<Row>, rows: readonly Row[]): Array<Record<string, string | number>> {
  const [a, b] = links.columns;
  const out: Array<Record<string, string | number>> = [];
  for (const r of rows) for (const key of links.keys(r)) out.push({ [a]: key, [b]: r.seq });
  return out;
}

/** Column names whose text is not a single canonical JSON value (tampering or corruption). */
export function malformedJsonColumns<Row extends ChainRow>(spec: ChainSpec<Row>, row: Row): string[] {
  const bad: string[] = [];
  for (const col of spec.jsonColumns) {
    const text = row[col];
    if (text === null || text === undefined) continue;
    try {
      if (typeof text !== 'string' || canonicalJson(parseJson(text)) !== text) bad.push(col);
    } catch {
      bad.push(col);
    }
  }
  return bad;
}

const INSERT_CHUNK = 100; // rows per INSERT statement, well under both databases' bind limits

/** Reads and locks the ledger's head for the rest of the transaction. */
export async function lockHead(trx: Knex.Transaction, db: Database, ledger: string): Promise<ChainHead> {
  for (let attempt = 0; attempt < 2; attempt++) {
    if (db.dialect === 'sqlite') {
      // A write first: SQLite takes the database write lock now (waiting up to
      // the busy timeout) instead of failing later on a stale read snapshot.
      await trx('ledger_head').where({ ledger }).update({ seq: trx.raw('seq') });
    }
    const q = trx('ledger_head').select('seq', 'hash').where({ ledger });
    const row = (await (db.dialect === 'postgres' ? q.forUpdate() : q).first()) as { seq: unknown; hash: string } | undefined;
    if (row) return { seq: Number(row.seq), hash: row.hash };
    await trx('ledger_head')
      .insert({ ledger, seq: 0, hash: GENESIS_HASH, updated_at: new Date().toISOString() })
      .onConflict('ledger')
      .ignore();
  }
  throw new Error(`ledger head for "${ledger}" could not be created`);
}

/**
 * Appends entries in one transaction and returns them chained. Resolves only
 * after COMMIT.
 */
export async function commitBatch<Row extends ChainRow>(db: Database, spec: ChainSpec<Row>, entries: ReadonlyArray<Unchained<Row>>): Promise<Row[]> {
  return db.knex.transaction(async (trx) => {
    const head = await lockHead(trx, db, spec.ledger);
    const rows = chainRows(spec, head, entries);
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await trx(spec.table).insert(rows.slice(i, i + INSERT_CHUNK));
    }
    if (spec.links) {
      const links = linkRows(spec.links, rows);
      for (let i = 0; i < links.length; i += INSERT_CHUNK) await trx(spec.links.table).insert(links.slice(i, i + INSERT_CHUNK));
    }
    const last = rows[rows.length - 1];
    await trx('ledger_head').where({ ledger: spec.ledger }).update({ seq: last.seq, hash: last.hash, updated_at: new Date().toISOString() });
    return rows;
  });
}

