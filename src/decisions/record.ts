/** The decision record: what callers hand to the ledger, what it stores, and the mapping between them. */
import { canonicalJson, parseJson, RawJson, type Json } from './canonical.js';
import type { ChainSpec } from './chain.js';
import { InvalidRecordError } from './errors.js';
import { nowTimestamp, toLedgerTimestamp } from './time.js';

/** A decision as the server reports it; `input` must already be masked. */
export interface DecisionInput {
  decision_id: string;
  /** When the decision was made (default: now). */
  timestamp?: string | Date;
  /** The data path decided ("" for an ad-hoc query). */
  path: string;
  /** The text of an ad-hoc query (`/v1/query`); absent for data-path decisions. */
  query?: string;
  /** Absent when the request had no input. */
  input?: Json;
  /** Absent when the decision was undefined. */
  result?: Json;
  /** allow / deny / undefined / error …; derived from `result` when not given. */
  outcome?: string;
  /** Pointers masking erased or upserted (OPA's `erased` and `masked`). */
  erased?: string[];
  masked?: string[];
  /** Policy snapshot revision that decided. */
  revision: string;
  /** Authenticated caller (client id) or requester address. */
  caller?: string | null;
  tenant?: string | null;
  environment?: string | null;
  latency_ns: number | bigint;
  /** Ids of the enforcement points that fired. */
  enforcement_points?: string[];
}

/** A committed decision, chained. */
export interface DecisionRecord {
  seq: number;
  decision_id: string;
  timestamp: string;
  path: string;
  query?: string;
  outcome: string;
  input?: Json;
  result?: Json;
  erased?: string[];
  masked?: string[];
  revision: string;
  caller: string | null;
  tenant: string | null;
  environment: string | null;
  latency_ns: number;
  enforcement_points: string[];
  prev_hash: string;
  hash: string;
}

/** What `DecisionLedger.append` resolves with. */
export type AppendedRecord = DecisionRecord;

/** A `decisions` table row: JSON columns hold canonical JSON text. */
export interface DecisionRow {
  seq: number;
  decision_id: string;
  ts: string;
  path: string;
  query: string | null;
  outcome: string;
  input: string | null;
  result: string | null;
  erased: string | null;
  masked: string | null;
  revision: string;
  caller: string | null;
  tenant: string | null;
  environment: string | null;
  latency_ns: number;
  enforcement_points: string;
  prev_hash: string;
  hash: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** allow/deny for boolean results and `{allow: bool}` objects, else defined/undefined. */
export function deriveOutcome(result: Json | undefined): string {
  if (result === undefined) return 'undefined';
  if (typeof result === 'boolean') return result ? 'allow' : 'deny';
  if (result !== null && typeof result === 'object' && !Array.isArray(result) && typeof result.allow === 'boolean') {
    return result.allow ? 'allow' : 'deny';
  }
  return 'defined';
}

/** Validates a decision and turns it into the columns to store (without chain fields). */
export function toDecisionRow(d: DecisionInput): Omit<DecisionRow, 'seq' | 'prev_hash' | 'hash'> {
  if (typeof d.decision_id !== 'string' || !UUID.test(d.decision_id)) {
    throw new InvalidRecordError(`decision_id must be a UUID, got ${JSON.stringify(d.decision_id)}`);
  }
  if (typeof d.path !== 'string') throw new InvalidRecordError('path must be a string');
  if (d.query !== undefined && typeof d.query !== 'string') throw new InvalidRecordError('query must be a string');
  if (typeof d.revision !== 'string' || d.revision === '') throw new InvalidRecordError('revision must be a non-empty string');
  const latency = typeof d.latency_ns === 'bigint' ? Number(d.latency_ns) : d.latency_ns;
  if (!Number.isSafeInteger(latency) || latency < 0) throw new InvalidRecordError('latency_ns must be a non-negative integer');
  let ts: string;
  try {
    ts = d.timestamp === undefined ? nowTimestamp() : toLedgerTimestamp(d.timestamp);
  } catch (err) {
    throw new InvalidRecordError((err as Error).message);
  }
  const points = d.enforcement_points ?? [];
  if (!Array.isArray(points) || !points.every((p) => typeof p === 'string')) {
    throw new InvalidRecordError('enforcement_points must be an array of strings');
  }
  return {
    decision_id: d.decision_id.toLowerCase(),
    ts,
    path: d.path,
    query: d.query ?? null,
    outcome: d.outcome ?? deriveOutcome(d.result),
    input: jsonText(d.input, 'input'),
    result: jsonText(d.result, 'result'),
    erased: jsonText(d.erased, 'erased'),
    masked: jsonText(d.masked, 'masked'),
    revision: d.revision,
    caller: d.caller ?? null,
    tenant: d.tenant ?? null,
    environment: d.environment ?? null,
    latency_ns: latency,
    enforcement_points: canonicalJson(points),
  };
}

function jsonText(v: Json | undefined, field: string): string | null {
  if (v === undefined) return null;
  try {
    return canonicalJson(v);
  } catch (err) {
    throw new InvalidRecordError(`${field}: ${(err as Error).message}`);
  }
}

/** The stored row as the record callers see. */
export function fromDecisionRow(row: DecisionRow): DecisionRecord {
  const rec: DecisionRecord = {
    seq: row.seq,
    decision_id: row.decision_id,
    timestamp: row.ts,
    path: row.path,
    outcome: row.outcome,
    revision: row.revision,
    caller: row.caller,
    tenant: row.tenant,
    environment: row.environment,
    latency_ns: row.latency_ns,
    enforcement_points: parseJson(row.enforcement_points) as string[],
    prev_hash: row.prev_hash,
    hash: row.hash,
  };
  if (row.query !== null && row.query !== undefined) rec.query = row.query;
  if (row.input !== null) rec.input = parseJson(row.input);
  if (row.result !== null) rec.result = parseJson(row.result);
  if (row.erased !== null) rec.erased = parseJson(row.erased) as string[];
  if (row.masked !== null) rec.masked = parseJson(row.masked) as string[];
  return rec;
}

const raw = (text: string | null) => (text === null ? undefined : new RawJson(text));
const str = (v: string | null) => (v === null ? 'null' : JSON.stringify(v));
const int = (n: number) => (Object.is(n, -0) ? '0' : String(n));

/** The body text of a decision around `prev_hash` and `seq` (see `ChainSpec.bodyParts`). */
function decisionBodyParts(r: Omit<DecisionRow, 'seq' | 'prev_hash' | 'hash'>): [string, string, string] {
  let pre = `{"caller":${str(r.caller)},"decision_id":${str(r.decision_id)},"enforcement_points":${r.enforcement_points},"environment":${str(r.environment)}`;
  if (r.erased !== null) pre += `,"erased":${r.erased}`;
  if (r.input !== null) pre += `,"input":${r.input}`;
  pre += `,"latency_ns":${int(r.latency_ns)}`;
  if (r.masked !== null) pre += `,"masked":${r.masked}`;
  pre += `,"outcome":${str(r.outcome)},"path":${str(r.path)},"prev_hash":`;
  let mid = '';
  if (r.query !== null && r.query !== undefined) mid += `,"query":${str(r.query)}`;
  if (r.result !== null) mid += `,"result":${r.result}`;
  mid += `,"revision":${str(r.revision)},"seq":`;
  return [pre, mid, `,"tenant":${str(r.tenant)},"timestamp":${str(r.ts)}}`];
}

/** The decision ledger's place in the shared chain code. */
export const DECISIONS: ChainSpec<DecisionRow> = {
  ledger: 'decisions',
  table: 'decisions',
  idColumn: 'decision_id',
  columns: [
    'seq', 'decision_id', 'ts', 'path', 'query', 'outcome', 'input', 'result', 'erased', 'masked', 'revision',
    'caller', 'tenant', 'environment', 'latency_ns', 'enforcement_points', 'prev_hash', 'hash',
  ],
  jsonColumns: ['input', 'result', 'erased', 'masked', 'enforcement_points'],
  body: (r) => ({
    caller: r.caller,
    decision_id: r.decision_id,
    enforcement_points: new RawJson(r.enforcement_points),
    environment: r.environment,
    erased: raw(r.erased),
    input: raw(r.input),
    latency_ns: r.latency_ns,
    masked: raw(r.masked),
    outcome: r.outcome,
    path: r.path,
    prev_hash: r.prev_hash,
    // Only ad-hoc queries carry one: the bodies of other records are as they always were.
    query: r.query ?? undefined,
    result: raw(r.result),
    revision: r.revision,
    seq: r.seq,
    tenant: r.tenant,
    timestamp: r.ts,
  }),
  // `body` above, serialised by hand in its sorted key order.
  bodyText: (r) => {
    const [pre, mid, post] = decisionBodyParts(r);
    return pre + str(r.prev_hash) + mid + int(r.seq) + post;
  },
  bodyParts: decisionBodyParts,
  fromDb: (x) => ({ ...(x as unknown as DecisionRow), query: (x.query as string | null | undefined) ?? null, seq: Number(x.seq), latency_ns: Number(x.latency_ns) }),
  links: {
    table: 'decision_enforcement_points',
    columns: ['point_id', 'decision_seq'],
    keys: (r) => (r.enforcement_points === '[]' ? [] : [...new Set(JSON.parse(r.enforcement_points) as string[])]),
  },
};
