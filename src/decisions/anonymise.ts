/**
 * Anonymised ledger rows: the payload (input and result) is dropped, its
 * SHA-256 is kept in `payload_digest`, and so is the row's `hash`. The row's
 * own hash can no longer be recomputed, but the chain still links through
 * it, and a "residual" digest over everything that was kept lets
 * verification notice a change to the kept fields; each retention run's
 * receipt in the admin audit log covers its rows' residuals, so rewriting
 * a residual shows too.
 */
import { canonicalJson, parseJson, sha256Hex } from './canonical.js';
import { DECISIONS, type DecisionRow } from './record.js';

export interface PayloadDigest {
  input: string | null;
  result: string | null;
  residual: string;
}

/** A decisions row with the anonymisation columns (absent on rows never touched). */
export type LedgerRow = DecisionRow & { anonymised_at?: string | null; anonymised_run?: string | null; payload_digest?: string | null };

export function isAnonymised(row: LedgerRow): boolean {
  return row.anonymised_at !== undefined && row.anonymised_at !== null;
}

/** SHA-256 of the row's hashed body with input and result replaced by their digests. */
export function residualDigest(row: DecisionRow, input: string | null, result: string | null): string {
  const body = DECISIONS.body({ ...row, input: null, result: null }) as Record<string, unknown>;
  return sha256Hex(canonicalJson({ ...(body as Record<string, never>), input, result, hash: row.hash }));
}

/** The digests to store when a row's payload is dropped. */
export function digestPayload(row: DecisionRow): PayloadDigest {
  const input = row.input === null ? null : sha256Hex(row.input);
  const result = row.result === null ? null : sha256Hex(row.result);
  return { input, result, residual: residualDigest(row, input, result) };
}

export function parsePayloadDigest(text: string | null | undefined): PayloadDigest | undefined {
  if (!text) return undefined;
  try {
    const d = parseJson(text) as Record<string, unknown>;
    const h = (v: unknown) => v === null || (typeof v === 'string' && /^[0-9a-f]{64}$/.test(v));
    if (h(d.input) && h(d.result) && typeof d.residual === 'string') return d as unknown as PayloadDigest;
  } catch {
    // malformed: reported by the caller
  }
  return undefined;
}

/** Why an anonymised row does not hold together, or undefined when it does. */
export function anonymisedRowProblem(row: LedgerRow): string | undefined {
  if (row.input !== null || row.result !== null) return 'it is marked anonymised but still holds a payload';
  const d = parsePayloadDigest(row.payload_digest);
  if (!d) return 'it is marked anonymised but its payload digest is missing or malformed';
  if (residualDigest(row, d.input, d.result) !== d.residual) return 'its kept fields do not match the digest taken when it was anonymised';
  return undefined;
}
