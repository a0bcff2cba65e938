/**
 * The main thread's side of the SQLite writer thread (see sqlite-worker.ts):
 * batches go over as JSON text, the answers come back as seqs and hashes and
 * are turned into the chained rows. The thread starts with the first batch,
 * keeps the process alive only while a batch is out, and starts again after
 * a crash (the batches it held fail as unavailable: the caller got no answer).
 */
import { Worker } from 'node:worker_threads';
import type { ChainRow, ChainSpec, Unchained } from './chain.js';
import { LedgerUnavailableError } from './errors.js';
import type { ChainWriter } from './group-commit.js';
import type { SqliteWorkerData, WriteReply, WriteRequest } from './sqlite-worker.js';

interface Outstanding<Row extends ChainRow> {
  entries: ReadonlyArray<Unchained<Row>>;
  resolve(rows: Row[]): void;
  reject(err: Error): void;
}

export class SqliteThreadWriter<Row extends ChainRow> implements ChainWriter<Row> {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly outstanding = new Map<number, Outstanding<Row>>();
  private closed = false;

  constructor(private readonly spec: ChainSpec<Row>, private readonly file: { filename: string; timeoutMs: number }) {}

  write(entries: ReadonlyArray<Unchained<Row>>): Promise<Row[]> {
    if (this.closed) return Promise.reject(new LedgerUnavailableError('the ledger is closed'));
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<Row[]>((resolve, reject) => {
      this.outstanding.set(id, { entries, resolve, reject });
      if (this.outstanding.size === 1) worker.ref();
      const req: WriteRequest = { id, entries: JSON.stringify(entries) };
      worker.postMessage(req);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
    this.failAll(new LedgerUnavailableError('the ledger is closed'));
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const workerData: SqliteWorkerData = { filename: this.file.filename, timeoutMs: this.file.timeoutMs, ledger: this.spec.ledger };
    const worker = new Worker(new URL('./sqlite-worker.js', import.meta.url), { workerData });
    worker.unref();
    worker.on('message', (reply: WriteReply) => this.answer(reply));
    const lost = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failAll(new LedgerUnavailableError(`the ledger writer thread stopped: ${why}`));
    };
    worker.on('error', (err) => lost(err.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    this.worker = worker;
    return worker;
  }

  private answer(reply: WriteReply): void {
    const o = this.outstanding.get(reply.id);
    if (!o) return;
    this.outstanding.delete(reply.id);
    if (this.outstanding.size === 0) this.worker?.unref();
    if (!reply.ok) {
      o.reject(Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {}));
      return;
    }
    let prev = reply.prev;
    o.resolve(o.entries.map((e, i) => {
      const row = e as Row;
      row.seq = reply.seq + i;
      row.prev_hash = prev;
      row.hash = reply.hashes[i];
      prev = row.hash;
      return row;
    }));
  }

  private failAll(err: Error): void {
    const all = [...this.outstanding.values()];
    this.outstanding.clear();
    for (const o of all) o.reject(err);
  }
}
