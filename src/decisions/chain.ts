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
 * that inserts the entries (SELECT … FOR UPDATE on PostgreSQL; a write as the
 * first statement on SQLite, which takes the write lock like BEGIN IMMEDIATE),
 * so several processes sharing one database still build one chain.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { Database } from '../db/index.js';
import { isUniqueViolation } from '../db/index.js';
import { canonicalJson, parseJson, type Canonicalizable } from './canonical.js';
import { DuplicateRecordError, LedgerUnavailableError, isLedgerError } from './errors.js';

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
  /** The hashed body of a row: a pure function of its columns except `hash`. */
  body(row: Row): Canonicalizable;
  /** Brings a row as the driver returns it into shape (PostgreSQL returns BIGINT as text). */
  fromDb(raw: Record<string, unknown>): Row;
  /** Extra writes in the same transaction (index tables). */
  afterInsert?(trx: Knex.Transaction, rows: readonly Row[]): Promise<void>;
}

export type Unchained<Row extends ChainRow> = Omit<Row, 'seq' | 'prev_hash' | 'hash'>;

export function chainHash(prevHash: string, bodyText: string): string {
  return createHash('sha256').update(Buffer.from(prevHash, 'hex')).update(bodyText, 'utf8').digest('hex');
}

/** The hash a row should carry, computed from its stored columns. */
export function rowHash<Row extends ChainRow>(spec: ChainSpec<Row>, row: Row): string {
  return chainHash(row.prev_hash, canonicalJson(spec.body(row)));
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
export async function lockHead(trx: Knex.Transaction, db: Database, ledger: string): Promise<{ seq: number; hash: string }> {
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
    let prev = head.hash;
    const rows = entries.map((e, i) => {
      const row = { ...e, seq: head.seq + i + 1, prev_hash: prev, hash: '' } as Row;
      row.hash = rowHash(spec, row);
      prev = row.hash;
      return row;
    });
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await trx(spec.table).insert(rows.slice(i, i + INSERT_CHUNK));
    }
    if (spec.afterInsert) await spec.afterInsert(trx, rows);
    const last = rows[rows.length - 1];
    await trx('ledger_head').where({ ledger: spec.ledger }).update({ seq: last.seq, hash: last.hash, updated_at: new Date().toISOString() });
    return rows;
  });
}

export interface GroupCommitOptions {
  /** Most entries per transaction (default 512). */
  maxBatch?: number;
  /** Most entries waiting; beyond it appends fail closed (default 20000). */
  maxQueue?: number;
  /** Called after each successful commit, for metrics. */
  onCommit?(batchSize: number, millis: number): void;
}

export interface GroupCommitStats {
  transactions: number;
  records: number;
  failedTransactions: number;
  largestBatch: number;
  queueDepth: number;
  lastCommitMillis: number;
  totalCommitMillis: number;
}

interface Pending<Row extends ChainRow> {
  entry: Unchained<Row>;
  id: string;
  resolve(row: Row): void;
  reject(err: Error): void;
}

/**
 * Group commit: appends wait in a queue; one flusher at a time takes up to
 * `maxBatch` of them into a single transaction. While a commit is in flight
 * new appends gather, so the batch size follows the load by itself.
 */
export class GroupCommitter<Row extends ChainRow> {
  private queue: Pending<Row>[] = [];
  private readonly waitingIds = new Set<string>();
  private flushing = false;
  private closed = false;
  private idle: Array<() => void> = [];
  private readonly maxBatch: number;
  private readonly maxQueue: number;
  readonly stats: GroupCommitStats = {
    transactions: 0, records: 0, failedTransactions: 0, largestBatch: 0, queueDepth: 0, lastCommitMillis: 0, totalCommitMillis: 0,
  };

  constructor(private readonly db: Database, private readonly spec: ChainSpec<Row>, private readonly options: GroupCommitOptions = {}) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 512);
    this.maxQueue = Math.max(1, options.maxQueue ?? 20000);
  }

  append(entry: Unchained<Row>): Promise<Row> {
    const id = String(entry[this.spec.idColumn as keyof Unchained<Row>]);
    if (this.closed) return Promise.reject(new LedgerUnavailableError('the ledger is closed'));
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(new LedgerUnavailableError(`the ledger queue is full (${this.maxQueue} records waiting)`));
    }
    if (this.waitingIds.has(id)) return Promise.reject(new DuplicateRecordError(id));
    return new Promise<Row>((resolve, reject) => {
      this.queue.push({ entry, id, resolve, reject });
      this.waitingIds.add(id);
      this.stats.queueDepth = this.queue.length;
      if (!this.flushing) {
        this.flushing = true;
        // Let the appends of this turn of the event loop join the first batch.
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Waits for queued appends, then refuses new ones. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.flushing) await new Promise<void>((r) => this.idle.push(r));
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.stats.queueDepth = this.queue.length;
      await this.commit(batch);
    }
    this.flushing = false;
    for (const r of this.idle.splice(0)) r();
  }

  private async commit(batch: Pending<Row>[]): Promise<void> {
    const started = performance.now();
    try {
      const rows = await commitBatch(this.db, this.spec, batch.map((p) => p.entry));
      const millis = performance.now() - started;
      this.stats.transactions++;
      this.stats.records += rows.length;
      this.stats.largestBatch = Math.max(this.stats.largestBatch, rows.length);
      this.stats.lastCommitMillis = millis;
      this.stats.totalCommitMillis += millis;
      this.options.onCommit?.(rows.length, millis);
      batch.forEach((p, i) => this.settle(p, rows[i]));
    } catch (err) {
      this.stats.failedTransactions++;
      if (isUniqueViolation(err)) {
        const retry = await this.dropDuplicates(batch, err);
        if (retry.length > 0 && retry.length < batch.length) return this.commit(retry);
        for (const p of retry) this.settle(p, unavailable(err));
        return;
      }
      for (const p of batch) this.settle(p, unavailable(err));
    }
  }

  /** Rejects the entries whose id is already stored; returns the others. */
  private async dropDuplicates(batch: Pending<Row>[], cause: unknown): Promise<Pending<Row>[]> {
    let existing: Set<string>;
    try {
      const found = await this.db.knex(this.spec.table).select(this.spec.idColumn).whereIn(this.spec.idColumn, batch.map((p) => p.id));
      existing = new Set(found.map((r: Record<string, unknown>) => String(r[this.spec.idColumn])));
    } catch {
      for (const p of batch) this.settle(p, unavailable(cause));
      return [];
    }
    const rest: Pending<Row>[] = [];
    for (const p of batch) {
      if (existing.has(p.id)) this.settle(p, new DuplicateRecordError(p.id));
      else rest.push(p);
    }
    return rest;
  }

  private settle(p: Pending<Row>, outcome: Row | Error): void {
    this.waitingIds.delete(p.id);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }
}

function unavailable(err: unknown): Error {
  if (isLedgerError(err)) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new LedgerUnavailableError(`the ledger could not be written: ${detail}`, { cause: err });
}
