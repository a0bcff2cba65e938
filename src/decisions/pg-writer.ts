/**
 * The PostgreSQL chain writer: one statement, one round trip per batch.
 *
 * The process remembers the head it last wrote. A batch is chained onto it
 * and sent as a single statement whose first step is a compare-and-set on the
 * `ledger_head` row (UPDATE … WHERE seq = known AND hash = known); the rows
 * and their index rows are inserted only when that step matched. The UPDATE
 * holds the head's row lock until COMMIT, and a writer that waited for it
 * re-checks the condition against the committed head (READ COMMITTED), so two
 * processes can never chain onto the same head. That path runs on a writer
 * thread (pg-worker.ts), which also serialises and hashes the records; a
 * second batch can wait there, chained onto the first, so that it goes to
 * the database the moment the first one committed.
 *
 * When the head is unknown (first batch, after an error) or moved (another
 * process wrote, the ledger was reset), the batch is written here in a knex
 * transaction that locks the head first (SELECT … FOR UPDATE) and chains onto
 * what it read, as the generic writer does.
 *
 * Durability is PostgreSQL's: statements commit with synchronous_commit as
 * configured (on by default), and a batch resolves after its COMMIT.
 */
import type { Knex } from 'knex';
import type { Database, PostgresSettings } from '../db/index.js';
import { chainRows, lockHead, type ChainHead, type ChainRow, type ChainSpec, type Unchained } from './chain.js';
import type { ChainWriter } from './group-commit.js';
import { bindBatch } from './pg-statement.js';
import type { PgWorkerData, PgWriteReply, PgWriteRequest } from './pg-worker.js';
import { placeRows } from './sqlite-writer.js';
import { WorkerClient } from './worker-client.js';

/** After the head moved under us, lock first for this many batches before trying the cheap way again. */
const LOCKED_AFTER_MISS = 8;

export class PgChainWriter<Row extends ChainRow> implements ChainWriter<Row> {
  /** Two batches: the second waits at the writer thread, chained onto the first. */
  readonly maxInFlight = 2;
  /** The head this process wrote last; undefined when unknown. */
  private head: ChainHead | undefined;
  private lockedBatches = 0;
  /** Batches out at the writer thread. */
  private atThread = 0;
  /** The lock-first batch out now, if any. */
  private locking: Promise<unknown> | undefined;
  private readonly thread: WorkerClient<Omit<PgWriteRequest, 'id'>, PgWriteReply>;

  constructor(private readonly db: Database, private readonly spec: ChainSpec<Row>, settings: PostgresSettings) {
    const data: PgWorkerData = { postgres: settings, ledger: spec.ledger };
    this.thread = new WorkerClient(new URL('./pg-worker.js', import.meta.url), data);
  }

  async write(entries: ReadonlyArray<Unchained<Row>>): Promise<Row[]> {
    // Not beside a lock-first batch: it moves the head, and this one would miss
    // it. Wait for it (it holds the head's lock anyway), then go the cheap way.
    while (this.locking) await this.locking.catch(() => undefined);
    try {
      if ((this.head || this.atThread > 0) && this.lockedBatches === 0) {
        // With a batch already out, this one chains onto whatever that one writes.
        const head = this.atThread > 0 ? null : (this.head as ChainHead);
        this.atThread++;
        let reply: PgWriteReply;
        try {
          reply = await this.thread.request({ head, entries: JSON.stringify(entries), now: new Date().toISOString() });
        } finally {
          this.atThread--;
        }
        if (reply.ok) return this.wrote(placeRows<Row>(entries, reply.seq, reply.prev, reply.hashes));
        if (!reply.moved) throw Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {});
        this.head = undefined;
        this.lockedBatches = LOCKED_AFTER_MISS;
      }
      if (this.lockedBatches > 0) this.lockedBatches--;
      const locked = this.db.knex.transaction(async (trx) => {
        const head = await lockHead(trx, this.db, this.spec.ledger);
        const rows = chainRows(this.spec, head, entries);
        if (!(await run(trx, this.spec, head, rows))) throw new Error(`the head of ledger "${this.spec.ledger}" moved while locked`);
        return rows;
      });
      this.locking = locked;
      try {
        return this.wrote(await locked);
      } finally {
        if (this.locking === locked) this.locking = undefined;
      }
    } catch (err) {
      // The outcome may be unknown (a connection lost during COMMIT): read the head again next time.
      this.head = undefined;
      throw err;
    }
  }

  close(): Promise<void> {
    this.head = undefined;
    return this.thread.close();
  }

  private wrote(rows: Row[]): Row[] {
    const last = rows[rows.length - 1];
    if (!this.head || last.seq > this.head.seq) this.head = { seq: last.seq, hash: last.hash };
    return rows;
  }
}

/** The batch statement inside a knex transaction; false when the head was not `head` (nothing was written). */
async function run<Row extends ChainRow>(trx: Knex.Transaction, spec: ChainSpec<Row>, head: ChainHead, rows: Row[]): Promise<boolean> {
  const { text, values } = bindBatch(spec, head, rows, new Date().toISOString());
  // knex numbers its own placeholders: hand it `?` in place of `$n`.
  const result = (await trx.raw(text.replace(/\$\d+/g, '?'), values)) as { rows: Array<{ n: number }> };
  return result.rows[0]?.n === 1;
}
