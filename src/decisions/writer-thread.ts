/**
 * The protocol and the request loop of a ledger writer thread (today the
 * SQLite one, sqlite-worker.ts), and the main thread's side of it.
 *
 * The main thread posts batches as soon as they gather; the thread merges
 * every batch that arrived while it was writing into its next transaction.
 * So a transaction takes everything that waited for the one before it — the
 * batch is formed when the database is free, not earlier — and a decision
 * waits for at most the commit in progress and its own.
 *
 * Protocol: `{ id, entries }` (entries as JSON text) in; `{ id, ok: true, seq,
 * prev, hashes, tx, txEntries }` (the first seq, the hash it chained onto,
 * each entry's hash, and the number and size of the merged transaction) or
 * `{ id, ok: false, message, code }` out, in request order.
 * `{ id: 0, close: true }` ends the thread once what it holds is written.
 */
import { parentPort } from 'node:worker_threads';
import { placeRows, type ChainRow, type Unchained } from './chain.js';
import type { ChainWriter, WrittenBatch } from './group-commit.js';
import { WorkerClient } from './worker-client.js';

export interface WriteRequest {
  id: number;
  entries: string;
}

export type WriteReply =
  | { id: number; ok: true; seq: number; prev: string; hashes: string[]; tx: number; txEntries: number }
  | { id: number; ok: false; message: string; code?: string };

type Message = WriteRequest | { id: 0; close: true };

/** What a writer thread does with one merged batch: chain, insert and commit it, or throw. */
export interface ThreadBatchWriter {
  write(entries: Array<Unchained<ChainRow>>): ChainRow[] | Promise<ChainRow[]>;
  close(): void | Promise<void>;
}

/** Most entries in one merged transaction (a statement of a few MB at most). */
const MAX_MERGED_ENTRIES = 2048;

/** Runs the thread's request loop: merges waiting requests, writes them in order, answers each. */
export function serveWriteRequests(writer: ThreadBatchWriter): void {
  const port = parentPort;
  if (!port) throw new Error('the ledger writer must run in a worker thread');
  const waiting: WriteRequest[] = [];
  let draining = false;
  let closing = false;
  let transactions = 0;

  port.on('message', (m: Message) => {
    if ('close' in m) closing = true;
    else waiting.push(m);
    if (draining) return;
    draining = true;
    // One turn first: messages already delivered to this thread join the batch.
    setImmediate(() => void drain());
  });

  async function drain(): Promise<void> {
    while (waiting.length > 0) {
      const { requests, entries, counts } = takeBatch(waiting);
      const tx = ++transactions;
      let replies: WriteReply[];
      try {
        const rows = await writer.write(entries);
        let at = 0;
        replies = requests.map((r, i) => {
          const mine = rows.slice(at, (at += counts[i]));
          return { id: r.id, ok: true, seq: mine[0].seq, prev: mine[0].prev_hash, hashes: mine.map((x) => x.hash), tx, txEntries: entries.length };
        });
      } catch (err) {
        const e = err as { message?: unknown; code?: unknown };
        const failure = { ok: false as const, message: String(e.message ?? err), code: typeof e.code === 'string' ? e.code : undefined };
        replies = requests.map((r) => ({ id: r.id, ...failure }));
      }
      for (const reply of replies) port?.postMessage(reply);
    }
    draining = false;
    if (closing) {
      await writer.close();
      port?.close();
    }
  }
}

/** The oldest waiting requests, up to the merge limit (at least one). */
function takeBatch(waiting: WriteRequest[]): { requests: WriteRequest[]; entries: Array<Unchained<ChainRow>>; counts: number[] } {
  const requests: WriteRequest[] = [];
  const entries: Array<Unchained<ChainRow>> = [];
  const counts: number[] = [];
  while (waiting.length > 0) {
    const parsed = JSON.parse(waiting[0].entries) as Array<Unchained<ChainRow>>;
    if (requests.length > 0 && entries.length + parsed.length > MAX_MERGED_ENTRIES) break;
    requests.push(waiting.shift() as WriteRequest);
    counts.push(parsed.length);
    for (const e of parsed) entries.push(e);
  }
  return { requests, entries, counts };
}

/**
 * The main thread's side: batches go over as JSON text the moment they
 * gather (the thread merges them), the answers come back as seqs and hashes
 * and are written into the entries, which become the chained rows.
 */
export class ThreadChainWriter<Row extends ChainRow> implements ChainWriter<Row> {
  /** The thread keeps batches in order and merges those that wait, so send them all. */
  readonly maxInFlight = 64;
  readonly minPipelinedBatch = 1;
  private readonly thread: WorkerClient<Omit<WriteRequest, 'id'>, WriteReply>;

  constructor(script: URL, workerData: { ledger: string }) {
    this.thread = new WorkerClient(script, workerData);
  }

  async write(entries: ReadonlyArray<Unchained<Row>>): Promise<WrittenBatch<Row>> {
    const reply = await this.thread.request({ entries: JSON.stringify(entries) });
    if (!reply.ok) throw Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {});
    return { rows: placeRows<Row>(entries, reply.seq, reply.prev, reply.hashes), transaction: { id: reply.tx, entries: reply.txEntries } };
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
