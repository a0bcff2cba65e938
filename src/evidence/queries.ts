/**
 * The SQL behind a report. Every count and time series is aggregated by the
 * database (GROUP BY over the period's rows); JavaScript only sees the
 * aggregated rows and a handful of sample decisions, so a period with millions
 * of decisions costs a few scans, not millions of objects.
 */
import type { Knex } from 'knex';
import type { Database } from '../db/index.js';
import { parseJson, type Json } from '../decisions/index.js';
import { maskForDisplay } from './mask.js';
import type { AdminActionEntry, DecisionSample, Period } from './types.js';

export interface Scope {
  period: Period;
  tenant: string | null;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** Restricts a query on `decisions` (aliased `alias`) to the period and tenant. */
function inScope(q: Knex.QueryBuilder, s: Scope, alias = 'decisions'): Knex.QueryBuilder {
  q.where(`${alias}.ts`, '>=', s.period.from).andWhere(`${alias}.ts`, '<', s.period.to);
  if (s.tenant !== null) q.andWhere(`${alias}.tenant`, s.tenant);
  return q;
}

export interface Segment {
  fromSeq: number;
  toSeq: number;
  toHash: string | null;
  records: number;
}

/** The chain segment holding the period (all tenants: the chain is one). */
export async function periodSegment(db: Database, period: Period): Promise<Segment> {
  const row = await db.knex('decisions').min({ a: 'seq' }).max({ b: 'seq' }).count({ n: '*' })
    .where('ts', '>=', period.from).andWhere('ts', '<', period.to).first();
  const fromSeq = num(row?.a);
  const toSeq = num(row?.b);
  let toHash: string | null = null;
  if (toSeq > 0) {
    const h = await db.knex('decisions').select('hash').where({ seq: toSeq }).first();
    toHash = h ? String(h.hash) : null;
  }
  return { fromSeq, toSeq, toHash, records: num(row?.n) };
}

export async function ledgerHead(db: Database, ledger: string): Promise<{ seq: number; hash: string }> {
  const row = await db.knex('ledger_head').select('seq', 'hash').where({ ledger }).first();
  return row ? { seq: num(row.seq), hash: String(row.hash) } : { seq: 0, hash: '0'.repeat(64) };
}

export interface DailyRow {
  day: string;
  outcome: string;
  count: number;
}

/** Decisions per day and outcome. */
export async function dailyOutcomes(db: Database, s: Scope): Promise<DailyRow[]> {
  const q = db.knex('decisions').select(db.knex.raw('substr(ts, 1, 10) as day'), 'outcome').count({ n: '*' });
  inScope(q, s).groupByRaw('1, 2');
  const rows: Array<Record<string, unknown>> = await q;
  return rows.map((r) => ({ day: String(r.day), outcome: String(r.outcome), count: num(r.n) }));
}

export async function topPaths(db: Database, s: Scope, limit = 15): Promise<{ path: string; count: number }[]> {
  const q = db.knex('decisions').select('path').count({ n: '*' });
  inScope(q, s).groupBy('path').orderBy('n', 'desc').limit(limit);
  const rows: Array<Record<string, unknown>> = await q;
  return rows.map((r) => ({ path: String(r.path), count: num(r.n) }));
}

export async function tenantCount(db: Database, s: Scope): Promise<number> {
  const q = db.knex('decisions').countDistinct({ n: 'tenant' });
  inScope(q, s);
  const row = (await q.first()) as Record<string, unknown> | undefined;
  return num(row?.n);
}

export interface PointDailyRow extends DailyRow {
  point: string;
}

/** Decisions per enforcement point, day and outcome. `seg` narrows the join to the period's seq range. */
export async function pointDailyOutcomes(db: Database, s: Scope, seg: Segment): Promise<PointDailyRow[]> {
  if (seg.records === 0) return [];
  const q = db.knex('decision_enforcement_points as p')
    .join('decisions as d', 'd.seq', 'p.decision_seq')
    .select('p.point_id as point', 'd.outcome as outcome', db.knex.raw('substr(d.ts, 1, 10) as day'))
    .count({ n: '*' })
    .whereBetween('p.decision_seq', [seg.fromSeq, seg.toSeq]);
  inScope(q, s, 'd').groupByRaw('1, 2, 3');
  const rows: Array<Record<string, unknown>> = await q;
  return rows.map((r) => ({ point: String(r.point), outcome: String(r.outcome), day: String(r.day), count: num(r.n) }));
}

/** How often an exception waiver fired next to each other enforcement point. */
export async function waiversByPoint(db: Database, s: Scope, seg: Segment, waiverPoint = 'exception.waiver'): Promise<Map<string, number>> {
  if (seg.records === 0) return new Map();
  const q = db.knex('decision_enforcement_points as a')
    .join('decision_enforcement_points as b', 'b.decision_seq', 'a.decision_seq')
    .join('decisions as d', 'd.seq', 'a.decision_seq')
    .select('b.point_id as point').count({ n: '*' })
    .where('a.point_id', waiverPoint).andWhere('b.point_id', '<>', waiverPoint)
    .whereBetween('a.decision_seq', [seg.fromSeq, seg.toSeq]);
  inScope(q, s, 'd').groupBy('b.point_id');
  const rows: Array<Record<string, unknown>> = await q;
  return new Map(rows.map((r) => [String(r.point), num(r.n)]));
}

function toSample(r: Record<string, unknown>): DecisionSample {
  const json = (v: unknown): Json | undefined => (typeof v === 'string' ? parseJson(v) : undefined);
  return {
    seq: num(r.seq),
    decisionId: String(r.decision_id),
    timestamp: String(r.ts),
    path: String(r.path),
    outcome: String(r.outcome),
    tenant: r.tenant === null || r.tenant === undefined ? null : String(r.tenant),
    environment: r.environment === null || r.environment === undefined ? null : String(r.environment),
    revision: String(r.revision),
    input: maskForDisplay(json(r.input)),
    result: shortResult(json(r.result)),
  };
}

/** The reasons of a result when it has them (what an auditor reads), else the result. */
function shortResult(v: Json | undefined): Json | undefined {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const k of ['reasons', 'deny', 'violations']) if (k in v) return maskForDisplay({ [k]: v[k] });
  }
  return maskForDisplay(v);
}

const SAMPLE_COLUMNS = ['d.seq', 'd.decision_id', 'd.ts', 'd.path', 'd.outcome', 'd.tenant', 'd.environment', 'd.revision', 'd.input', 'd.result'];

/** The latest decisions of the period in which `point` fired with `outcome` (walks the point's index backwards). */
export async function pointSamples(db: Database, s: Scope, seg: Segment, point: string, outcome: string, limit: number): Promise<DecisionSample[]> {
  if (seg.records === 0) return [];
  const q = db.knex('decision_enforcement_points as p')
    .join('decisions as d', 'd.seq', 'p.decision_seq')
    .select(SAMPLE_COLUMNS)
    .where('p.point_id', point).andWhere('d.outcome', outcome)
    .whereBetween('p.decision_seq', [seg.fromSeq, seg.toSeq]);
  inScope(q, s, 'd').orderBy('p.decision_seq', 'desc').limit(limit);
  const rows: Array<Record<string, unknown>> = await q;
  return rows.map(toSample);
}

export async function adminActions(db: Database, s: Scope, limit = 200): Promise<{ total: number; shown: AdminActionEntry[] }> {
  const scoped = (q: Knex.QueryBuilder) => {
    q.where('ts', '>=', s.period.from).andWhere('ts', '<', s.period.to);
    // A tenant sees its own actions and platform-wide ones, never another tenant's.
    if (s.tenant !== null) q.andWhere((w) => w.where('tenant', s.tenant).orWhereNull('tenant'));
    return q;
  };
  const count = (await scoped(db.knex('admin_audit').count({ n: '*' })).first()) as Record<string, unknown> | undefined;
  const rows: Array<Record<string, unknown>> = await scoped(db.knex('admin_audit').select('seq', 'ts', 'actor', 'action', 'target', 'tenant')).orderBy('seq', 'desc').limit(limit);
  return {
    total: num(count?.n),
    shown: rows.map((r) => ({
      seq: num(r.seq), timestamp: String(r.ts), actor: String(r.actor), action: String(r.action),
      target: r.target === null ? null : String(r.target), tenant: r.tenant === null ? null : String(r.tenant),
    })),
  };
}

const ERASING = /^(delete|deleted|erase|erased|anonymi[sz]e|anonymi[sz]ed|purge|destroy)$/i;

function retentionAction(result: Json | undefined): string | undefined {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) return typeof result === 'string' ? result : undefined;
  for (const k of ['action', 'end_action', 'decision', 'outcome']) {
    const v = result[k];
    if (typeof v === 'string') return v;
  }
  return undefined;
}

/**
 * Deletion receipts for a tenant: retention decisions of the period whose
 * result is an erasing action (delete, anonymise …).
 */
export async function deletionReceipts(db: Database, s: Scope, limit = 500): Promise<{ total: number; byAction: Record<string, number>; shown: { seq: number; decisionId: string; timestamp: string; action: string; record?: string }[] }> {
  const q = db.knex('decisions').select('seq', 'decision_id', 'ts', 'input', 'result').where('path', 'like', 'retention%');
  inScope(q, s).orderBy('seq', 'desc').limit(5000);
  const rows: Array<Record<string, unknown>> = await q;
  const byAction: Record<string, number> = {};
  const shown: { seq: number; decisionId: string; timestamp: string; action: string; record?: string }[] = [];
  for (const r of rows) {
    const result = typeof r.result === 'string' ? parseJson(r.result) : undefined;
    const action = retentionAction(result);
    if (!action || !ERASING.test(action)) continue;
    byAction[action] = (byAction[action] ?? 0) + 1;
    const input = typeof r.input === 'string' ? parseJson(r.input) : undefined;
    const rec = input !== null && typeof input === 'object' && !Array.isArray(input) ? input.record : undefined;
    const recordId = rec !== null && typeof rec === 'object' && !Array.isArray(rec) && typeof rec.id === 'string' ? rec.id : undefined;
    if (shown.length < limit) shown.push({ seq: num(r.seq), decisionId: String(r.decision_id), timestamp: String(r.ts), action, ...(recordId ? { record: recordId } : {}) });
  }
  return { total: Object.values(byAction).reduce((a, b) => a + b, 0), byAction, shown };
}

/** Decisions in scope, up to a seq (for verify: the population the report saw must not have changed). */
export async function countDecisions(db: Database, s: Scope, maxSeq?: number): Promise<number> {
  const q = db.knex('decisions').count({ n: '*' });
  inScope(q, s);
  if (maxSeq !== undefined) q.andWhere('seq', '<=', maxSeq);
  const row = (await q.first()) as Record<string, unknown> | undefined;
  return num(row?.n);
}

export async function revisionsInPeriod(db: Database, s: Scope): Promise<{ id: string; first: string; last: string; count: number }[]> {
  const q = db.knex('decisions').select('revision').min({ first: 'ts' }).max({ last: 'ts' }).count({ n: '*' });
  inScope(q, s).groupBy('revision').orderBy('first');
  const rows: Array<Record<string, unknown>> = await q;
  return rows.map((r) => ({ id: String(r.revision), first: String(r.first), last: String(r.last), count: num(r.n) }));
}
