/** The decision ledger: durable, group-committed, hash-chained; plus its queries. */
import type { Database } from '../db/index.js';
import type { ChainSpec } from './chain.js';
import { LedgerUnavailableError } from './errors.js';
import { GroupCommitter, KnexChainWriter, type ChainWriter, type GroupCommitOptions, type GroupCommitStats } from './group-commit.js';
import { PgChainWriter } from './pg-writer.js';
import { DECISIONS, fromDecisionRow, toDecisionRow, type AppendedRecord, type DecisionInput, type DecisionRecord, type DecisionRow } from './record.js';
import type { SqliteWorkerData } from './sqlite-worker.js';
import { toLedgerTimestamp } from './time.js';
import { ThreadChainWriter } from './writer-thread.js';

export interface DecisionLedgerOptions extends GroupCommitOptions {
  /**
   * How batches reach the database. `auto` (default): one statement per batch
   * on PostgreSQL, a writer thread for an SQLite file; `transaction`: a knex
   * transaction on the calling thread (what `auto` uses for in-memory SQLite).
   */
  writer?: 'auto' | 'transaction';
}

/** What `DecisionLedger.commit` resolves with: where the record sits in the chain. */
export interface LedgerReceipt {
  decision_id: string;
  seq: number;
  hash: string;
}

/** The writer for `db`: the cheapest one that keeps the chain's guarantees there. */
export function chainWriter<Row extends DecisionRow>(db: Database, spec: ChainSpec<Row>, kind: 'auto' | 'transaction' = 'auto'): ChainWriter<Row> {
  if (kind === 'auto' && db.postgres) return new PgChainWriter(db.postgres, spec);
  if (kind === 'auto' && db.sqliteFile) {
    const data: SqliteWorkerData = { ...db.sqliteFile, ledger: spec.ledger };
    return new ThreadChainWriter(new URL('./sqlite-worker.js', import.meta.url), data);
  }
  return new KnexChainWriter(db, spec);
}

export class DecisionLedger {
  private readonly committer: GroupCommitter<DecisionRow>;

  constructor(readonly db: Database, options: DecisionLedgerOptions = {}) {
    this.committer = new GroupCommitter(db, DECISIONS, chainWriter(db, DECISIONS, options.writer), options);
    // A ledger outliving its database would hold a writer thread; stop with it.
    db.onClose(() => this.committer.close());
  }

  /**
   * Records a decision. Resolves after the transaction holding it committed;
   * rejects with a `LedgerError` (`ledger_unavailable` when the database
   * cannot be written) — then the decision must not be returned to the caller.
   */
  async append(decision: DecisionInput): Promise<AppendedRecord> {
    const row = toDecisionRow(decision);
    return fromDecisionRow(await this.committer.append(row));
  }

  /**
   * Records a decision like `append`, with the same guarantee (resolves after
   * COMMIT), but answers only where it landed instead of reading the whole
   * record back: the server's path.
   */
  async commit(decision: DecisionInput): Promise<LedgerReceipt> {
    const row = await this.committer.append(toDecisionRow(decision));
    return { decision_id: row.decision_id, seq: row.seq, hash: row.hash };
  }

  /** Records a row `toDecisionRow` made (the asynchronous mode's spill file holds these), with `append`'s guarantee. */
  commitRow(row: Omit<DecisionRow, 'seq' | 'prev_hash' | 'hash'>): Promise<DecisionRow> {
    return this.committer.append(row);
  }

  /** Transactions, records, batch sizes and commit times so far, and the current queue depth. */
  get stats(): Readonly<GroupCommitStats> {
    return this.committer.stats;
  }

  /** Finishes what is queued; later appends fail with `ledger_unavailable`. */
  close(): Promise<void> {
    return this.committer.close();
  }
}

export async function getDecision(db: Database, decisionId: string): Promise<DecisionRecord | undefined> {
  try {
    const raw = await db.knex('decisions').where({ decision_id: decisionId.toLowerCase() }).first();
    return raw ? fromDecisionRow(DECISIONS.fromDb(raw)) : undefined;
  } catch (err) {
    throw new LedgerUnavailableError(`the ledger could not be read: ${(err as Error).message}`, { cause: err });
  }
}

export interface DecisionFilter {
  path?: string;
  /** Decisions whose path starts with this. */
  pathPrefix?: string;
  outcome?: string;
  tenant?: string;
  /** Decisions in which this enforcement point fired. */
  enforcementPoint?: string;
  /** Inclusive lower bound on the decision time. */
  from?: string | Date;
  /** Exclusive upper bound on the decision time. */
  to?: string | Date;
}

export interface DecisionPageRequest {
  /** At most this many (default 100, capped at 1000). */
  limit?: number;
  /** The `next` cursor of the previous page. */
  cursor?: string;
  /** Newest first (default) or oldest first. */
  order?: 'desc' | 'asc';
}

export interface DecisionPage {
  decisions: DecisionRecord[];
  /** Present when more decisions match. */
  next?: string;
}

/** Lists decisions matching `filter`, a page at a time (keyset paging on seq). */
export async function listDecisions(db: Database, filter: DecisionFilter = {}, page: DecisionPageRequest = {}): Promise<DecisionPage> {
  const limit = Math.min(Math.max(1, Math.floor(page.limit ?? 100)), 1000);
  const order = page.order ?? 'desc';
  const q = db.knex('decisions').select('*');
  if (filter.path !== undefined) q.where('path', filter.path);
  if (filter.pathPrefix !== undefined) q.whereRaw("path like ? escape '\\'", [filter.pathPrefix.replace(/[\\%_]/g, (c) => '\\' + c) + '%']);
  if (filter.outcome !== undefined) q.where('outcome', filter.outcome);
  if (filter.tenant !== undefined) q.where('tenant', filter.tenant);
  if (filter.from !== undefined) q.where('ts', '>=', toLedgerTimestamp(filter.from));
  if (filter.to !== undefined) q.where('ts', '<', toLedgerTimestamp(filter.to));
  if (filter.enforcementPoint !== undefined) {
    const point = filter.enforcementPoint;
    q.whereIn('seq', (sub) => {
      sub.select('decision_seq').from('decision_enforcement_points').where('point_id', point);
    });
  }
  if (page.cursor !== undefined) q.where('seq', order === 'desc' ? '<' : '>', decodeCursor(page.cursor));
  q.orderBy('seq', order).limit(limit + 1);
  let raws: Array<Record<string, unknown>>;
  try {
    raws = await q;
  } catch (err) {
    throw new LedgerUnavailableError(`the ledger could not be read: ${(err as Error).message}`, { cause: err });
  }
  const rows = raws.slice(0, limit).map((r) => fromDecisionRow(DECISIONS.fromDb(r)));
  return raws.length > limit ? { decisions: rows, next: encodeCursor(rows[rows.length - 1].seq) } : { decisions: rows };
}

function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const m = /^seq:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw new RangeError('invalid page cursor');
  return Number(m[1]);
}
