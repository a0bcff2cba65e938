/**
 * Report periods. `--from 2025-01-01 --to 2025-03-31` means the whole of both
 * days: a date-only `to` is inclusive (the period ends at the next midnight
 * UTC), a full timestamp is exclusive, as in the decision query API.
 */
import { toLedgerTimestamp } from '../decisions/index.js';
import type { Period } from './types.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class PeriodError extends Error {
  readonly code = 'invalid_period';
}

function parseBound(text: string, side: 'from' | 'to'): Date {
  let d: Date;
  if (DATE.test(text)) {
    d = new Date(`${text}T00:00:00Z`);
    if (!Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) !== text) throw new PeriodError(`--${side} ${text} is not a calendar date`);
    if (side === 'to') d = new Date(d.getTime() + 86_400_000);
  } else {
    try {
      d = new Date(toLedgerTimestamp(text).replace(/\.(\d{3})\d*Z$/, '.$1Z'));
    } catch {
      throw new PeriodError(`--${side} must be a date (YYYY-MM-DD) or an RFC 3339 time, got "${text}"`);
    }
  }
  if (Number.isNaN(d.getTime())) throw new PeriodError(`--${side} must be a date (YYYY-MM-DD) or an RFC 3339 time, got "${text}"`);
  return d;
}

export function parsePeriod(from: string, to: string): Period {
  const f = parseBound(from, 'from');
  const t = parseBound(to, 'to');
  if (t.getTime() <= f.getTime()) throw new PeriodError(`the period is empty: --to (${to}) must be after --from (${from})`);
  return { from: toLedgerTimestamp(f), to: toLedgerTimestamp(t) };
}

/** `2025-01-01 – 2025-03-31` for display (the inclusive last day when the end is a midnight). */
export function describePeriod(p: Period): string {
  const from = p.from.slice(0, 10);
  const end = new Date(Date.parse(p.to.slice(0, 23) + 'Z'));
  const midnight = p.to.slice(11, 29) === '00:00:00.000000000';
  const last = midnight ? new Date(end.getTime() - 86_400_000).toISOString().slice(0, 10) : p.to.slice(0, 19).replace('T', ' ') + ' UTC';
  return `${from} – ${last}`;
}

export function periodDays(p: Period): number {
  return Math.max(1, Math.round((Date.parse(p.to.slice(0, 23) + 'Z') - Date.parse(p.from.slice(0, 23) + 'Z')) / 86_400_000));
}
