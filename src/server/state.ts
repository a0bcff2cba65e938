/** What the routes share: the snapshot holder, the evaluator, the database, metrics and settings. */
import type { Database } from '../db/index.js';
import type { DecisionEvaluator } from '../decisions/evaluate.js';
import type { DecisionLedger } from '../decisions/index.js';
import type { SnapshotManager } from '../policy/snapshot.js';
import type { Registry } from '../controls/index.js';
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
  log(message: string): void;
}
