/**
 * Verification: recompute the chain from the stored rows and name the first
 * record that does not fit, then check the signed checkpoints against it.
 */
import type { Database } from '../db/index.js';
import { anonymisedRowProblem, isAnonymised, type LedgerRow } from './anonymise.js';
import { GENESIS_HASH, malformedJsonColumns, rowHash, type ChainRow, type ChainSpec } from './chain.js';
import { checkpointPayload, findSigner, listCheckpoints, type SignerLookup } from './checkpoint.js';
import { DECISIONS } from './record.js';
import { toLedgerTimestamp } from './time.js';

export interface VerifyOptions {
  /** First record to check: a seq, or a time (the first record at or after it). */
  from?: number | string | Date;
  /** Last record to check: a seq, or a time (the last record before it). Default: the head. */
  to?: number | string | Date;
  /** Keys to check checkpoint signatures with; without them signatures are counted as unchecked. */
  signers?: SignerLookup;
  /** Rows read per query (default 1000). */
  chunk?: number;
}

export type ProblemKind = 'changed' | 'deleted' | 'inserted' | 'reordered';

export interface LedgerProblem {
  kind: ProblemKind;
  /** Position in the chain of the bad record (for `deleted`, the missing seq). */
  seq: number;
  /** Id of the bad record (for `deleted`, of the record that follows the gap). */
  id?: string;
  message: string;
}

export interface CheckpointProblem {
  checkpointId: number;
  seq: number;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  ledger: string;
  /** Seq range examined. */
  from: number;
  to: number;
  /** Records whose hash was recomputed (or, when anonymised, whose kept fields were checked). */
  checked: number;
  /** Of those, records anonymised by retention: payload dropped, digests and hash kept, linked by the chain. */
  anonymised?: number;
  head: { seq: number; hash: string };
  firstBad?: LedgerProblem;
  checkpoints: {
    checked: number;
    signaturesVerified: number;
    signaturesUnchecked: number;
    firstBad?: CheckpointProblem;
  };
}

/** Verifies the decision ledger. */
export function verifyLedger(db: Database, options: VerifyOptions = {}): Promise<VerifyReport> {
  return verifyChain(db, DECISIONS, options);
}

export async function verifyChain<Row extends ChainRow>(db: Database, spec: ChainSpec<Row>, options: VerifyOptions = {}): Promise<VerifyReport> {
  const chunk = options.chunk ?? 1000;
  const knex = db.knex;
  const head = await readHead(db, spec.ledger);
  const from = await resolveBound(db, spec, options.from, 'from') ?? 1;
  const toGiven = await resolveBound(db, spec, options.to, 'to');
  const to = Math.min(toGiven ?? head.seq, head.seq);
  const report: VerifyReport = {
    ok: true, ledger: spec.ledger, from, to, checked: 0, head,
    checkpoints: { checked: 0, signaturesVerified: 0, signaturesUnchecked: 0 },
  };
  const idOf = (r: Row) => String(r[spec.idColumn]);
  const hashExists = async (hash: string) => (await knex(spec.table).select('seq').where({ hash }).first()) !== undefined;

  // The hash the first examined record must link to.
  let prevHash = GENESIS_HASH;
  let prevRow: Row | undefined;
  let prevPrevHash: string | undefined;
  if (from > 1) {
    const before = await knex(spec.table).select('hash').where({ seq: from - 1 }).first();
    prevHash = before ? String(before.hash) : '';
  }

  let expected = from;
  let problem: LedgerProblem | undefined;
  scan: while (expected <= to) {
    const raws: Array<Record<string, unknown>> = await knex(spec.table).select('*')
      .where('seq', '>=', expected).andWhere('seq', '<=', to).orderBy('seq').limit(chunk);
    if (raws.length === 0) break;
    for (const raw of raws) {
      const row = spec.fromDb(raw);
      if (row.seq !== expected) {
        problem = { kind: 'deleted', seq: expected, id: idOf(row), message: `record ${expected} is missing (deleted); the chain resumes at ${row.seq} (${idOf(row)})` };
        break scan;
      }
      if (prevHash === '') prevHash = row.prev_hash; // the record before the range is gone: anchor on this one
      report.checked++;
      const malformed = malformedJsonColumns(spec, row);
      // An anonymised row cannot be re-hashed (its payload is gone): its kept
      // fields are checked against their digest, and its stored hash against the chain.
      const anonymised = spec.ledger === 'decisions' && isAnonymised(row as unknown as LedgerRow);
      const anonProblem = anonymised ? anonymisedRowProblem(row as unknown as LedgerRow) : undefined;
      if (anonymised) report.anonymised = (report.anonymised ?? 0) + 1;
      const selfOk = malformed.length === 0 && (anonymised ? anonProblem === undefined : rowHash(spec, row) === row.hash);
      if (row.prev_hash !== prevHash) {
        if (prevRow && prevPrevHash !== undefined && row.prev_hash === prevPrevHash) {
          problem = { kind: 'inserted', seq: prevRow.seq, id: idOf(prevRow), message: `record ${prevRow.seq} (${idOf(prevRow)}) was inserted: its successor links to the record before it` };
        } else if (await hashExists(row.prev_hash)) {
          problem = { kind: 'reordered', seq: row.seq, id: idOf(row), message: `record ${row.seq} (${idOf(row)}) is out of place: it links to a different predecessor` };
        } else if (!selfOk || !prevRow) {
          problem = { kind: 'changed', seq: row.seq, id: idOf(row), message: changedMessage(row.seq, idOf(row), malformed, anonProblem) };
        } else {
          problem = { kind: 'changed', seq: prevRow.seq, id: idOf(prevRow), message: `record ${prevRow.seq} (${idOf(prevRow)}) was changed and re-hashed: record ${row.seq} links to its original hash` };
        }
        break scan;
      }
      if (!selfOk) {
        problem = { kind: 'changed', seq: row.seq, id: idOf(row), message: changedMessage(row.seq, idOf(row), malformed, anonProblem) };
        break scan;
      }
      prevPrevHash = prevHash;
      prevHash = row.hash;
      prevRow = row;
      expected++;
    }
  }

  if (!problem && expected <= to) {
    problem = { kind: 'deleted', seq: expected, message: `records ${expected}..${to} are missing (deleted); the ledger head is at ${head.seq}` };
  }
  if (!problem && toGiven === undefined) problem = await checkTail(db, spec, head, prevRow, idOf);
  if (problem) {
    report.ok = false;
    report.firstBad = problem;
  }

  await checkCheckpoints(db, spec, report, options.signers);
  if (report.checkpoints.firstBad) report.ok = false;
  return report;
}

function changedMessage(seq: number, id: string, malformed: string[], anonProblem?: string): string {
  if (anonProblem) return `record ${seq} (${id}) was changed: ${anonProblem}`;
  const detail = malformed.length > 0 ? ` (${malformed.join(', ')} no longer canonical JSON)` : '';
  return `record ${seq} (${id}) was changed: its content does not match its hash${detail}`;
}

/** The end of the chain must be the head, and nothing may sit beyond the head. */
async function checkTail<Row extends ChainRow>(db: Database, spec: ChainSpec<Row>, head: { seq: number; hash: string }, last: Row | undefined, idOf: (r: Row) => string): Promise<LedgerProblem | undefined> {
  if (last && last.seq === head.seq && last.hash !== head.hash) {
    return { kind: 'changed', seq: last.seq, id: idOf(last), message: `record ${last.seq} (${idOf(last)}) was changed and re-hashed: the ledger head records a different hash` };
  }
  const beyond = await db.knex(spec.table).select('*').where('seq', '>', head.seq).orderBy('seq').first();
  if (!beyond) return undefined;
  // Rows and the head commit together, so a row the head (read now) does not cover was never appended.
  const now = await readHead(db, spec.ledger);
  const row = spec.fromDb(beyond);
  if (row.seq <= now.seq) return undefined;
  return { kind: 'inserted', seq: row.seq, id: idOf(row), message: `record ${row.seq} (${idOf(row)}) was inserted after the ledger head (${now.seq})` };
}

async function checkCheckpoints<Row extends ChainRow>(db: Database, spec: ChainSpec<Row>, report: VerifyReport, signers: SignerLookup | undefined): Promise<void> {
  const cps = await listCheckpoints(db, spec.ledger, { fromSeq: report.from, toSeq: report.to });
  if (cps.length === 0) return;
  const seqs = [...new Set(cps.map((c) => c.seq))];
  const hashes = new Map<number, string>();
  for (let i = 0; i < seqs.length; i += 500) {
    const rows: Array<Record<string, unknown>> = await db.knex(spec.table).select('seq', 'hash').whereIn('seq', seqs.slice(i, i + 500));
    for (const r of rows) hashes.set(Number(r.seq), String(r.hash));
  }
  const c = report.checkpoints;
  for (const cp of cps) {
    c.checked++;
    let message: string | undefined;
    const signer = findSigner(signers, cp.key_id);
    const signatureOk = signer ? signer.verify(checkpointPayload(cp), cp.signature) : undefined;
    if (signatureOk === false) message = `checkpoint ${cp.id} at record ${cp.seq} has a bad signature (key ${cp.key_id})`;
    else if (cp.seq > 0 && hashes.get(cp.seq) !== cp.head_hash) message = `checkpoint ${cp.id} signed hash ${cp.head_hash.slice(0, 12)}… for record ${cp.seq}, which the ledger no longer has`;
    else if (cp.record_count !== cp.seq) message = `checkpoint ${cp.id} counted ${cp.record_count} records up to ${cp.seq}`;
    if (signatureOk === true) c.signaturesVerified++;
    else if (signatureOk === undefined) c.signaturesUnchecked++;
    if (message && !c.firstBad) c.firstBad = { checkpointId: cp.id, seq: cp.seq, message };
  }
}

async function readHead(db: Database, ledger: string): Promise<{ seq: number; hash: string }> {
  const row = await db.knex('ledger_head').select('seq', 'hash').where({ ledger }).first();
  return row ? { seq: Number(row.seq), hash: String(row.hash) } : { seq: 0, hash: GENESIS_HASH };
}

/** A seq bound from a seq or a time. */
async function resolveBound<Row extends ChainRow>(db: Database, spec: ChainSpec<Row>, bound: number | string | Date | undefined, side: 'from' | 'to'): Promise<number | undefined> {
  if (bound === undefined) return undefined;
  if (typeof bound === 'number') return Math.max(side === 'from' ? 1 : 0, Math.floor(bound));
  const ts = toLedgerTimestamp(bound);
  if (side === 'from') {
    const r = await db.knex(spec.table).min({ s: 'seq' }).where('ts', '>=', ts).first();
    return r?.s === null || r?.s === undefined ? Number.MAX_SAFE_INTEGER : Number(r.s);
  }
  const r = await db.knex(spec.table).max({ s: 'seq' }).where('ts', '<', ts).first();
  return r?.s === null || r?.s === undefined ? 0 : Number(r.s);
}
