/**
 * Request/answer over a worker thread, for the ledger's writer threads. The
 * thread starts with the first request, keeps the process alive only while
 * a request is out, and starts again after a crash; the requests it held
 * then fail as unavailable (their callers got no answer).
 */
import { Worker } from 'node:worker_threads';
import { LedgerUnavailableError } from './errors.js';

export interface WorkerReply {
  id: number;
}

interface Outstanding<Reply> {
  resolve(reply: Reply): void;
  reject(err: Error): void;
}

export class WorkerClient<Request extends object, Reply extends WorkerReply> {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly outstanding = new Map<number, Outstanding<Reply>>();
  private closed = false;

  constructor(private readonly script: URL, private readonly workerData: unknown) {}

  request(req: Request): Promise<Reply> {
    if (this.closed) return Promise.reject(new LedgerUnavailableError('the ledger is closed'));
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.outstanding.set(id, { resolve, reject });
      if (this.outstanding.size === 1) worker.ref();
      worker.postMessage({ ...req, id });
    });
  }

  /** Stops the thread (after its current request: termination waits for nothing else). */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker) {
      worker.postMessage({ id: 0, close: true });
      // A thread that does not finish its current work within a few seconds is stopped.
      const timer = setTimeout(() => void worker.terminate(), 5000);
      await new Promise<void>((r) => worker.once('exit', () => r()));
      clearTimeout(timer);
    }
    this.failAll(new LedgerUnavailableError('the ledger is closed'));
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script, { workerData: this.workerData });
    worker.unref();
    worker.on('message', (reply: Reply) => this.answer(reply));
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

  private answer(reply: Reply): void {
    const o = this.outstanding.get(reply.id);
    if (!o) return;
    this.outstanding.delete(reply.id);
    if (this.outstanding.size === 0) this.worker?.unref();
    o.resolve(reply);
  }

  private failAll(err: Error): void {
    const all = [...this.outstanding.values()];
    this.outstanding.clear();
    for (const o of all) o.reject(err);
  }
}
