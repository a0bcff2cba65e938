/**
 * Making a decision: evaluate a data path against one policy snapshot, mask
 * the event with `data.system.log.mask`, note the enforcement points that
 * fired, and append the record to the ledger before anyone sees the answer.
 * Also replay: the same evaluation against the revision a logged decision used.
 */
import { newDecisionId } from './id.js';
import type { Database } from '../db/index.js';
import { getPolicyRevision } from '../db/index.js';
import { RegoError, RObject, fromJSON, toJSON, type EvalLimits, type QueryResult, type Value } from '../rego/index.js';
import { contentHash, snapshotFromSources, type PolicySnapshot } from '../policy/snapshot.js';
import { canonicalJson, type Json } from './canonical.js';
import { applyMask, MaskRuleError } from './mask.js';
import { deriveOutcome, type DecisionInput, type DecisionRecord } from './record.js';
import { getDecision, type DecisionLedger, type LedgerReceipt } from './ledger.js';
import type { AsyncLedger } from './spill.js';

export interface DecisionRequest {
  /** Slash-separated path under `data` ("access/decision"; "" for the whole tree). */
  path: string;
  /** Absent when the request had no input. */
  input?: Value;
  /** OPA's strict-builtin-errors. */
  strict?: boolean;
  caller?: string | null;
  tenant?: string | null;
  environment?: string | null;
  /** `process.hrtime.bigint()` when the request arrived (latency is measured from it). */
  startedAt?: bigint;
  /** Evaluation limits for this decision (default: the engine's). */
  limits?: Partial<EvalLimits>;
}

export interface Decision {
  decision_id: string;
  timestamp: string;
  path: string;
  /** The value to answer with (unmasked); absent when undefined. */
  result?: Value;
  outcome: string;
  revision: string;
  enforcement_points: string[];
  /** Time spent in the engine. */
  evalNs: number;
  /** From `startedAt` to the record being handed to the ledger. */
  latencyNs: number;
}

/** Evaluation failed; the failure itself was logged (outcome "error") under `decisionId`. */
export class DecisionEvalError extends Error {
  readonly code = 'decision_eval_error';
  constructor(readonly error: RegoError | MaskRuleError, readonly decisionId: string) {
    super(error.message, { cause: error });
    this.name = 'DecisionEvalError';
  }
}

const hrnow = () => process.hrtime.bigint();

/** The ISO text of the last millisecond asked for, up to the milliseconds: many decisions share one. */
let lastMs = -1;
let lastIso = '';

/** Wall clock to the microsecond, as a ledger timestamp and as nanoseconds for `time.now_ns`. */
function clock(): { timestamp: string; ns: bigint } {
  const us = Math.round((performance.timeOrigin + performance.now()) * 1000);
  const ms = Math.floor(us / 1000);
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString().slice(0, -1); // without the Z
  }
  const micros = us % 1000;
  const timestamp = `${lastIso}${micros < 10 ? '00' : micros < 100 ? '0' : ''}${micros}000Z`;
  return { timestamp, ns: BigInt(us) * 1000n };
}

/** Nanoseconds since the epoch of a ledger timestamp (nine fractional digits). */
export function timestampNs(ts: string): bigint {
  const m = /^(.*)\.(\d{9})Z$/.exec(ts);
  const whole = Date.parse(m ? `${m[1]}Z` : ts);
  return BigInt(Math.floor(whole / 1000)) * 1_000_000_000n + BigInt(m ? m[2] : '0');
}

/** Derived forms of the paths callers use, remembered (a bounded number of them). */
function memo(f: (path: string) => string): (path: string) => string {
  const seen = new Map<string, string>();
  return (path) => {
    let v = seen.get(path);
    if (v === undefined) {
      v = f(path);
      if (seen.size >= 1000) seen.clear();
      seen.set(path, v);
    }
    return v;
  };
}

/** The engine's reference for a slash path whose segments are decoded ("a b/c" → "/a%20b/c"). */
export const engineRef = memo((path) => '/' + path.split('/').map(encodeURIComponent).join('/'));

/** `data.a.b` for the path "a/b" (the key used for rule metadata). */
export const dataRef = memo((path) => (path === '' ? 'data' : 'data.' + path.split('/').join('.')));

export interface EvaluatorOptions {
  /**
   * Hold records this long before handing them to the ledger, so that
   * decisions arriving close together share a transaction. Useful where a
   * commit blocks the event loop (SQLite): without it each commit takes only
   * the decisions of one loop turn. 0 (default) hands them over at once.
   */
  lingerMs?: number;
  /** Record through the asynchronous ledger instead (answer once accepted, not once committed). */
  async?: AsyncLedger;
}

interface Held {
  record: DecisionInput;
  resolve(r: LedgerReceipt): void;
  reject(e: unknown): void;
}

export class DecisionEvaluator {
  private held: Held[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly lingerMs: number;
  private readonly async: AsyncLedger | undefined;

  /** `ledger` null: decisions are not recorded (benchmarks and `attest eval`-like uses only). */
  constructor(private readonly ledger: DecisionLedger | null, options: EvaluatorOptions = {}) {
    this.lingerMs = Math.max(0, options.lingerMs ?? 0);
    this.async = options.async;
  }

  private record(ledger: DecisionLedger, record: DecisionInput): Promise<unknown> {
    if (this.async) return this.async.record(record);
    if (this.lingerMs === 0) return ledger.commit(record);
    return new Promise((resolve, reject) => {
      this.held.push({ record, resolve, reject });
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        // Appended in one turn, so they all join the ledger's next batch.
        for (const h of this.held.splice(0)) ledger.commit(h.record).then(h.resolve, h.reject);
      }, this.lingerMs);
    });
  }

  /**
   * Decides and records. Resolves after the record committed. Rejects with a
   * `LedgerError` when it could not be (the caller must fail closed), or with
   * `DecisionEvalError` when evaluation failed (that failure is recorded).
   */
  async decide(snapshot: PolicySnapshot, req: DecisionRequest): Promise<Decision> {
    const ref = engineRef(req.path);
    return this.decideWith(snapshot, req, (nowNs) => snapshot.engine.evalRef(ref, { input: req.input, strict: req.strict, nowNs, limits: req.limits }));
  }

  /**
   * Decides an ad-hoc query (`/v1/query`) and records it like any decision,
   * with path "" and the query text. The result is OPA's result set: one
   * object of variable bindings per solution (empty when undefined). Throws
   * the engine's CompileError (or RegoError), before anything is recorded,
   * when the query does not parse or compile: that is the caller's mistake,
   * not a decision.
   */
  async decideQuery(snapshot: PolicySnapshot, query: string, req: Omit<DecisionRequest, 'path'>): Promise<Decision> {
    const prepared = snapshot.engine.prepare(query);
    return this.decideWith(snapshot, { ...req, path: '', query }, (nowNs) =>
      solutionsOf(prepared.eval({ input: req.input, strict: req.strict, nowNs, limits: req.limits })));
  }

  /** Evaluates with `evaluate` (given the decision time), then enforcement points, outcome, masking, the record and the answer. */
  private async decideWith(snapshot: PolicySnapshot, req: DecisionRequest & { query?: string }, evaluate: (nowNs: bigint) => Value | undefined): Promise<Decision> {
    const started = req.startedAt ?? hrnow();
    const decisionId = newDecisionId();
    const { timestamp, ns } = clock();
    const evalStart = hrnow();
    let result: Value | undefined;
    let failure: RegoError | MaskRuleError | undefined;
    try {
      result = evaluate(ns);
    } catch (e) {
      if (!(e instanceof RegoError)) throw e;
      failure = snapshot.relativeError(e);
    }
    const evalNs = Number(hrnow() - evalStart);

    // The input as JSON is for the record and the mask only.
    const inputJson = req.input === undefined || (!this.ledger && !snapshot.hasMask) ? undefined : (toJSON(req.input) as Json);
    let resultJson = result === undefined ? undefined : (toJSON(result) as Json);
    const points = failure || req.query !== undefined ? [] : firedEnforcementPoints(snapshot, req.path, resultJson);
    let outcome = failure ? 'error' : req.query !== undefined ? queryOutcome(resultJson) : deriveOutcome(resultJson);
    let event: { input?: Json; result?: Json; erased?: string[]; masked?: string[] } = { input: inputJson, result: resultJson };
    if (failure) {
      event.result = errorJson(failure);
    } else if (snapshot.hasMask) {
      try {
        event = mask(snapshot, { decisionId, path: req.path, timestamp, input: req.input, result, inputJson, resultJson });
      } catch (e) {
        if (!(e instanceof RegoError || e instanceof MaskRuleError)) throw e;
        // Neither unmasked nor unlogged: the decision fails, and the failure is what gets logged.
        failure = e instanceof RegoError ? snapshot.relativeError(e) : e;
        outcome = 'error';
        resultJson = undefined;
        event = { result: errorJson(e) };
      }
    }
    const latencyNs = Number(hrnow() - started);
    const decision: Decision = {
      decision_id: decisionId, timestamp, path: req.path, outcome, revision: snapshot.revision,
      enforcement_points: points, evalNs, latencyNs,
    };
    if (!failure && result !== undefined) decision.result = result;
    if (this.ledger) {
      await this.record(this.ledger, {
        decision_id: decisionId,
        timestamp,
        path: req.path,
        query: req.query,
        input: event.input,
        result: event.result,
        outcome,
        erased: event.erased,
        masked: event.masked,
        revision: snapshot.revision,
        caller: req.caller ?? null,
        tenant: req.tenant ?? null,
        environment: req.environment ?? null,
        latency_ns: latencyNs,
        enforcement_points: points,
      });
    }
    if (failure) throw new DecisionEvalError(failure, decisionId);
    return decision;
  }
}

/** OPA's result set of a query: the bindings of each solution. */
function solutionsOf(results: QueryResult[]): Value {
  return results.map((r) => RObject.fromEntries(Object.entries(r.bindings)));
}

/** A query is defined when it has a solution. */
function queryOutcome(result: Json | undefined): string {
  return Array.isArray(result) && result.length > 0 ? 'defined' : 'undefined';
}

function errorJson(e: RegoError | MaskRuleError): Json {
  return { error: (e instanceof RegoError ? e.toJSON() : { code: e.code, message: e.message }) as unknown as Json };
}

interface MaskContext {
  decisionId: string;
  path: string;
  timestamp: string;
  input?: Value;
  result?: Value;
  inputJson?: Json;
  resultJson?: Json;
}

/** OPA's masking: the whole event is the mask rule's input. */
function mask(snapshot: PolicySnapshot, c: MaskContext): { input?: Json; result?: Json; erased?: string[]; masked?: string[] } {
  const event = new RObject();
  event.set('decision_id', c.decisionId);
  event.set('path', c.path);
  event.set('timestamp', c.timestamp);
  if (c.input !== undefined) event.set('input', c.input);
  if (c.result !== undefined) event.set('result', c.result);
  const rules = snapshot.engine.evalRef('data.system.log.mask', { input: event });
  const base = { input: c.inputJson, result: c.resultJson };
  if (rules === undefined) return base;
  return applyMask(base, toJSON(rules));
}

const MAX_WALK = 10_000;

/**
 * Enforcement points that fired: the rule at the decision path itself when it
 * carries `custom.id` and gave a non-empty value, and every known enforcement
 * point id that the result names (policies put the id of the rule that
 * produced a reason into the reason). Without declared enforcement points,
 * the `id` of each object in a `reasons` list counts.
 */
export function firedEnforcementPoints(snapshot: PolicySnapshot, path: string, result: Json | undefined): string[] {
  if (result === undefined) return [];
  const fired = new Set<string>();
  const own = snapshot.enforcementPointAt(dataRef(path));
  if (own && !isEmpty(result)) fired.add(own.id);
  const known = snapshot.enforcementPoints;
  let budget = MAX_WALK;
  const visit = (v: Json, key: string | undefined, depth: number): void => {
    if (--budget < 0 || depth > 8) return;
    if (typeof v === 'string') {
      if (known.size > 0 ? known.has(v) : key === 'reasons.id') fired.add(v);
    } else if (Array.isArray(v)) {
      for (const x of v) visit(x, key === 'reasons' ? 'reasons[]' : key, depth + 1);
    } else if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v)) visit(v[k], key === 'reasons[]' && k === 'id' ? 'reasons.id' : k, depth + 1);
    }
  };
  visit(result, undefined, 0);
  return [...fired].sort();
}

function isEmpty(v: Json): boolean {
  if (v === false || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

// ---------------------------------------------------------------------------
// Replay

export interface ReplayReport {
  decision: DecisionRecord;
  /** Git commit of the revision, when known. */
  gitCommit: string | null;
  /** The replayed value (JSON), absent when undefined. */
  result?: Json;
  error?: { code: string; message: string };
  outcome: string;
  enforcement_points: string[];
  /** Same outcome, same result (where the logged result was not masked) and same enforcement points. */
  same: boolean;
  /** Why the answer is what it is, and what changed: human-readable lines. */
  reasons: string[];
  /** Masking changed the logged input, so the replay saw less than the original decision. */
  inputMasked: boolean;
}

export class ReplayError extends Error {
  constructor(readonly code: 'decision_not_found' | 'revision_not_found' | 'revision_corrupt', message: string) {
    super(message);
    this.name = 'ReplayError';
  }
}

/** Re-evaluates a logged decision against the stored sources of the revision that made it. */
export async function replayDecision(db: Database, decisionId: string): Promise<ReplayReport> {
  const decision = await getDecision(db, decisionId);
  if (!decision) throw new ReplayError('decision_not_found', `decision ${decisionId} is not in the ledger`);
  const rev = await getPolicyRevision(db, decision.revision);
  if (!rev) throw new ReplayError('revision_not_found', `policy revision ${decision.revision} of decision ${decisionId} is not stored`);
  if (contentHash(rev.sources) !== rev.content_hash) {
    throw new ReplayError('revision_corrupt', `the stored sources of revision ${rev.id} do not match its content hash`);
  }
  const snapshot = snapshotFromSources(rev.sources, rev.git_commit);
  const input = decision.input === undefined ? undefined : fromJSON(decision.input);
  let result: Json | undefined;
  let error: { code: string; message: string } | undefined;
  const nowNs = timestampNs(decision.timestamp);
  try {
    const v = decision.query !== undefined
      ? solutionsOf(snapshot.engine.prepare(decision.query).eval({ input, nowNs }))
      : snapshot.engine.evalRef(engineRef(decision.path), { input, nowNs });
    result = v === undefined ? undefined : (toJSON(v) as Json);
  } catch (e) {
    if (!(e instanceof RegoError)) throw e;
    error = { code: e.code, message: snapshot.relativeError(e).message };
  }
  const outcome = error ? 'error' : decision.query !== undefined ? queryOutcome(result) : deriveOutcome(result);
  const points = error || decision.query !== undefined ? [] : firedEnforcementPoints(snapshot, decision.path, result);
  const inputMasked = (decision.erased ?? []).concat(decision.masked ?? []).some((p) => p.startsWith('/input'));
  const resultMasked = (decision.erased ?? []).concat(decision.masked ?? []).some((p) => p.startsWith('/result'));

  const reasons: string[] = [];
  const sameOutcome = outcome === decision.outcome;
  const sameResult = resultMasked || decision.outcome === 'error' || error !== undefined
    ? sameOutcome
    : canon(result) === canon(decision.result);
  const samePoints = canon(points) === canon(decision.enforcement_points);
  reasons.push(sameOutcome ? `outcome ${outcome} (as logged)` : `outcome ${outcome}, logged ${decision.outcome}`);
  if (error) reasons.push(`evaluation error: ${error.message}`);
  if (!sameResult) reasons.push('the result differs from the logged result');
  for (const r of reasonsOf(result)) reasons.push(`reason: ${r}`);
  const logged = new Set(reasonsOf(decision.result));
  const now = new Set(reasonsOf(result));
  for (const r of logged) if (!now.has(r)) reasons.push(`reason no longer given: ${r}`);
  for (const r of now) if (!logged.has(r)) reasons.push(`reason not given originally: ${r}`);
  if (!samePoints) reasons.push(`enforcement points fired: ${points.join(', ') || 'none'}; logged: ${decision.enforcement_points.join(', ') || 'none'}`);
  if (inputMasked) reasons.push('the logged input was masked, so the replay evaluated the masked input');

  const report: ReplayReport = {
    decision, gitCommit: rev.git_commit, outcome, enforcement_points: points,
    same: sameOutcome && sameResult && samePoints, reasons, inputMasked,
  };
  if (result !== undefined) report.result = result;
  if (error) report.error = error;
  return report;
}

function canon(v: Json | undefined): string {
  return v === undefined ? '' : canonicalJson(v);
}

/** Reason texts in a result: `reasons`/`deny`/`violations` lists of strings or `{id, message}` objects. */
export function reasonsOf(result: Json | undefined): string[] {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) {
    return Array.isArray(result) ? result.map(reasonText) : [];
  }
  const out: string[] = [];
  for (const key of ['reasons', 'deny', 'violations', 'denials']) {
    const list = (result as { [k: string]: Json })[key];
    if (Array.isArray(list)) out.push(...list.map(reasonText));
  }
  return out;
}

function reasonText(r: Json): string {
  if (typeof r === 'string') return r;
  if (r !== null && typeof r === 'object' && !Array.isArray(r)) {
    const o = r as { [k: string]: Json };
    const id = typeof o.id === 'string' ? o.id : typeof o.rule === 'string' ? o.rule : undefined;
    const msg = typeof o.message === 'string' ? o.message : typeof o.msg === 'string' ? o.msg : typeof o.reason === 'string' ? o.reason : undefined;
    if (id || msg) return [id, msg].filter(Boolean).join(': ');
  }
  return canonicalJson(r);
}
