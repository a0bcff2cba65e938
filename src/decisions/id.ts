/**
 * Decision ids: UUID version 7 (RFC 9562): the Unix time in milliseconds,
 * then a counter within that millisecond, then random bits. OPA's clients
 * take a decision id as an opaque UUID; ids ordered by time make the
 * ledger's decision_id index grow at its right edge instead of touching a
 * random page per decision, which keeps appends cheap once the index no
 * longer fits in memory (and costs PostgreSQL less even while it does).
 */
import { randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Random bytes fetched a few hundred ids at a time: one system call each time, not one per id. */
const pool = Buffer.alloc(4096);
let used = pool.length;

function randomBytes(n: number): number {
  if (used + n > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const at = used;
  used += n;
  return at;
}

/**
 * A source of UUIDv7s whose ids sort (as text) in the order they were made:
 * within a millisecond by a counter, and after the clock went back by
 * staying on the last time used.
 */
export function decisionIds(): (nowMs?: number) => string {
  let lastMs = -1;
  let counter = 0;
  return (nowMs = Date.now()) => {
    if (nowMs > lastMs) {
      lastMs = nowMs;
      // A random start below half the range leaves room for 2,048 ids in this millisecond (RFC 9562 §6.2, method 1).
      const r = randomBytes(2);
      counter = ((pool[r] << 8) | pool[r + 1]) & 0x7ff;
    } else if (++counter > 0xfff) {
      // More ids in one millisecond than the counter holds: borrow the next one.
      lastMs++;
      counter = 0;
    }
    return format(lastMs, counter, randomBytes(8));
  };
}

/** The process's decision ids. */
export const newDecisionId = decisionIds();

function format(ms: number, counter: number, r: number): string {
  const hi = Math.floor(ms / 0x1000000); // upper 24 of the 48 time bits
  const lo = ms % 0x1000000;
  return (
    HEX[(hi >>> 16) & 0xff] + HEX[(hi >>> 8) & 0xff] + HEX[hi & 0xff] + HEX[(lo >>> 16) & 0xff] + '-' +
    HEX[(lo >>> 8) & 0xff] + HEX[lo & 0xff] + '-' +
    HEX[0x70 | (counter >>> 8)] + HEX[counter & 0xff] + '-' +
    HEX[0x80 | (pool[r] & 0x3f)] + HEX[pool[r + 1]] + '-' +
    HEX[pool[r + 2]] + HEX[pool[r + 3]] + HEX[pool[r + 4]] + HEX[pool[r + 5]] + HEX[pool[r + 6]] + HEX[pool[r + 7]]
  );
}
