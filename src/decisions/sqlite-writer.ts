/**
 * The main thread's side of the SQLite writer thread (see sqlite-worker.ts):
 * batches go over as JSON text, the answers come back as seqs and hashes and
 * are written into the entries, which become the chained rows.
 */
import type { ChainRow, ChainSpec, Unchained } from './chain.js';
import type { ChainWriter } from './group-commit.js';
import type { SqliteWorkerData, WriteReply, WriteRequest } from './sqlite-worker.js';
import { WorkerClient } from './worker-client.js';

export class SqliteThreadWriter<Row extends ChainRow> implements ChainWriter<Row> {
  /** The thread takes batches in order and reads the head under its write lock, so a second one can wait there. */
  readonly maxInFlight = 2;
  private readonly thread: WorkerClient<Omit<WriteRequest, 'id'>, WriteReply>;

  constructor(spec: ChainSpec<Row>, file: { filename: string; timeoutMs: number }) {
    const data: SqliteWorkerData = { filename: file.filename, timeoutMs: file.timeoutMs, ledger: spec.ledger };
    this.thread = new WorkerClient(new URL('./sqlite-worker.js', import.meta.url), data);
  }

  async write(entries: ReadonlyArray<Unchained<Row>>): Promise<Row[]> {
    const reply = await this.thread.request({ entries: JSON.stringify(entries) });
    if (!reply.ok) throw Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {});
    return placeRows<Row>(entries, reply.seq, reply.prev, reply.hashes);
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}

/** The entries as chained rows, from the first seq, the hash they chain onto and their hashes. */
export function placeRows<Row extends ChainRow>(entries: ReadonlyArray<Unchained<Row>>, seq: number, prev: string, hashes: readonly string[]): Row[] {
  return entries.map((e, i) => {
    const row = e as Row;
    row.seq = seq + i;
    row.prev_hash = i === 0 ? prev : hashes[i - 1];
    row.hash = hashes[i];
    return row;
  });
}
