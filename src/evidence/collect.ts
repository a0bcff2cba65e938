/**
 * Collects the evidence for one framework, period and (optionally) tenant:
 * the control registry and its coverage, the policies and their tests, the
 * Git history of the policy files, and the ledger's aggregates, samples,
 * verification and admin actions.
 */
import { resolve as resolvePath } from 'node:path';
import type { Database } from '../db/index.js';
import { coverage, controlStatus, UnknownFrameworkError, type Control, type EnforcementPointInfo, type Registry } from '../controls/index.js';
import { listCheckpoints, verifyAdminAudit, verifyLedger, type SignerLookup } from '../decisions/index.js';
import type { EnforcementPointStatus } from '../policy/index.js';
import { evaluateTree, excerpt, gitHistory, testStoredRevision, type PolicyTree } from './policy-evidence.js';
import * as sql from './queries.js';
import { bucketUnit, buildSeries } from './series.js';
import type {
  ControlEvidence, EnforcementPointEvidence, EvidenceReport, NotableDenial, Period, RequirementRow, RevisionInForce, TestSummary,
} from './types.js';

export interface CollectOptions {
  db: Database;
  registry: Registry;
  framework: string;
  period: Period;
  tenant?: string | null;
  /** The policy tree on disk (default `policies`). */
  policiesDir?: string;
  reportId: string;
  requestedBy: string;
  now?: Date;
  /** Keys to check checkpoint signatures with. */
  signers?: SignerLookup;
  onProgress?: (message: string) => void;
}

/** Denials an auditor asks about first, by enforcement point. */
export const NOTABLE_DENIALS: readonly { rule: string; why: string }[] = [
  { rule: 'access.mfa_required', why: 'Production or administrative access without a recent second factor' },
  { rule: 'access.tenant_boundary', why: 'Attempts to act across a tenant boundary' },
  { rule: 'access.environment_segmentation', why: 'A grant for one environment used against another' },
  { rule: 'access.break_glass', why: 'Break-glass access refused (no eligible role, ticket or window)' },
  { rule: 'access.separation_of_duties', why: 'Self-approval or conflicting roles' },
];

const MAX_REVISION_TEST_RUNS = 10;
const SAMPLES_PER_OUTCOME = 2;

function operationText(c: Control): string {
  return c.operation.mode === 'continuous' ? 'continuous' : `periodic (${c.operation.cadence})`;
}

export async function collectEvidence(o: CollectOptions): Promise<EvidenceReport> {
  const progress = o.onProgress ?? (() => undefined);
  const { db, registry, framework, period } = o;
  const tenant = o.tenant ?? null;
  const scope: sql.Scope = { period, tenant };
  const catalogue = registry.catalogue(framework);
  if (!catalogue) throw new UnknownFrameworkError(framework, registry.frameworks());
  const notes: string[] = [];
  const now = o.now ?? new Date();

  progress('loading the policies and running their tests');
  const policiesDir = o.policiesDir ?? 'policies';
  const tree: PolicyTree = evaluateTree(policiesDir, 'working-tree', `policies on disk (${policiesDir})`);
  if (tree.error) notes.push(`The policy tree at ${policiesDir} could not be loaded (${tree.error.split('\n')[0]}); enforcement points count as missing.`);
  const epInfos: EnforcementPointInfo[] = [...tree.points.values()].map((p) => ({
    id: p.id, controls: p.controls, tested: p.tested, tests: p.tests, location: { file: p.location.file, line: p.location.line, col: p.location.col },
  }));
  const cov = coverage(registry, framework, epInfos);

  progress('reading the ledger segment of the period');
  const [segment, head, adminHead] = await Promise.all([sql.periodSegment(db, period), sql.ledgerHead(db, 'decisions'), sql.ledgerHead(db, 'admin_audit')]);

  progress('aggregating decisions (SQL)');
  const unit = bucketUnit(period);
  const daily = await sql.dailyOutcomes(db, scope);
  const pointDaily = await sql.pointDailyOutcomes(db, scope, segment);
  const waivers = await sql.waiversByPoint(db, scope, segment);
  const paths = await sql.topPaths(db, scope);
  const tenants = tenant === null ? await sql.tenantCount(db, scope) : 1;
  const byOutcome: Record<string, number> = {};
  for (const r of daily) byOutcome[r.outcome] = (byOutcome[r.outcome] ?? 0) + r.count;
  const total = Object.values(byOutcome).reduce((a, b) => a + b, 0);

  const perPoint = new Map<string, typeof pointDaily>();
  for (const r of pointDaily) {
    const list = perPoint.get(r.point) ?? [];
    list.push(r);
    perPoint.set(r.point, list);
  }

  progress('reading the Git history of the policy files');
  const git = await gitHistory(policiesDir, period);
  if (git.note) notes.push(git.note);

  progress('building per-control evidence');
  const controlIds = [...new Set(cov.rows.flatMap((r) => r.controls))].sort();
  const epsMap = new Map(epInfos.map((e) => [e.id, e]));
  const controls: ControlEvidence[] = [];
  const effectiveEnd = Math.min(Date.parse(period.to.slice(0, 23) + 'Z'), now.getTime());
  const periodMs = Date.parse(period.to.slice(0, 23) + 'Z') - Date.parse(period.from.slice(0, 23) + 'Z');
  const silentWindow = Math.max(7 * 86_400_000, periodMs * 0.2);
  const silent: EvidenceReport['silentEnforcementPoints'] = [];

  for (const id of controlIds) {
    const c = registry.control(id);
    if (!c) continue;
    const expectedOutcomes = new Map((c.runtime_evidence ?? []).map((r) => [r.enforcement_point, r.outcomes]));
    const eps: EnforcementPointEvidence[] = [];
    for (const epId of c.enforcement_points) {
      const status: EnforcementPointStatus | undefined = tree.points.get(epId);
      const rows = perPoint.get(epId) ?? [];
      const epOutcomes: Record<string, number> = {};
      let first: string | undefined;
      let last: string | undefined;
      for (const r of rows) {
        epOutcomes[r.outcome] = (epOutcomes[r.outcome] ?? 0) + r.count;
        if (r.count > 0) {
          if (!first || r.day < first) first = r.day;
          if (!last || r.day > last) last = r.day;
        }
      }
      const epTotal = Object.values(epOutcomes).reduce((a, b) => a + b, 0);
      let silence: string | undefined;
      if (epTotal === 0) silence = 'made no decision in the period';
      else if (last && Date.parse(`${last}T23:59:59Z`) < effectiveEnd - silentWindow) {
        silence = `last decision on ${last}, ${Math.floor((effectiveEnd - Date.parse(`${last}T23:59:59Z`)) / 86_400_000)} days before the end of the period`;
      }
      if (silence && (expectedOutcomes.size === 0 || expectedOutcomes.has(epId))) silent.push({ id: epId, control: c.id, reason: silence });
      const wanted = expectedOutcomes.get(epId) ?? Object.entries(epOutcomes).sort((a, b) => b[1] - a[1]).slice(0, 2).map(([k]) => k);
      const samples = [];
      for (const outcome of wanted) samples.push(...(await sql.pointSamples(db, scope, segment, epId, outcome, SAMPLES_PER_OUTCOME)));
      const file = status?.location.file;
      const history = file ? (git.byFile.get(resolvePath(file)) ?? []) : [];
      eps.push({
        id: epId,
        title: status?.title,
        present: status !== undefined,
        tested: status?.tested === true,
        tests: status?.tests ?? [],
        ...(status ? { location: { file: status.location.file, line: status.location.line } } : {}),
        ...(status ? { excerpt: excerpt(tree.modules, status) } : {}),
        history,
        ...(git.note ? { historyNote: git.note } : {}),
        runtime: { total: epTotal, byOutcome: epOutcomes, series: buildSeries(rows, period, unit), firstSeen: first, lastSeen: last, ...(silence ? { silent: silence } : {}), samples },
        exceptionsUsed: waivers.get(epId) ?? 0,
      });
    }
    const own = c.requirements.map((r) => registry.resolve(r)).filter((r) => r?.framework === framework);
    controls.push({
      id: c.id, title: c.title, objective: c.objective, owner: c.owner, type: c.type, implementation: c.implementation,
      operation: operationText(c),
      status: controlStatus(c, epsMap),
      requirements: [...new Map(own.map((r) => [r!.ref, { ref: r!.ref, title: r!.title }])).values()],
      otherRequirements: c.requirements.filter((r) => registry.resolve(r)?.framework !== framework),
      enforcementPoints: eps,
      manualEvidence: (c.manual_evidence ?? []).map((m) => ({ ...m, status: 'expected from the owner; not held by attest' })),
      ...(c.notes ? { notes: c.notes } : {}),
    });
  }

  const runtimeByPoint = new Map(controls.flatMap((c) => c.enforcementPoints.map((e) => [e.id, e.runtime.total] as const)));
  const requirements: RequirementRow[] = cov.rows.map((r) => {
    const req = catalogue.requirements.find((x) => x.ref === r.requirement);
    return {
      ref: r.requirement, id: r.id, title: r.title, group: r.group, groupTitle: req?.group.title ?? r.group, optional: r.optional,
      status: r.status, controls: r.controls, enforcementPoints: r.enforcementPoints.map((e) => e.id), tests: r.tests.length,
      decisions: r.enforcementPoints.reduce((a, e) => a + (runtimeByPoint.get(e.id) ?? 0), 0),
    };
  });

  progress('collecting notable denials');
  const notableDenials: NotableDenial[] = [];
  for (const n of NOTABLE_DENIALS) {
    const count = (perPoint.get(n.rule) ?? []).filter((r) => r.outcome === 'deny').reduce((a, r) => a + r.count, 0);
    if (count === 0) continue;
    notableDenials.push({ ...n, count, samples: await sql.pointSamples(db, scope, segment, n.rule, 'deny', 3) });
  }

  progress('policy revisions in force and their tests');
  const revs = await sql.revisionsInPeriod(db, scope);
  const stored = revs.length ? await db.knex('policy_revisions').select('id', 'content_hash', 'git_commit', 'sources').whereIn('id', revs.map((r) => r.id).slice(0, 500)) : [];
  const storedById = new Map(stored.map((s: Record<string, unknown>) => [String(s.id), s]));
  const revisions: RevisionInForce[] = revs.map((r) => {
    const s = storedById.get(r.id);
    return {
      id: r.id, firstSeen: r.first, lastSeen: r.last, decisions: r.count, stored: s !== undefined,
      ...(s ? { contentHash: String(s.content_hash), gitCommit: s.git_commit === null ? null : String(s.git_commit) } : {}),
    };
  });
  const policyTests: TestSummary[] = [tree.tests];
  for (const r of revisions.slice(-MAX_REVISION_TEST_RUNS)) {
    const s = storedById.get(r.id);
    if (!s) {
      policyTests.push({ revision: r.id, label: `revision ${r.id}`, ran: false, note: 'sources not stored in policy_revisions', passed: 0, failed: 0, errored: 0, skipped: 0, failures: [] });
      continue;
    }
    progress(`running the tests of revision ${r.id}`);
    policyTests.push(testStoredRevision(r.id, JSON.parse(String(s.sources)) as Record<string, string>));
  }
  if (revisions.length > MAX_REVISION_TEST_RUNS) notes.push(`${revisions.length} revisions were in force; the tests of the latest ${MAX_REVISION_TEST_RUNS} were run.`);

  progress('verifying the ledger segment and checkpoints');
  const ver = segment.records > 0 ? await verifyLedger(db, { from: segment.fromSeq, to: segment.toSeq, signers: o.signers, chunk: 5000 }) : undefined;
  const cps = await listCheckpoints(db, 'decisions', { fromSeq: segment.fromSeq });
  const adminVer = await verifyAdminAudit(db, { from: period.from, to: period.to });
  const admin = await sql.adminActions(db, scope);

  let deletionReceipts: EvidenceReport['deletionReceipts'];
  if (tenant !== null) {
    progress('collecting deletion receipts');
    deletionReceipts = await sql.deletionReceipts(db, scope);
  }

  return {
    format: 'attest.evidence-report/v1',
    id: o.reportId,
    generatedAt: now.toISOString(),
    requestedBy: o.requestedBy,
    framework: { id: catalogue.framework, name: catalogue.name, version: catalogue.version, ...(catalogue.source ? { source: catalogue.source } : {}) },
    period,
    tenant,
    scope: tenant !== null
      ? `Tenant "${tenant}" only: decisions, samples, admin actions and deletion receipts of other tenants are excluded. Policies, controls, tests and the ledger chain are shared by all tenants.`
      : `All tenants (${tenants} with decisions in the period), all enforcement points and all controls citing ${catalogue.name}.`,
    revisions,
    totals: { requirements: cov.totals.total, covered: cov.totals.covered, partial: cov.totals.partial, manual: cov.totals.manual, gap: cov.totals.gap },
    requirements,
    controls,
    runtime: { total, byOutcome, byPath: paths, bucket: unit, series: buildSeries(daily, period, unit), tenants },
    notableDenials,
    silentEnforcementPoints: silent,
    policyTests,
    ledger: {
      segment: { fromSeq: segment.fromSeq, toSeq: segment.toSeq, toHash: segment.toHash, records: segment.records },
      head,
      adminHead,
      verification: ver
        ? {
          ok: ver.ok, checked: ver.checked, ...(ver.firstBad ? { problem: ver.firstBad.message } : {}),
          checkpoints: { checked: ver.checkpoints.checked, signaturesVerified: ver.checkpoints.signaturesVerified, signaturesUnchecked: ver.checkpoints.signaturesUnchecked, ...(ver.checkpoints.firstBad ? { problem: ver.checkpoints.firstBad.message } : {}) },
        }
        : { ok: true, checked: 0, checkpoints: { checked: 0, signaturesVerified: 0, signaturesUnchecked: 0 } },
      checkpoints: cps.slice(0, 50).map((c) => ({ id: c.id, seq: c.seq, createdAt: c.created_at, keyId: c.key_id, headHash: c.head_hash })),
      adminVerification: { ok: adminVer.ok, checked: adminVer.checked, ...(adminVer.firstBad ? { problem: adminVer.firstBad.message } : {}) },
    },
    adminActions: admin,
    ...(deletionReceipts ? { deletionReceipts } : {}),
    notes,
  };
}
