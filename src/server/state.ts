/** What the routes share: the snapshot holder, the evaluator, the database, metrics and settings. */
import type { Database } from '../db/index.js';
import type { DecisionEvaluator } from '../decisions/evaluate.js';
import type { DecisionLedger } from '../decisions/index.js';
import type { SnapshotManager } from '../policy/snapshot.js';
import type { Registry } from '../controls/index.js';
import type { EvalLimits } from '../rego/index.js';
import type { ReportJobContext } from '../evidence/index.js';
import type { Authenticator } from './auth/authenticate.js';
import type { Authorizer } from './auth/authz.js';
import type { RateLimiter } from './auth/ratelimit.js';
import type { BodyLimits } from './body.js';
import type { ServerMetrics } from './metrics.js';

export interface ControlsState {
  dir: string;
  registry?: Registry;
  /** Problems found loading the registry (`file:line:col: message`). */
  errors: string[];
}

export interface BuildInfo {
  version: string;
  build_commit: string;
  build_timestamp: string;
  build_hostname: string;
}

/** Authentication, authorization and the per-request limits. */
export interface SecurityState {
  /** false only with `--insecure-no-auth` (loopback, development and benchmarks): nobody is asked who they are. */
  auth: boolean;
  /** Absent without a database (then only `auth: false` can serve). */
  authenticator?: Authenticator;
  authorizer: Authorizer;
  rateLimiter: RateLimiter;
  /** Whole-request deadline in ms (0: none). */
  requestTimeoutMs: number;
  /** Per-decision evaluation limits. */
  evalLimits: Partial<EvalLimits>;
  /** Mutual TLS: a client certificate from the configured CA is required. */
  requireClientCert: boolean;
}

export interface ServerState {
  snapshots: SnapshotManager;
  evaluator: DecisionEvaluator;
  /** Absent when running without a ledger (benchmarks). */
  db?: Database;
  ledger?: DecisionLedger;
  metrics: ServerMetrics;
  controls: ControlsState;
  limits: BodyLimits;
  /** `data.system.main` unless configured otherwise (slash path). */
  defaultDecision: string;
  build: BuildInfo;
  security: SecurityState;
  /** Report jobs (absent without a database); the key store is opened on first use. */
  reports?: () => ReportJobContext;
  log(message: string): void;
}
