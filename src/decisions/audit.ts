/** The admin audit log: administrative actions, chained by the ledger's own code. */
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/index.js';
import { canonicalJson, parseJson, RawJson, type Json } from './canonical.js';
import { commitBatch, type ChainSpec } from './chain.js';
import { InvalidRecordError, LedgerUnavailableError, isLedgerError } from './errors.js';
import { nowTimestamp, toLedgerTimestamp } from './time.js';
import { verifyChain, type VerifyOptions, type VerifyReport } from './verify.js';

export interface AdminAction {
  /** Who did it (client id, user). */
  actor: string;
  /** What was done, e.g. "policy.reload", "client.revoke". */
  action: string;
  target?: string | null;
  tenant?: string | null;
  details?: Json;
  timestamp?: string | Date;
  /** Defaults to a fresh UUID. */
  entry_id?: string;
}

export interface AdminAuditRow {
  seq: number;
  entry_id: string;
  ts: string;
  actor: string;
  action: string;
  target: string | null;
  tenant: string | null;
  details: string | null;
  prev_hash: string;
  hash: string;
}

export interface AdminAuditEntry {
  seq: number;
  entry_id: string;
  timestamp: string;
  actor: string;
  action: string;
  target: string | null;
  tenant: string | null;
  details?: Json;
  prev_hash: string;
  hash: string;
}

export const ADMIN_AUDIT: ChainSpec<AdminAuditRow> = {
  ledger: 'admin_audit',
  table: 'admin_audit',
  idColumn: 'entry_id',
  columns: ['seq', 'entry_id', 'ts', 'actor', 'action', 'target', 'tenant', 'details', 'prev_hash', 'hash'],
  jsonColumns: ['details'],
  body: (r) => ({
    action: r.action,
    actor: r.actor,
    details: r.details === null ? undefined : new RawJson(r.details),
    entry_id: r.entry_id,
    prev_hash: r.prev_hash,
    seq: r.seq,
    target: r.target,
    tenant: r.tenant,
    timestamp: r.ts,
  }),
  fromDb: (x) => ({ ...(x as unknown as AdminAuditRow), seq: Number(x.seq) }),
};

/**
 * Records an administrative action durably (resolves after COMMIT); rejects
 * with `ledger_unavailable` when it cannot be written, so the action should not proceed.
 */
export async function appendAdminAction(db: Database, action: AdminAction): Promise<AdminAuditEntry> {
  if (!action.actor || !action.action) throw new InvalidRecordError('an admin action needs an actor and an action');
  let row: Omit<AdminAuditRow, 'seq' | 'prev_hash' | 'hash'>;
  try {
    row = {
      entry_id: action.entry_id ?? randomUUID(),
      ts: action.timestamp === undefined ? nowTimestamp() : toLedgerTimestamp(action.timestamp),
      actor: action.actor,
      action: action.action,
      target: action.target ?? null,
      tenant: action.tenant ?? null,
      details: action.details === undefined ? null : canonicalJson(action.details),
    };
  } catch (err) {
    throw new InvalidRecordError((err as Error).message);
  }
  try {
    const [stored] = await commitBatch(db, ADMIN_AUDIT, [row]);
    return toEntry(stored);
  } catch (err) {
    if (isLedgerError(err)) throw err;
    throw new LedgerUnavailableError(`the admin audit log could not be written: ${(err as Error).message}`, { cause: err });
  }
}

export function verifyAdminAudit(db: Database, options: VerifyOptions = {}): Promise<VerifyReport> {
  return verifyChain(db, ADMIN_AUDIT, options);
}

/** Newest first, keyset-paged by seq. */
export async function listAdminActions(db: Database, options: { limit?: number; beforeSeq?: number } = {}): Promise<AdminAuditEntry[]> {
  const q = db.knex('admin_audit').select('*').orderBy('seq', 'desc').limit(Math.min(Math.max(1, options.limit ?? 100), 1000));
  if (options.beforeSeq !== undefined) q.where('seq', '<', options.beforeSeq);
  const rows: Array<Record<string, unknown>> = await q;
  return rows.map((r) => toEntry(ADMIN_AUDIT.fromDb(r)));
}

function toEntry(r: AdminAuditRow): AdminAuditEntry {
  const e: AdminAuditEntry = {
    seq: r.seq, entry_id: r.entry_id, timestamp: r.ts, actor: r.actor, action: r.action,
    target: r.target, tenant: r.tenant, prev_hash: r.prev_hash, hash: r.hash,
  };
  if (r.details !== null) e.details = parseJson(r.details);
  return e;
}
