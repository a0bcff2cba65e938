/**
 * Ledger timestamps: RFC 3339 in UTC with exactly nine fractional digits
 * (OPA's nanosecond precision). Fixed width, so text order is time order and
 * range filters work the same on SQLite and PostgreSQL.
 */
const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** A timestamp already in ledger form (nine digits, Z); still checked to be a real date below. */
const LEDGER_FORM = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;

/** The date-and-second part of the last ledger-form timestamp found valid (decisions come many per second). */
let lastValidSecond = '';

export function toLedgerTimestamp(t: string | Date | number): string {
  if (typeof t === 'string' && LEDGER_FORM.test(t)) {
    // The common case (the server's own clock): valid when the date part survives a round trip.
    const second = t.slice(0, 19);
    if (second === lastValidSecond) return t;
    const whole = new Date(`${second}Z`);
    if (!Number.isNaN(whole.getTime()) && whole.toISOString().slice(0, 19) === second) {
      lastValidSecond = second;
      return t;
    }
  }
  if (typeof t === 'number') t = new Date(t);
  if (t instanceof Date) {
    if (Number.isNaN(t.getTime())) throw new RangeError('invalid date');
    return t.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
  }
  const m = RFC3339.exec(t);
  if (!m) throw new RangeError(`invalid timestamp "${t}": use RFC 3339, e.g. 2025-01-31T12:00:00Z`);
  const frac = (m[3] ?? '').padEnd(9, '0');
  const whole = new Date(`${m[1]}T${m[2]}${m[4].toUpperCase()}`);
  // JavaScript rolls a day that does not exist (February 30th) into the next month: refuse it instead.
  const day = new Date(`${m[1]}T00:00:00Z`);
  if (Number.isNaN(whole.getTime()) || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== m[1]) {
    throw new RangeError(`invalid timestamp "${t}"`);
  }
  return whole.toISOString().replace(/\.\d{3}Z$/, `.${frac}Z`);
}

/** Now, to the microsecond (performance clock anchored at the time origin). */
export function nowTimestamp(): string {
  const us = Math.round((performance.timeOrigin + performance.now()) * 1000);
  const ms = Math.floor(us / 1000);
  return new Date(ms).toISOString().replace(/Z$/, String(us % 1000).padStart(3, '0') + '000Z');
}
