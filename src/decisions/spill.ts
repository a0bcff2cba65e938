/**
 * The ledger's asynchronous mode (`attest serve --ledger-mode async`, off by
 * default): a decision is answered once its record is accepted, not once it
 * is committed. Accepted means handed to the group committer, which holds at
 * most `maxPending` records, or — when that queue is full or the database
 * cannot be written — appended to a local spill file and flushed to disk.
 * Nothing is dropped: the spill file is written to the ledger, in order, as
 * soon as the database takes records again, and a spill file left by an
 * earlier process is written on open. While any record waits in the file,
 * new ones go behind it, so the chain keeps the order decisions arrived in.
 *
 * What this mode gives up is the durable mode's promise: records still in
 * the committer's queue (not yet in the file) are lost if the process dies
 * before they commit. When neither the queue nor the file can take a record
 * (disk full), `record` rejects with `ledger_unavailable` and the caller
 * must fail closed, as in durable mode.
 *
 * A record replayed after a crash that had in fact committed is recognised
 * by its decision id and skipped (`duplicate_record`).
 */
import { appendFileSync, closeSync, fstatSync, ftruncateSync, mkdirSync, openSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InvalidRecordError, LedgerUnavailableError, isLedgerError } from './errors.js';
import type { DecisionLedger } from './ledger.js';
import { toDecisionRow, type DecisionInput, type DecisionRow } from './record.js';
import type { Unchained } from './chain.js';

export interface AsyncLedgerOptions {
  /** The spill file (JSON lines of validated records). */
  file: string;
  /** Most records handed to the committer and not yet committed (default 10,000). */
  maxPending?: number;
  /** Wait before writing the spill file again after the database refused (default 1 s). */
  retryMs?: number;
  log?(message: string): void;
}

export interface AsyncLedgerStats {
  /** Records handed to the committer, not yet committed. */
  pending: number;
  /** Records written to the spill file so far. */
  spilled: number;
  /** Records written from the spill file to the ledger so far (skipped duplicates included). */
  drained: number;
  /** Bytes of the spill file not yet written to the ledger. */
  spillBytes: number;
}

type Row = Unchained<DecisionRow>;

const NOT_A_RECORD = 'not a spilled record';

/** Records read from the spill file per round. */
const DRAIN_CHUNK_BYTES = 1 << 20;

export class AsyncLedger {
  private readonly maxPending: number;
  private readonly retryMs: number;
  private file: FileHandle | undefined;
  /** Lines waiting to be appended, with their callers. */
  private appendQueue: Array<{ line: string; resolve(): void; reject(e: Error): void }> = [];
  private appending = false;
  /** True while the spill file holds records not yet in the ledger: new records go behind them. */
  private spilling = false;
  /** Byte offset in the spill file up to which records are in the ledger. */
  private drainedTo = 0;
  private fileSize = 0;
  private draining = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private idle: Array<() => void> = [];
  readonly stats: AsyncLedgerStats = { pending: 0, spilled: 0, drained: 0, spillBytes: 0 };

  constructor(private readonly ledger: DecisionLedger, private readonly options: AsyncLedgerOptions) {
    this.maxPending = Math.max(1, options.maxPending ?? 10_000);
    this.retryMs = Math.max(10, options.retryMs ?? 1000);
  }

  /** Opens the spill file; records an earlier process left there are written to the ledger from now on. */
  async open(): Promise<void> {
    mkdirSync(dirname(this.options.file), { recursive: true });
    // Every write lands at the end (O_APPEND), reads give their own position.
    this.file = await open(this.options.file, 'a+');
    this.fileSize = await this.dropTornTail(this.file);
    this.stats.spillBytes = this.fileSize;
    if (this.fileSize > 0) {
      this.spilling = true;
      this.options.log?.(`ledger: ${this.fileSize} bytes of spilled decisions in ${this.options.file}; writing them to the ledger`);
      this.drainSoon(0);
    }
  }

  /**
   * A process that died while appending may leave a last line without its
   * newline. Its caller never got an answer (that waits for the flush), so
   * the line is cut off; returns the size kept.
   */
  private async dropTornTail(file: FileHandle): Promise<number> {
    const size = (await file.stat()).size;
    if (size === 0) return 0;
    let keep = 0;
    // Back from the end, a growing window at a time, to the last newline (or the start).
    for (let want = DRAIN_CHUNK_BYTES; ; want *= 2) {
      const tail = Buffer.alloc(Math.min(size, want));
      await file.read(tail, 0, tail.length, size - tail.length);
      if (tail[tail.length - 1] === 0x0a) return size;
      const at = tail.lastIndexOf(0x0a);
      if (at >= 0 || tail.length === size) {
        keep = at < 0 ? 0 : size - tail.length + at + 1;
        break;
      }
    }
    await file.truncate(keep);
    this.options.log?.(`ledger: cut ${size - keep} bytes of an unfinished record from the end of ${this.options.file}`);
    return keep;
  }

  /**
   * Accepts a decision: resolves once it is queued for the next commit or
   * flushed to the spill file. Rejects with `invalid_record` for a record the
   * ledger could never take, and `ledger_unavailable` when it could not be
   * kept anywhere (the caller fails closed).
   */
  record(decision: DecisionInput): Promise<void> {
    if (this.closed || !this.file) return Promise.reject(new LedgerUnavailableError('the ledger is closed'));
    let row: Row;
    try {
      row = toDecisionRow(decision);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!this.spilling && this.stats.pending < this.maxPending) {
      this.stats.pending++;
      this.ledger.commitRow(row).then(
        () => this.settled(),
        (err: unknown) => {
          // Refused by the database: keep it in the file instead (the caller has its answer already).
          if (isLedgerError(err) && err.code !== 'ledger_unavailable') {
            if (err.code === 'invalid_record') this.options.log?.(`ledger: dropped an invalid record: ${err.message}`);
          } else {
            this.spill(row).catch((e: Error) => this.options.log?.(`ledger: LOST decision ${row.decision_id}: the spill file could not be written: ${e.message}`));
          }
          this.settled();
        },
      );
      return Promise.resolve();
    }
    return this.spill(row);
  }

  /** Waits for the records handed to the committer; what is in the spill file stays there for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    if (this.stats.pending > 0 || this.appending || this.draining) await new Promise<void>((r) => this.idle.push(r));
    const file = this.file;
    this.file = undefined;
    await file?.close();
    if (this.stats.spillBytes > 0) {
      this.options.log?.(`ledger: ${this.stats.spillBytes} bytes of spilled decisions remain in ${this.options.file}; they are written to the ledger on the next start`);
    }
  }

  private settled(): void {
    this.stats.pending--;
    if (this.spilling) this.drainSoon(0);
    this.checkIdle();
  }

  private checkIdle(): void {
    if (this.stats.pending === 0 && !this.appending && !this.draining) for (const r of this.idle.splice(0)) r();
  }

  /** Appends the record to the spill file; resolves after the file reached the disk. */
  private spill(row: Row): Promise<void> {
    if (!this.spilling) {
      this.spilling = true;
      this.options.log?.(`ledger: spilling decisions to ${this.options.file} (${this.stats.pending} waiting for the database)`);
    }
    return new Promise<void>((resolve, reject) => {
      this.appendQueue.push({ line: JSON.stringify(row) + '\n', resolve, reject });
      if (!this.appending) void this.flushAppends();
    });
  }

  /** Writes the queued lines in one append and one fdatasync, then answers their callers. */
  private async flushAppends(): Promise<void> {
    this.appending = true;
    while (this.appendQueue.length > 0) {
      const batch = this.appendQueue.splice(0);
      const text = batch.map((b) => b.line).join('');
      try {
        const file = this.file;
        if (!file) throw new Error('the spill file is closed');
        await file.write(text);
        await file.datasync();
        this.fileSize += Buffer.byteLength(text);
        this.stats.spillBytes = this.fileSize - this.drainedTo;
        this.stats.spilled += batch.length;
        for (const b of batch) b.resolve();
      } catch (err) {
        const e = new LedgerUnavailableError(`the ledger could not be written and the spill file ${this.options.file} neither: ${(err as Error).message}`, { cause: err });
        for (const b of batch) b.reject(e);
      }
    }
    this.appending = false;
    if (this.spilling) this.drainSoon(0);
    this.checkIdle();
  }

  /**
   * Whole lines from `from` on: a chunk, grown until it holds a newline (a
   * record may be larger than a chunk). The file ends with a newline (see
   * dropTornTail), so one is always found before its end.
   */
  private async completeLines(file: FileHandle, from: number): Promise<{ text: string; end: number }> {
    for (let want = DRAIN_CHUNK_BYTES; ; want *= 2) {
      const size = Math.min(want, this.fileSize - from);
      const buf = Buffer.alloc(size);
      const { bytesRead } = await file.read(buf, 0, size, from);
      const text = buf.subarray(0, bytesRead).toString('utf8');
      const end = text.lastIndexOf('\n');
      if (end >= 0) return { text, end };
      if (size === this.fileSize - from) throw new Error(`the spilled record at byte ${from} of ${this.options.file} has no end`);
    }
  }

  /** A spilled record; a line that is not one (a damaged file) is kept aside in FILE.bad and skipped. */
  private parseLine(line: string): Row | undefined {
    try {
      const row = JSON.parse(line) as Row;
      if (row !== null && typeof row === 'object' && typeof row.decision_id === 'string') return row;
    } catch {
      // kept aside below
    }
    appendFileSync(`${this.options.file}.bad`, line + '\n');
    this.options.log?.(`ledger: a line of ${this.options.file} is not a spilled record; kept in ${this.options.file}.bad`);
    return undefined;
  }

  private drainSoon(ms: number): void {
    if (this.draining || this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.drain();
    }, ms);
    this.retryTimer.unref();
  }

  /**
   * Writes the spill file to the ledger, a chunk at a time, in file order,
   * once nothing else waits for the committer. When it reaches the end with
   * no append in flight, the file is emptied and records go to the committer
   * again.
   */
  private async drain(): Promise<void> {
    if (this.draining || this.closed || !this.file || this.stats.pending > 0 || this.appending) return;
    this.draining = true;
    let retry = false;
    try {
      while (!this.closed && this.drainedTo < this.fileSize) {
        const { text, end } = await this.completeLines(this.file, this.drainedTo);
        const lines = text.slice(0, end).split('\n');
        const results = await Promise.allSettled(lines.map((l) => {
          const row = this.parseLine(l);
          return row ? this.ledger.commitRow(row) : Promise.reject(new InvalidRecordError(NOT_A_RECORD));
        }));
        const down = results.find((r) => r.status === 'rejected' && !(isLedgerError(r.reason) && r.reason.code !== 'ledger_unavailable'));
        for (const r of results) {
          if (r.status === 'rejected' && isLedgerError(r.reason) && r.reason.code === 'invalid_record' && r.reason.message !== NOT_A_RECORD) {
            this.options.log?.(`ledger: dropped an invalid spilled record: ${r.reason.message}`);
          }
        }
        if (down) {
          // The database is still away: this chunk again later (what did commit is skipped as a duplicate then).
          retry = true;
          break;
        }
        this.drainedTo += Buffer.byteLength(text.slice(0, end + 1));
        this.stats.drained += lines.length;
        this.stats.spillBytes = this.fileSize - this.drainedTo;
      }
      if (!retry && !this.closed && !this.appending && this.appendQueue.length === 0 && this.drainedTo === this.fileSize && this.file) {
        // Caught up, and nothing can be appended in between (one thread): empty the file, back to the committer.
        const fd = openSync(this.options.file, 'r+');
        try {
          if (fstatSync(fd).size === this.fileSize) {
            ftruncateSync(fd, 0);
            this.fileSize = 0;
            this.drainedTo = 0;
            this.stats.spillBytes = 0;
            this.spilling = false;
            this.options.log?.(`ledger: spilled decisions are in the ledger; ${this.options.file} is empty again`);
          }
        } finally {
          closeSync(fd);
        }
      }
    } catch (err) {
      retry = true;
      this.options.log?.(`ledger: writing spilled decisions failed: ${(err as Error).message}`);
    } finally {
      this.draining = false;
    }
    if (this.spilling && !this.closed) this.drainSoon(retry ? this.retryMs : 0);
    this.checkIdle();
  }
}
