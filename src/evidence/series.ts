/** Time buckets for charts: days for short periods, ISO weeks up to a year, months beyond. */
import type { Period, SeriesPoint } from './types.js';

export type Bucket = 'day' | 'week' | 'month';

const DAY = 86_400_000;

export function bucketUnit(period: Period): Bucket {
  const days = (Date.parse(period.to.slice(0, 23) + 'Z') - Date.parse(period.from.slice(0, 23) + 'Z')) / DAY;
  return days <= 62 ? 'day' : days <= 400 ? 'week' : 'month';
}

/** The bucket a day (YYYY-MM-DD) falls in, named by its first day. */
export function bucketOf(day: string, unit: Bucket): string {
  if (unit === 'day') return day;
  if (unit === 'month') return `${day.slice(0, 7)}-01`;
  const t = Date.parse(`${day}T00:00:00Z`);
  const weekday = (new Date(t).getUTCDay() + 6) % 7; // Monday = 0
  return new Date(t - weekday * DAY).toISOString().slice(0, 10);
}

/** Every bucket of the period, in order (so charts have a continuous axis). */
export function allBuckets(period: Period, unit: Bucket): string[] {
  const out: string[] = [];
  const end = Date.parse(period.to.slice(0, 23) + 'Z');
  let t = Date.parse(`${bucketOf(period.from.slice(0, 10), unit)}T00:00:00Z`);
  while (t < end && out.length < 1000) {
    const day = new Date(t).toISOString().slice(0, 10);
    out.push(day);
    if (unit === 'day') t += DAY;
    else if (unit === 'week') t += 7 * DAY;
    else {
      const d = new Date(t);
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    }
  }
  return out;
}

/** Folds (day, outcome, count) rows into a continuous series. */
export function buildSeries(rows: readonly { day: string; outcome: string; count: number }[], period: Period, unit: Bucket): SeriesPoint[] {
  const series = allBuckets(period, unit).map((bucket): SeriesPoint => ({ bucket, counts: {} }));
  const index = new Map(series.map((p, i) => [p.bucket, i]));
  for (const r of rows) {
    const i = index.get(bucketOf(r.day, unit));
    if (i === undefined) continue;
    const c = series[i].counts;
    c[r.outcome] = (c[r.outcome] ?? 0) + r.count;
  }
  return series;
}
