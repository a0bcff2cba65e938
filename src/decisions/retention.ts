/**
 * Retention of attest's own records under the RetentionSchedule
 * (data.attest.config.retention, decided by data.retention.decision):
 *
 * - decision ledger rows (class `decision_log`): when due, the payload
 *   (input, result) is dropped and its digest kept, so the chain still
 *   verifies. A `delete` action is carried out the same way: the row's
 *   skeleton is what the chain is made of.
 * - admin audit rows (class `admin_audit_log`): when `archive` is due they
 *   are copied to a JSON Lines file under the archive directory and kept in
 *   place (the audit chain stays whole).
 *
 * Each tenant's records are put to the policy with that tenant's legal holds
 * (table legal_holds); a held tenant is skipped and the receipt says why.
 * Every run ends with a receipt appended to the admin audit log
 * (`retention.run`), which also covers a digest over the rows it
 * anonymised; `verifyRetentionReceipts` checks the ledger against them.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Database } from '../db/index.js';
import { fromJSON, RObject, toJSON, type Value } from '../rego/index.js';
import type { PolicySnapshot } from '../policy/snapshot.js';
import { digestPayload, parsePayloadDigest, residualDigest, type LedgerRow } from './anonymise.js';
import { appendAdminAction, ADMIN_AUDIT } from './audit.js';
import { canonicalJson, type Json } from './canonical.js';
import { DECISIONS } from './record.js';
import { toLedgerTimestamp } from './time.js';

export class RetentionError extends Error {
  readonly code = 'retention_error';
}

export interface LegalHold {
  id: string;
  tenant: string | null;
  type: string;
  ticket: string | null;
  reason: string | null;
  placed_at: string;
  placed_by: string;
  reviewed_at: string | null;
  released_at: string | null;
}

export interface RetentionOptions {
  db: Database;
  /** Policies holding data.retention.decision and the RetentionSchedule. */
  snapshot: PolicySnapshot;
  actor: string;
  now?: Date;
  /** Count what is due, change nothing, record no receipt. */
  dryRun?: boolean;
  /** Where archived copies go (default ./data/archive). */
  archiveDir?: string;
}

export interface TenantOutcome {
  tenant: string | null;
  action: string;
  due_before: string | null;
  rows: number;
  first_seq: number | null;
  last_seq: number | null;
  held: boolean;
  reasons: string[];
}

export interface RetentionReceipt {
  run_id: string;
  started_at: string;
  finished_at: string;
  now: string;
  dry_run: boolean;
  policy_revision: string;
  decision_log: {
    rule: Json;
    tenants: TenantOutcome[];
    anonymised: number;
    /** SHA-256 over `seq:hash:residual` lines of the rows this run anonymised, in seq order. */
    digest: string | null;
  };
  admin_audit_log: {
    rule: Json;
    action: string;
    archived: number;
    first_seq: number | null;
    last_seq: number | null;
    file: string | null;
    sha256: string | null;
    held: boolean;
    reasons: string[];
  };
  holds: Array<{ id: string; tenant: string | null; type: string; ticket: string | null }>;
}

const CHUNK = 500;

// --- legal holds

export async function listHolds(db: Database, options: { includeReleased?: boolean } = {}): Promise<LegalHold[]> {
  const q = db.knex('legal_holds').select('*').orderBy('placed_at');
  if (!options.includeReleased) q.whereNull('released_at');
  return (await q) as LegalHold[];
}

export async function placeHold(db: Database, h: { tenant: string | null; type: string; ticket?: string; reason?: string; by: string; now?: Date }): Promise<LegalHold> {
  if (!/^[a-z][a-z0-9_-]{0,63}$/.test(h.type)) throw new RetentionError(`invalid hold type "${h.type}"`);
  const row: LegalHold = {
    id: randomUUID(), tenant: h.tenant, type: h.type, ticket: h.ticket ?? null, reason: h.reason ?? null,
    placed_at: toLedgerTimestamp(h.now ?? new Date()), placed_by: h.by, reviewed_at: null, released_at: null,
  };
  await appendAdminAction(db, { actor: h.by, action: 'retention.hold.place', target: row.id, tenant: h.tenant, details: { type: row.type, ticket: row.ticket, reason: row.reason } });
  await db.knex('legal_holds').insert({ ...row, released_by: null });
  return row;
}

export async function releaseHold(db: Database, id: string, by: string, now = new Date()): Promise<void> {
  const row = (await db.knex('legal_holds').where({ id }).first()) as LegalHold | undefined;
  if (!row) throw new RetentionError(`no legal hold "${id}"`);
  if (row.released_at) return;
  await appendAdminAction(db, { actor: by, action: 'retention.hold.release', target: id, tenant: row.tenant, details: { type: row.type, ticket: row.ticket } });
  await db.knex('legal_holds').where({ id }).update({ released_at: toLedgerTimestamp(now), released_by: by });
}

/** Marks a hold reviewed (holds whose schedule asks for reviews lapse without them). */
export async function reviewHold(db: Database, id: string, by: string, now = new Date()): Promise<void> {
  const row = (await db.knex('legal_holds').where({ id }).first()) as LegalHold | undefined;
  if (!row) throw new RetentionError(`no legal hold "${id}"`);
  await appendAdminAction(db, { actor: by, action: 'retention.hold.review', target: id, tenant: row.tenant, details: { type: row.type, ticket: row.ticket } });
  await db.knex('legal_holds').where({ id }).update({ reviewed_at: toLedgerTimestamp(now) });
}

// --- durations

/** `now` minus an ISO 8601 duration, with calendar arithmetic for years and months. */
export function subtractDuration(now: Date, duration: string): Date {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(duration);
  if (!m || duration === 'P' || duration.endsWith('T')) throw new RetentionError(`invalid ISO 8601 duration "${duration}"`);
  const n = m.slice(1).map((x) => Number(x ?? 0));
  const d = new Date(now.getTime());
  d.setUTCFullYear(d.getUTCFullYear() - n[0], d.getUTCMonth() - n[1], d.getUTCDate() - 7 * n[2] - n[3]);
  return new Date(d.getTime() - ((n[4] * 60 + n[5]) * 60 + n[6]) * 1000);
}

// --- the policy

interface Verdict {
  action: string;
  hold: boolean;
  reasons: string[];
}

function rfc3339(ts: string): string {
  // The policy's clock reads RFC 3339; ledger timestamps already are.
  return ts;
}

function holdsFor(holds: LegalHold[], tenant: string | null): Array<Record<string, string>> {
  return holds
    .filter((h) => h.tenant === null || h.tenant === tenant)
    .map((h) => {
      const o: Record<string, string> = { type: h.type, placed_at: rfc3339(h.placed_at) };
      if (h.ticket) o.ticket = h.ticket;
      if (h.reviewed_at) o.reviewed_at = rfc3339(h.reviewed_at);
      return o;
    });
}

function evaluate(snapshot: PolicySnapshot, ref: string, input: Record<string, unknown>): Value | undefined {
  return snapshot.engine.evalRef(ref, { input: fromJSON(input) });
}

function classRule(snapshot: PolicySnapshot, cls: string, tenant: string | null): { period: string; action: string; rule: Json } {
  const rule = evaluate(snapshot, 'data.retention.class_rule', { record: { id: 'probe', class: cls, tenant } });
  if (!(rule instanceof RObject)) throw new RetentionError(`the retention schedule has no rule for data class "${cls}" (data.attest.config.retention.classes.${cls})`);
  const period = rule.get('period');
  const action = rule.get('action');
  if (typeof period !== 'string' || typeof action !== 'string') throw new RetentionError(`the retention rule for "${cls}" has no period or action`);
  return { period, action, rule: toJSON(rule) as Json };
}

function verdict(snapshot: PolicySnapshot, now: Date, record: Record<string, unknown>): Verdict {
  const d = evaluate(snapshot, 'data.retention.decision', { now: now.toISOString(), record });
  if (!(d instanceof RObject)) return { action: 'retain', hold: false, reasons: ['the retention policy gave no decision; kept'] };
  const reasons = d.get('reasons');
  const texts: string[] = [];
  if (reasons !== undefined) {
    for (const r of toJSON(reasons) as Array<{ message?: string }>) if (typeof r?.message === 'string') texts.push(r.message);
  }
  return { action: String(d.get('action')), hold: d.get('hold') === true, reasons: texts };
}

// --- the run

export async function runRetention(o: RetentionOptions): Promise<RetentionReceipt> {
  const { db, snapshot } = o;
  const now = o.now ?? new Date();
  const runId = randomUUID();
  const startedAt = toLedgerTimestamp(new Date());
  const holds = await listHolds(db);
  const receipt: RetentionReceipt = {
    run_id: runId, started_at: startedAt, finished_at: startedAt, now: toLedgerTimestamp(now), dry_run: o.dryRun === true,
    policy_revision: snapshot.revision,
    decision_log: { rule: null, tenants: [], anonymised: 0, digest: null },
    admin_audit_log: { rule: null, action: 'retain', archived: 0, first_seq: null, last_seq: null, file: null, sha256: null, held: false, reasons: [] },
    holds: holds.map((h) => ({ id: h.id, tenant: h.tenant, type: h.type, ticket: h.ticket })),
  };

  // Decision ledger, tenant by tenant.
  const tenants = (await db.knex('decisions').distinct('tenant').whereNull('anonymised_at')) as Array<{ tenant: string | null }>;
  for (const { tenant } of tenants.sort((a, b) => String(a.tenant).localeCompare(String(b.tenant)))) {
    const { period, rule } = classRule(snapshot, 'decision_log', tenant);
    receipt.decision_log.rule ??= rule;
    const cutoff = toLedgerTimestamp(subtractDuration(now, period));
    const scope = (q: ReturnType<Database['knex']>) => (tenant === null ? q.whereNull('tenant') : q.where('tenant', tenant)).whereNull('anonymised_at').where('ts', '<', cutoff);
    const newest = await scope(db.knex('decisions').max({ ts: 'ts' }).min({ first: 'seq' }).max({ last: 'seq' }).count({ n: '*' })).first() as { ts: string | null; first: unknown; last: unknown; n: unknown } | undefined;
    if (!newest || newest.ts === null || Number(newest.n) === 0) continue;
    const v = verdict(snapshot, now, { id: `ledger:${tenant ?? '*'}`, class: 'decision_log', tenant, created_at: rfc3339(newest.ts), holds: holdsFor(holds, tenant) });
    const due = v.action === 'anonymize' || v.action === 'delete';
    const outcome: TenantOutcome = {
      tenant, action: due ? 'anonymize' : v.action, due_before: cutoff, rows: due ? Number(newest.n) : 0,
      first_seq: due ? Number(newest.first) : null, last_seq: due ? Number(newest.last) : null, held: v.hold, reasons: v.reasons,
    };
    receipt.decision_log.tenants.push(outcome);
    if (!due || o.dryRun) continue;
    let done = 0;
    for (;;) {
      const rows = (await scope(db.knex('decisions').select('*')).orderBy('seq').limit(CHUNK)) as Array<Record<string, unknown>>;
      if (rows.length === 0) break;
      const at = toLedgerTimestamp(new Date());
      await db.knex.transaction(async (trx) => {
        for (const raw of rows) {
          const row = DECISIONS.fromDb(raw);
          await trx('decisions').where({ seq: row.seq }).whereNull('anonymised_at').update({
            input: null, result: null, anonymised_at: at, anonymised_run: runId, payload_digest: canonicalJson(digestPayload(row) as unknown as Json),
          });
        }
      });
      done += rows.length;
    }
    outcome.rows = done;
    receipt.decision_log.anonymised += done;
  }
  if (!o.dryRun && receipt.decision_log.anonymised > 0) receipt.decision_log.digest = await runDigest(db, runId);

  // Admin audit log: archive copies, rows stay.
  await archiveAudit(o, now, receipt, holds);

  receipt.finished_at = toLedgerTimestamp(new Date());
  if (!o.dryRun) {
    await appendAdminAction(db, { actor: o.actor, action: 'retention.run', target: runId, details: receipt as unknown as Json });
  }
  return receipt;
}

async function archiveAudit(o: RetentionOptions, now: Date, receipt: RetentionReceipt, holds: LegalHold[]): Promise<void> {
  const { db, snapshot } = o;
  const { period, action, rule } = classRule(snapshot, 'admin_audit_log', null);
  const a = receipt.admin_audit_log;
  a.rule = rule;
  const cutoff = toLedgerTimestamp(subtractDuration(now, period));
  const after = await lastArchivedSeq(db);
  const range = await db.knex('admin_audit').where('seq', '>', after).andWhere('ts', '<', cutoff)
    .min({ first: 'seq' }).max({ last: 'seq' }).max({ ts: 'ts' }).count({ n: '*' }).first() as { first: unknown; last: unknown; ts: string | null; n: unknown } | undefined;
  if (!range || Number(range.n) === 0 || range.ts === null) return;
  const v = verdict(snapshot, now, { id: 'admin_audit', class: 'admin_audit_log', created_at: range.ts, holds: holdsFor(holds, null) });
  a.held = v.hold;
  a.reasons = v.reasons;
  a.action = v.action;
  if (v.action !== 'archive' && v.action !== 'delete' && v.action !== 'anonymize') return;
  a.first_seq = Number(range.first);
  a.last_seq = Number(range.last);
  a.archived = Number(range.n);
  if (v.action !== action) a.reasons.push(`the schedule says ${action}; the policy decided ${v.action}`);
  if (v.action !== 'archive') a.reasons.push('admin audit rows are never deleted or anonymised in place (the chain must stay whole); archived instead');
  if (o.dryRun) return;
  const target = typeof (rule as Record<string, Json>).archive_to === 'string' ? String((rule as Record<string, Json>).archive_to) : 'archive';
  const dir = resolve(o.archiveDir ?? join('data', 'archive'), target.replace(/[^A-Za-z0-9._-]/g, '_'));
  mkdirSync(dir, { recursive: true });
  const lines: string[] = [];
  for (let seq = a.first_seq; seq <= a.last_seq; seq += CHUNK) {
    const rows = (await db.knex('admin_audit').select('*').where('seq', '>=', seq).andWhere('seq', '<', seq + CHUNK).andWhere('ts', '<', cutoff).orderBy('seq')) as Array<Record<string, unknown>>;
    for (const r of rows) lines.push(JSON.stringify(ADMIN_AUDIT.fromDb(r)));
  }
  const text = lines.join('\n') + '\n';
  const file = join(dir, `admin-audit-${a.first_seq}-${a.last_seq}-${receipt.run_id}.jsonl`);
  writeFileSync(file, text, { mode: 0o600 });
  a.file = file;
  a.sha256 = createHash('sha256').update(text).digest('hex');
}

async function lastArchivedSeq(db: Database): Promise<number> {
  const rows = (await db.knex('admin_audit').select('details').where({ action: 'retention.run' }).orderBy('seq', 'desc').limit(50)) as Array<{ details: string | null }>;
  for (const r of rows) {
    const d = r.details ? JSON.parse(r.details) as { admin_audit_log?: { last_seq?: number | null } } : undefined;
    const last = d?.admin_audit_log?.last_seq;
    if (typeof last === 'number') return last;
  }
  return 0;
}

/** SHA-256 over `seq:hash:residual\n` of a run's rows, in seq order. */
async function runDigest(db: Database, runId: string): Promise<string> {
  const h = createHash('sha256');
  let after = 0;
  for (;;) {
    const rows = (await db.knex('decisions').select('*').where({ anonymised_run: runId }).andWhere('seq', '>', after).orderBy('seq').limit(CHUNK)) as Array<Record<string, unknown>>;
    if (rows.length === 0) break;
    for (const raw of rows) {
      const row = DECISIONS.fromDb(raw) as LedgerRow;
      const d = parsePayloadDigest(row.payload_digest);
      const residual = d ? residualDigest(row, d.input, d.result) : 'malformed';
      h.update(`${row.seq}:${row.hash}:${residual}\n`);
      after = row.seq;
    }
  }
  return h.digest('hex');
}

export interface ReceiptProblem {
  run: string;
  message: string;
}

/**
 * Checks the anonymised ledger rows against the receipts in the admin audit
 * log: every run that anonymised rows has a receipt, with the same number of
 * rows and the same digest.
 */
export async function verifyRetentionReceipts(db: Database): Promise<{ runs: number; rows: number; problems: ReceiptProblem[] }> {
  const runs = (await db.knex('decisions').select('anonymised_run').count({ n: '*' }).whereNotNull('anonymised_at').groupBy('anonymised_run')) as Array<{ anonymised_run: string | null; n: unknown }>;
  const receipts = new Map<string, RetentionReceipt>();
  const rows = (await db.knex('admin_audit').select('details').where({ action: 'retention.run' })) as Array<{ details: string | null }>;
  for (const r of rows) {
    if (!r.details) continue;
    const d = JSON.parse(r.details) as RetentionReceipt;
    receipts.set(d.run_id, d);
  }
  const problems: ReceiptProblem[] = [];
  let total = 0;
  for (const r of runs) {
    const n = Number(r.n);
    total += n;
    const run = r.anonymised_run ?? '(none)';
    const receipt = r.anonymised_run ? receipts.get(r.anonymised_run) : undefined;
    if (!receipt) {
      problems.push({ run, message: `${n} ledger rows were anonymised by run ${run}, which recorded no receipt in the admin audit log` });
      continue;
    }
    if (receipt.decision_log.anonymised !== n) problems.push({ run, message: `run ${run}'s receipt counts ${receipt.decision_log.anonymised} anonymised rows; the ledger has ${n}` });
    else if (receipt.decision_log.digest !== await runDigest(db, run)) problems.push({ run, message: `the rows anonymised by run ${run} no longer match the digest in its receipt` });
  }
  return { runs: runs.length, rows: total, problems };
}
