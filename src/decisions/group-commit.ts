/**
 * Group commit: appends wait in a queue; a writer takes up to `maxBatch` of
 * them into a single transaction. While a commit is in flight new appends
 * gather, so the batch size follows the load by itself.
 *
 * The writer decides how a batch reaches the database (one statement on
 * PostgreSQL, a writer thread on SQLite, a knex transaction otherwise); this
 * queue only promises that an append resolves after its batch committed.
 */
import type { Database } from '../db/index.js';
import { isUniqueViolation } from '../db/errors.js';
import { commitBatch, type ChainRow, type ChainSpec, type Unchained } from './chain.js';
import { DuplicateRecordError, LedgerUnavailableError, isLedgerError } from './errors.js';

/** What a writer wrote: the batch's entries chained, in order. */
export interface WrittenBatch<Row extends ChainRow> {
  rows: Row[];
  /**
   * The database transaction that held them, from writers that merge waiting
   * batches into one transaction (its number, rising, and its size), so that
   * the statistics count transactions rather than batches.
   */
  transaction?: { id: number; entries: number };
}

/** Writes one batch durably and returns its entries chained, in order. */
export interface ChainWriter<Row extends ChainRow> {
  write(entries: ReadonlyArray<Unchained<Row>>): Promise<WrittenBatch<Row>>;
  /**
   * Batches this writer accepts at once (default 1). More than one lets the
   * next batch wait at the database instead of in this process, when the
   * writer keeps them in order and the chain correct by itself.
   */
  readonly maxInFlight?: number;
  /**
   * Fewest entries worth a batch of their own beside one in flight (default
   * 8): below it they wait for that one to commit and join the next, so that
   * a trickle of appends does not cost a transaction each. A writer that
   * merges waiting batches itself takes 1.
   */
  readonly minPipelinedBatch?: number;
  /** Releases what the writer holds (threads, connections). */
  close(): Promise<void>;
}

/** The generic writer: a knex transaction that locks the head, inserts in chunks and moves the head. */
export class KnexChainWriter<Row extends ChainRow> implements ChainWriter<Row> {
  constructor(private readonly db: Database, private readonly spec: ChainSpec<Row>) {}

  async write(entries: ReadonlyArray<Unchained<Row>>): Promise<WrittenBatch<Row>> {
    return { rows: await commitBatch(this.db, this.spec, entries) };
  }

  async close(): Promise<void> {}
}

/** The default of `ChainWriter.minPipelinedBatch`. */
const PIPELINED_BATCH = 8;

export interface GroupCommitOptions {
  /** Most entries per batch handed to the writer (default 512); a writer that merges batches bounds its transactions itself. */
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

export class GroupCommitter<Row extends ChainRow> {
  private queue: Pending<Row>[] = [];
  private readonly waitingIds = new Set<string>();
  private scheduled = false;
  private inFlight = 0;
  private closed = false;
  private idle: Array<() => void> = [];
  /** The last merged transaction counted (see WrittenBatch.transaction). */
  private lastTransaction = -1;
  private readonly maxBatch: number;
  private readonly maxQueue: number;
  private readonly maxInFlight: number;
  private readonly minPipelinedBatch: number;
  readonly stats: GroupCommitStats = {
    transactions: 0, records: 0, failedTransactions: 0, largestBatch: 0, queueDepth: 0, lastCommitMillis: 0, totalCommitMillis: 0,
  };

  constructor(
    private readonly db: Database,
    private readonly spec: ChainSpec<Row>,
    private readonly writer: ChainWriter<Row>,
    private readonly options: GroupCommitOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 512);
    this.maxQueue = Math.max(1, options.maxQueue ?? 20000);
    this.maxInFlight = Math.max(1, writer.maxInFlight ?? 1);
    this.minPipelinedBatch = Math.max(1, writer.minPipelinedBatch ?? PIPELINED_BATCH);
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
      if (!this.scheduled && this.inFlight < this.maxInFlight) {
        this.scheduled = true;
        // Let the appends of this turn of the event loop join the first batch.
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  /** Waits for queued appends, then refuses new ones and lets the writer go. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.queue.length > 0 || this.inFlight > 0 || this.scheduled) await new Promise<void>((r) => this.idle.push(r));
    await this.writer.close();
  }

  /** Up to `maxInFlight` batches at a time: the next one gathers while these commit. */
  private pump(): void {
    if (this.queue.length === 0 && this.inFlight === 0) for (const r of this.idle.splice(0)) r();
    while (this.queue.length > 0 && (this.inFlight === 0 || (this.inFlight < this.maxInFlight && this.queue.length >= this.minPipelinedBatch))) {
      this.start(this.queue.splice(0, this.maxBatch));
    }
  }

  private start(batch: Pending<Row>[]): void {
    this.stats.queueDepth = this.queue.length;
    this.inFlight++;
    void this.commit(batch);
  }

  /**
   * A batch left the database. Under load a full batch is waiting by now: it
   * goes at once, before this batch's callers are answered (answering them
   * takes a while, and the database would sit idle meanwhile). Anything
   * smaller waits a turn of the event loop, so that appends already on their
   * way (requests already read) join it.
   */
  private finished(): void {
    this.inFlight--;
    if (this.queue.length >= this.minPipelinedBatch) this.pump();
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private async commit(batch: Pending<Row>[]): Promise<void> {
    const started = performance.now();
    let written: WrittenBatch<Row> | undefined;
    let failure: unknown;
    try {
      written = await this.writer.write(batch.map((p) => p.entry));
    } catch (err) {
      failure = err;
    }
    if (written) {
      const { rows, transaction } = written;
      this.finished();
      const millis = performance.now() - started;
      this.stats.records += rows.length;
      // Batches merged into one transaction answer one after the other: count it once, at its full size.
      if (transaction === undefined || transaction.id !== this.lastTransaction) {
        if (transaction) this.lastTransaction = transaction.id;
        const size = transaction?.entries ?? rows.length;
        this.stats.transactions++;
        this.stats.largestBatch = Math.max(this.stats.largestBatch, size);
        this.stats.lastCommitMillis = millis;
        this.stats.totalCommitMillis += millis;
        this.options.onCommit?.(size, millis);
      }
      for (let i = 0; i < batch.length; i++) this.settle(batch[i], rows[i]);
      return;
    }
    this.stats.failedTransactions++;
    const retry = isUniqueViolation(failure) ? await this.dropDuplicates(batch, failure) : batch;
    // The entries that were not duplicates go again, as the same batch still in flight.
    if (retry.length > 0 && retry.length < batch.length) return this.commit(retry);
    this.finished();
    for (const p of retry) this.settle(p, unavailable(failure));
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

export function unavailable(err: unknown): Error {
  if (isLedgerError(err)) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new LedgerUnavailableError(`the ledger could not be written: ${detail}`, { cause: err });
}
