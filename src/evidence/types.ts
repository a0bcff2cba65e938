/**
 * The evidence model: what a report says, independent of how it is rendered.
 * `report.json` is this object; the PDF, CSV and OSCAL files are views of it.
 */
import type { CoverageStatus } from '../controls/index.js';
import type { Json } from '../decisions/index.js';

export const REPORT_FILES = ['report.pdf', 'report.json', 'controls.csv', 'oscal-assessment-results.json', 'manifest.json'] as const;
export type ReportFile = (typeof REPORT_FILES)[number];

export interface Period {
  /** Inclusive, RFC 3339 UTC. */
  from: string;
  /** Exclusive, RFC 3339 UTC. */
  to: string;
}

export interface RevisionInForce {
  id: string;
  contentHash?: string;
  gitCommit?: string | null;
  /** Earliest and latest decision made with it in the period. */
  firstSeen: string;
  lastSeen: string;
  decisions: number;
  /** The sources were found in policy_revisions (so its tests could be run). */
  stored: boolean;
}

export interface TestSummary {
  /** A revision id, or `working-tree` for the policies on disk. */
  revision: string;
  label: string;
  ran: boolean;
  /** Why the tests could not run. */
  note?: string;
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
  /** Failing or erroring tests (names and messages). */
  failures: { name: string; status: string; message?: string }[];
}

export interface GitCommit {
  commit: string;
  author: string;
  date: string;
  subject: string;
}

export interface OutcomeCount {
  outcome: string;
  count: number;
}

export interface SeriesPoint {
  /** Bucket start (YYYY-MM-DD). */
  bucket: string;
  counts: Record<string, number>;
}

export interface DecisionSample {
  seq: number;
  decisionId: string;
  timestamp: string;
  path: string;
  outcome: string;
  tenant: string | null;
  environment: string | null;
  revision: string;
  /** The input with personal-looking values masked again for display. */
  input?: Json;
  /** Reasons or the result, shortened. */
  result?: Json;
}

export interface RuntimeEvidence {
  total: number;
  byOutcome: Record<string, number>;
  series: SeriesPoint[];
  firstSeen?: string;
  lastSeen?: string;
  /** Set when the point made no decision at all, or none towards the end of the period. */
  silent?: string;
  samples: DecisionSample[];
}

export interface EnforcementPointEvidence {
  id: string;
  title?: string;
  /** A loaded policy declares it. */
  present: boolean;
  tested: boolean;
  tests: string[];
  location?: { file: string; line: number };
  excerpt?: { file: string; firstLine: number; text: string };
  history: GitCommit[];
  historyNote?: string;
  runtime: RuntimeEvidence;
  /** Decisions in which an exception waived something next to this point. */
  exceptionsUsed: number;
}

export interface ControlEvidence {
  id: string;
  title: string;
  objective: string;
  owner: string;
  type: string;
  implementation: string;
  operation: string;
  status: Exclude<CoverageStatus, 'gap'>;
  /** This framework's requirements the control cites (refs and titles). */
  requirements: { ref: string; title: string }[];
  /** Requirements of other frameworks it also cites. */
  otherRequirements: string[];
  enforcementPoints: EnforcementPointEvidence[];
  manualEvidence: { what: string; cadence: string; owner?: string; status: string }[];
  notes?: string;
}

export interface RequirementRow {
  ref: string;
  id: string;
  title: string;
  group: string;
  groupTitle: string;
  optional: boolean;
  status: CoverageStatus;
  controls: string[];
  enforcementPoints: string[];
  tests: number;
  decisions: number;
}

export interface NotableDenial {
  rule: string;
  why: string;
  count: number;
  samples: DecisionSample[];
}

export interface AdminActionEntry {
  seq: number;
  timestamp: string;
  actor: string;
  action: string;
  target: string | null;
  tenant: string | null;
}

export interface LedgerEvidence {
  /** The decisions of the period: first and last seq, and the hash of the last. */
  segment: { fromSeq: number; toSeq: number; toHash: string | null; records: number };
  head: { seq: number; hash: string };
  adminHead: { seq: number; hash: string };
  verification: {
    ok: boolean;
    checked: number;
    problem?: string;
    checkpoints: { checked: number; signaturesVerified: number; signaturesUnchecked: number; problem?: string };
  };
  checkpoints: { id: number; seq: number; createdAt: string; keyId: string; headHash: string }[];
  adminVerification: { ok: boolean; checked: number; problem?: string };
}

export interface DeletionReceipt {
  seq: number;
  decisionId: string;
  timestamp: string;
  action: string;
  record?: string;
}

export interface EvidenceReport {
  format: 'attest.evidence-report/v1';
  id: string;
  generatedAt: string;
  requestedBy: string;
  framework: { id: string; name: string; version: string; source?: string };
  period: Period;
  tenant: string | null;
  scope: string;
  revisions: RevisionInForce[];
  totals: { requirements: number } & Record<CoverageStatus, number>;
  requirements: RequirementRow[];
  controls: ControlEvidence[];
  runtime: {
    total: number;
    byOutcome: Record<string, number>;
    byPath: { path: string; count: number }[];
    bucket: 'day' | 'week' | 'month';
    series: SeriesPoint[];
    tenants: number;
  };
  notableDenials: NotableDenial[];
  silentEnforcementPoints: { id: string; control: string; reason: string }[];
  policyTests: TestSummary[];
  ledger: LedgerEvidence;
  adminActions: { total: number; shown: AdminActionEntry[] };
  deletionReceipts?: { total: number; byAction: Record<string, number>; shown: DeletionReceipt[] };
  notes: string[];
}
