/**
 * report.pdf: the evidence report for a person. Cover, contents, executive
 * summary, scope and revisions, the requirement-to-control matrix, runtime
 * evidence, one section per control, then appendices (ledger verification,
 * admin actions, method).
 */
import { describePeriod } from '../period.js';
import { compactJson } from '../mask.js';
import type { ControlEvidence, DecisionSample, EvidenceReport, TestSummary } from '../types.js';
import { groupStacks, outcomeColumns, statusBars } from './charts.js';
import { COLORS, Layout, STATUS_COLORS, pdfText, type Cell } from './pdf-layout.js';

export interface PdfOptions {
  /** The manifest digest printed on the cover and stored in the PDF's metadata. */
  manifestDigest: string;
}

const fmt = (n: number) => n.toLocaleString('en-US');
const day = (ts: string) => ts.slice(0, 10);
const minute = (ts: string) => `${ts.slice(0, 16).replace('T', ' ')} UTC`;
const status = (s: string): Cell => ({ text: s, color: STATUS_COLORS[s] ?? COLORS.ink, bold: true });

function outcomesText(by: Record<string, number>): string {
  const e = Object.entries(by).sort((a, b) => b[1] - a[1]);
  return e.length ? e.map(([k, v]) => `${k} ${fmt(v)}`).join(', ') : 'none';
}

export function renderPdf(r: EvidenceReport, opts: PdfOptions): Promise<Buffer> {
  const title = `${r.framework.name} evidence report`;
  const l = new Layout({
    Title: title,
    Author: 'attest',
    Subject: `${r.framework.name}, ${describePeriod(r.period)}${r.tenant !== null ? `, tenant ${r.tenant}` : ''}`,
    Keywords: `attest evidence ${r.framework.id} report-id:${r.id} manifest-sha256:${opts.manifestDigest}`,
    Creator: 'attest report',
    AttestReportId: r.id,
    AttestManifestDigest: opts.manifestDigest,
  });
  const chunks: Buffer[] = [];
  l.doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    l.doc.on('end', () => resolve(Buffer.concat(chunks)));
    l.doc.on('error', reject);
  });

  cover(l, r, opts);
  const tocStart = l.pageIndex + 1;
  const tocPages = Math.max(1, Math.ceil(estimateTocEntries(r) / 34));
  for (let i = 0; i < tocPages; i++) l.newPage();
  // The contents are written last, once every section knows its page.

  summary(l, r);
  scopeAndRevisions(l, r);
  matrix(l, r);
  runtime(l, r);
  l.heading(1, 'Controls', { newPage: true });
  l.para(`One section per control that cites a requirement of ${r.framework.name}: its objective, the requirements it serves, each enforcement point with its policy source, change history, tests and runtime evidence, then the manual evidence it expects.`, { color: COLORS.muted });
  r.controls.forEach((c, i) => control(l, c, r, i > 0));
  if (r.deletionReceipts) receipts(l, r);
  appendixLedger(l, r);
  appendixAdmin(l, r);
  appendixMethod(l, r, opts);

  toc(l, tocStart, tocPages);
  l.furniture(
    `${r.framework.name} · ${describePeriod(r.period)}${r.tenant !== null ? ` · tenant ${r.tenant}` : ''}`,
    `attest evidence report ${r.id} · manifest ${opts.manifestDigest.slice(0, 16)}…`,
  );
  l.doc.end();
  return done;
}

function estimateTocEntries(r: EvidenceReport): number {
  return 16 + r.controls.length + (r.deletionReceipts ? 1 : 0);
}

function cover(l: Layout, r: EvidenceReport, opts: PdfOptions): void {
  const doc = l.doc;
  l.newPage();
  doc.save().rect(0, 0, doc.page.width, 230).fill(COLORS.accent).restore();
  doc.font('Helvetica').fontSize(11).fillColor('#cfe3f7').text('attest · evidence report', l.left, 70, { width: l.width });
  doc.font('Helvetica-Bold').fontSize(28).fillColor('#ffffff').text(pdfText(r.framework.name), l.left, 96, { width: l.width });
  doc.font('Helvetica').fontSize(14).fillColor('#ffffff').text(pdfText(describePeriod(r.period)), l.left, doc.y + 6, { width: l.width });
  if (r.tenant !== null) doc.font('Helvetica-Bold').fontSize(12).fillColor('#ffe082').text(pdfText(`Tenant pack: ${r.tenant}`), l.left, doc.y + 6, { width: l.width });
  doc.y = 260;
  l.keyValues([
    ['Framework', `${r.framework.name} (${r.framework.version})`],
    ['Period', `${describePeriod(r.period)}  (from ${r.period.from} inclusive to ${r.period.to} exclusive)`],
    ['Scope', r.scope],
    ['Tenant', r.tenant ?? 'all tenants'],
    ['Policy revisions in force', r.revisions.length ? r.revisions.map((v) => `${v.id}${v.gitCommit ? ` (git ${v.gitCommit.slice(0, 12)})` : ''}: ${fmt(v.decisions)} decisions, ${day(v.firstSeen)} to ${day(v.lastSeen)}`).join('\n') : 'no decisions in the period'],
    ['Report id', r.id],
    ['Generated', `${minute(r.generatedAt)} for ${r.requestedBy}`],
    ['Manifest SHA-256', opts.manifestDigest],
  ], { labelWidth: 150, size: 10.5, mono: ['Report id', 'Manifest SHA-256'] });
  l.space(16);
  const box = doc.y;
  doc.save().roundedRect(l.left, box, l.width, 74, 4).fill(COLORS.accentSoft).restore();
  doc.font('Helvetica-Bold').fontSize(9.5).fillColor(COLORS.accent).text('How to check this report', l.left + 12, box + 10, { width: l.width - 24 });
  doc.font('Helvetica').fontSize(9).fillColor(COLORS.ink).text(
    'This PDF is one of five files (report.pdf, report.json, controls.csv, oscal-assessment-results.json, manifest.json). ' +
    'manifest.json lists the SHA-256 of every file and is signed (RSA-PSS, X.509 certificate enclosed). ' +
    'Run `attest verify <folder>` to check the signature, every hash and, with database access, the decision ledger of the period. ' +
    'The manifest SHA-256 above is the manifest digest described in the Method appendix.',
    l.left + 12, doc.y + 3, { width: l.width - 24, lineGap: 1.5 },
  );
}

function toc(l: Layout, start: number, pages: number): void {
  const doc = l.doc;
  let page = start;
  doc.switchToPage(page);
  doc.y = doc.page.margins.top;
  l.heading(1, 'Contents', { toc: false });
  const lineH = 17;
  for (const e of l.toc) {
    if (e.level > 2) continue;
    if (doc.y + lineH > l.bottom) {
      if (page + 1 >= start + pages) break;
      doc.switchToPage(++page);
      doc.y = doc.page.margins.top;
    }
    const indent = e.level === 1 ? 0 : 16;
    const y = doc.y;
    doc.font(e.level === 1 ? 'Helvetica-Bold' : 'Helvetica').fontSize(e.level === 1 ? 10.5 : 9.5).fillColor(COLORS.ink);
    const label = pdfText(e.title);
    const w = l.width - indent - 40;
    doc.text(label, l.left + indent, y, { width: w, height: lineH, ellipsis: true, lineBreak: false, goTo: e.dest });
    const tw = Math.min(doc.widthOfString(label), w);
    doc.moveTo(l.left + indent + tw + 4, y + 9).lineTo(l.left + l.width - 30, y + 9).dash(0.5, { space: 2.5 }).lineWidth(0.5).strokeColor(COLORS.faint).stroke().undash();
    doc.text(String(e.page + 1), l.left + l.width - 28, y, { width: 28, align: 'right', lineBreak: false, goTo: e.dest });
    doc.y = y + lineH;
  }
}

function summary(l: Layout, r: EvidenceReport): void {
  l.heading(1, 'Executive summary', { newPage: true });
  const t = r.totals;
  const denies = r.runtime.byOutcome.deny ?? 0;
  const testRuns = r.policyTests.filter((x) => x.ran);
  const failing = testRuns.reduce((a, x) => a + x.failed + x.errored, 0);
  l.para(
    `${r.framework.name} has ${t.requirements} requirements. Covered by automated controls whose enforcement points exist and are tested: ${t.covered}; ` +
    `partially covered: ${t.partial}; relying on manual controls only: ${t.manual}; without any control: ${t.gap}. ` +
    `In the period, ${fmt(r.runtime.total)} decisions were logged${r.tenant !== null ? ` for tenant ${r.tenant}` : ''} (${fmt(denies)} denials) ` +
    `under ${r.revisions.length} policy revision${r.revisions.length === 1 ? '' : 's'}. ` +
    `The ledger segment of the period ${r.ledger.verification.ok ? 'verified' : 'FAILED verification'} (${fmt(r.ledger.verification.checked)} records re-hashed).`,
  );
  l.heading(2, 'Coverage by status');
  statusBars(l, t, t.requirements);
  l.heading(3, 'By requirement group', { toc: false });
  const groups = new Map<string, { label: string; title: string; counts: Record<string, number> }>();
  for (const q of r.requirements) {
    const g = groups.get(q.group) ?? { label: q.group, title: q.groupTitle, counts: {} };
    g.counts[q.status] = (g.counts[q.status] ?? 0) + 1;
    groups.set(q.group, g);
  }
  groupStacks(l, [...groups.values()]);
  l.heading(2, 'Decisions over the period');
  outcomeColumns(l, r.runtime.series, { height: 80, caption: `per ${r.runtime.bucket}; ${fmt(r.runtime.total)} decisions` });

  l.heading(2, 'What needs attention');
  const items: string[] = [];
  if (!r.ledger.verification.ok) items.push(`Ledger verification failed: ${r.ledger.verification.problem ?? r.ledger.verification.checkpoints.problem ?? 'see Appendix A'}.`);
  const gaps = r.requirements.filter((q) => q.status === 'gap');
  if (gaps.length) items.push(`${gaps.length} requirement${gaps.length === 1 ? ' has' : 's have'} no control: ${gaps.slice(0, 12).map((q) => q.id).join(', ')}${gaps.length > 12 ? ', …' : ''}.`);
  const partial = r.controls.filter((c) => c.status === 'partial');
  for (const c of partial) {
    const bad = c.enforcementPoints.filter((e) => !e.present || !e.tested);
    items.push(`${c.id} is partial: ${bad.map((e) => `${e.id} ${e.present ? 'has no passing test' : 'is missing from the policies'}`).join('; ')}.`);
  }
  const none = r.silentEnforcementPoints.filter((s) => s.reason.startsWith('made no decision'));
  if (none.length) items.push(`${none.length} enforcement point${none.length === 1 ? '' : 's'} made no decision in the period: ${[...new Set(none.map((s) => s.id))].join(', ')}.`);
  for (const s of r.silentEnforcementPoints.filter((x) => !none.includes(x))) items.push(`Enforcement point ${s.id} (${s.control}) went silent: ${s.reason}.`);
  if (failing) items.push(`${failing} policy test${failing === 1 ? '' : 's'} failed or errored at report time (see Scope and policy revisions).`);
  for (const n of r.notableDenials) items.push(`${fmt(n.count)} denial${n.count === 1 ? '' : 's'}: ${n.why.toLowerCase()} (${n.rule}).`);
  if (!items.length) items.push('Nothing: every automated control is covered, every enforcement point decided in the period, all policy tests pass and the ledger verifies.');
  l.bullets(items);
}

function testsTable(l: Layout, tests: TestSummary[]): void {
  l.table(
    [{ header: 'Policies', width: 3 }, { header: 'Passed', width: 1, align: 'right' }, { header: 'Failed', width: 1, align: 'right' }, { header: 'Errors', width: 1, align: 'right' }, { header: 'Skipped', width: 1, align: 'right' }, { header: 'Note', width: 3 }],
    tests.map((t) => [
      t.label,
      t.ran ? String(t.passed) : '-',
      t.ran ? { text: String(t.failed), color: t.failed ? COLORS.gap : COLORS.ink, bold: t.failed > 0 } : '-',
      t.ran ? { text: String(t.errored), color: t.errored ? COLORS.gap : COLORS.ink, bold: t.errored > 0 } : '-',
      t.ran ? String(t.skipped) : '-',
      t.note ?? (t.failures.length ? t.failures.slice(0, 5).map((f) => `${f.status}: ${f.name}${f.message ? ` (${f.message})` : ''}`).join('\n') : 'all tests pass'),
    ]),
  );
}

function scopeAndRevisions(l: Layout, r: EvidenceReport): void {
  l.heading(1, 'Scope and policy revisions', { newPage: true });
  l.para(r.scope);
  if (r.notes.length) l.bullets(r.notes, { color: COLORS.partial });
  l.heading(2, 'Policy revisions in force');
  l.table(
    [{ header: 'Revision', width: 3, font: 'Courier' }, { header: 'Git commit', width: 2, font: 'Courier' }, { header: 'First decision', width: 2 }, { header: 'Last decision', width: 2 }, { header: 'Decisions', width: 1.4, align: 'right' }],
    r.revisions.map((v) => [v.id, v.gitCommit ? v.gitCommit.slice(0, 12) : v.stored ? '-' : 'not stored', minute(v.firstSeen), minute(v.lastSeen), fmt(v.decisions)]),
    { empty: 'No decisions were made in the period.' },
  );
  l.heading(2, 'Policy tests run at report time');
  l.para('Every test_* rule of each policy tree, run by attest\'s Rego engine when this report was generated: the policies on disk and the stored sources of each revision in force.', { color: COLORS.muted, size: 9 });
  testsTable(l, r.policyTests);
}

function matrix(l: Layout, r: EvidenceReport): void {
  l.heading(1, 'Requirement-to-control matrix', { newPage: true });
  l.para(`Every requirement of ${r.framework.name}, exactly once, with the controls that cite it. Decisions counts the period's decisions at the enforcement points of those controls.`, { color: COLORS.muted, size: 9 });
  l.table(
    [{ header: 'Requirement', width: 1.75 }, { header: 'Title', width: 2.9 }, { header: 'Status', width: 1.2 }, { header: 'Controls', width: 3.2 }, { header: 'Tests', width: 0.8, align: 'right' }, { header: 'Decisions', width: 1.2, align: 'right' }],
    r.requirements.map((q) => [
      { text: q.id, bold: true },
      q.title + (q.optional ? ' (optional)' : ''),
      status(q.status),
      q.controls.join('\n') || '-',
      String(q.tests),
      fmt(q.decisions),
    ]),
  );
}

function samplesTable(l: Layout, samples: DecisionSample[], empty = 'No decisions in the period.'): void {
  l.table(
    [{ header: 'Time / decision', width: 2.2 }, { header: 'Outcome', width: 1 }, { header: 'Context', width: 1.8 }, { header: 'Input (masked)', width: 4.2, font: 'Courier' }, { header: 'Result', width: 2.6, font: 'Courier' }],
    samples.map((s) => [
      `${minute(s.timestamp)}\n${s.decisionId}`,
      { text: s.outcome, color: s.outcome === 'deny' ? COLORS.deny : s.outcome === 'allow' ? COLORS.allow : COLORS.ink, bold: true },
      [s.path, s.tenant ? `tenant ${s.tenant}` : '', s.environment ? `env ${s.environment}` : '', `rev ${s.revision}`].filter(Boolean).join('\n'),
      compactJson(s.input, 500),
      compactJson(s.result, 300),
    ]),
    { size: 7.5, empty },
  );
}

function runtime(l: Layout, r: EvidenceReport): void {
  l.heading(1, 'Runtime evidence', { newPage: true });
  l.para(`${fmt(r.runtime.total)} decisions in the period${r.tenant === null ? ` across ${r.runtime.tenants} tenant${r.runtime.tenants === 1 ? '' : 's'}` : ''}: ${outcomesText(r.runtime.byOutcome)}.`);
  l.heading(2, 'Decisions by policy path');
  l.table([{ header: 'Path', width: 5, font: 'Courier' }, { header: 'Decisions', width: 1, align: 'right' }], r.runtime.byPath.map((p) => [p.path, fmt(p.count)]), { empty: 'No decisions in the period.' });
  l.heading(2, 'Notable denials');
  if (!r.notableDenials.length) l.para('No denial at the notable enforcement points (MFA, tenant boundary, environment segmentation, break-glass, separation of duties) in the period.', { color: COLORS.muted });
  for (const n of r.notableDenials) {
    l.heading(3, `${n.why}: ${fmt(n.count)}`, { toc: false });
    l.para(`Enforcement point ${n.rule}; the latest denials:`, { size: 9, color: COLORS.muted });
    samplesTable(l, n.samples);
  }
  l.heading(2, 'Silent enforcement points');
  l.table(
    [{ header: 'Enforcement point', width: 3.2, font: 'Courier' }, { header: 'Control', width: 3 }, { header: 'Observation', width: 3.4 }],
    r.silentEnforcementPoints.map((s) => [s.id, s.control, s.reason]),
    { empty: 'None: every enforcement point with expected runtime evidence decided until the end of the period.' },
  );
}

function control(l: Layout, c: ControlEvidence, r: EvidenceReport, newPage: boolean): void {
  const doc = l.doc;
  if (newPage) l.newPage();
  l.heading(2, `${c.id} — ${c.title}`);
  l.pill(c.status, STATUS_COLORS[c.status] ?? COLORS.muted, l.left, doc.y);
  doc.y += 20;
  l.keyValues([
    ['Objective', c.objective],
    ['Owner', c.owner],
    ['Type', `${c.type}, ${c.implementation}, ${c.operation}`],
    [`${r.framework.id} requirements`, c.requirements.map((q) => `${q.ref}  ${q.title}`).join('\n')],
    ['Also cites', c.otherRequirements.join(', ') || '-'],
    ...(c.notes ? [['Notes', c.notes] as [string, string]] : []),
  ], { labelWidth: 110 });

  if (c.enforcementPoints.length === 0) {
    l.para('A manual control: no enforcement point; its evidence is the manual evidence below.', { color: COLORS.muted });
  }
  for (const ep of c.enforcementPoints) {
    l.heading(3, `Enforcement point ${ep.id}${ep.title ? ` — ${ep.title}` : ''}`, { toc: false });
    l.keyValues([
      ['Policy', ep.present ? `${ep.location?.file}:${ep.location?.line}` : 'MISSING: no loaded policy declares this id'],
      ['Tests', ep.tested ? `${ep.tests.length} passing: ${ep.tests.join(', ')}` : 'no passing test reaches it'],
      ['Decisions', `${fmt(ep.runtime.total)} (${outcomesText(ep.runtime.byOutcome)})${ep.runtime.firstSeen ? `, ${ep.runtime.firstSeen} to ${ep.runtime.lastSeen}` : ''}`],
      ['Exceptions used', ep.exceptionsUsed ? `${fmt(ep.exceptionsUsed)} decisions waived by an exception` : 'none'],
      ...(ep.runtime.silent ? [['Silent', ep.runtime.silent] as [string, string]] : []),
    ], { labelWidth: 110, size: 9.5 });
    if (ep.excerpt) l.code(ep.excerpt.text, { firstLine: ep.excerpt.firstLine, caption: `${ep.excerpt.file}, from line ${ep.excerpt.firstLine}` });
    l.para('Change history in the period', { bold: true, size: 9 });
    l.table(
      [{ header: 'Date', width: 1.6 }, { header: 'Commit', width: 1.2, font: 'Courier' }, { header: 'Author', width: 1.6 }, { header: 'Change', width: 4.6 }],
      ep.history.map((h) => [h.date.slice(0, 16).replace('T', ' '), h.commit.slice(0, 10), h.author, h.subject]),
      { size: 8, empty: ep.historyNote ?? 'No commit changed this file in the period.' },
    );
    if (ep.runtime.total > 0) {
      l.para(`Decisions by outcome per ${r.runtime.bucket}`, { bold: true, size: 9 });
      outcomeColumns(l, ep.runtime.series, { height: 46 });
      l.para('Samples (latest per outcome)', { bold: true, size: 9 });
      samplesTable(l, ep.runtime.samples);
    }
  }
  l.para('Manual evidence', { bold: true, size: 9.5 });
  l.table(
    [{ header: 'Evidence expected', width: 5 }, { header: 'Cadence', width: 1.3 }, { header: 'Status', width: 2.5 }],
    c.manualEvidence.map((m) => [m.what + (m.owner ? ` (owner: ${m.owner})` : ''), m.cadence, m.status]),
    { size: 8, empty: 'No manual evidence is expected.' },
  );
}

function receipts(l: Layout, r: EvidenceReport): void {
  const d = r.deletionReceipts!;
  l.heading(1, 'Deletion receipts', { newPage: true });
  l.para(`Retention decisions of the period that erased or anonymised data of tenant ${r.tenant}: ${fmt(d.total)} (${outcomesText(d.byAction)}). Each row is a logged decision, verifiable in the ledger by its id.`);
  l.table(
    [{ header: 'Time', width: 2 }, { header: 'Decision id', width: 3.2, font: 'Courier' }, { header: 'Action', width: 1.3 }, { header: 'Record', width: 2.5, font: 'Courier' }],
    d.shown.map((x) => [minute(x.timestamp), x.decisionId, x.action, x.record ?? '-']),
    { size: 8, empty: 'No retention decision erased data of this tenant in the period.' },
  );
}

function appendixLedger(l: Layout, r: EvidenceReport): void {
  const g = r.ledger;
  const v = g.verification;
  l.heading(1, 'Appendix A — Ledger verification', { newPage: true });
  l.para('Every decision is a record of a hash chain: each record\'s SHA-256 covers its content and its predecessor\'s hash. At report time attest recomputed the chain over the period\'s segment and checked the signed checkpoints that fall in it.');
  l.keyValues([
    ['Segment', g.segment.records ? `records ${fmt(g.segment.fromSeq)} to ${fmt(g.segment.toSeq)} (${fmt(g.segment.records)} decisions of all tenants in the period)` : 'no decisions in the period'],
    ['Last record hash', g.segment.toHash ?? '-'],
    ['Ledger head', `record ${fmt(g.head.seq)}, ${g.head.hash}`],
    ['Chain', v.ok ? `OK: ${fmt(v.checked)} records re-hashed, links intact` : `FAILED: ${v.problem ?? v.checkpoints.problem ?? 'see below'}`],
    ['Checkpoints', `${v.checkpoints.checked} in the segment, ${v.checkpoints.signaturesVerified} signatures verified, ${v.checkpoints.signaturesUnchecked} unchecked${v.checkpoints.problem ? `; ${v.checkpoints.problem}` : ''}`],
    ['Admin audit chain', g.adminVerification.ok ? `OK: ${fmt(g.adminVerification.checked)} entries of the period re-hashed; head ${g.adminHead.seq}` : `FAILED: ${g.adminVerification.problem}`],
  ], { labelWidth: 120, mono: ['Last record hash', 'Ledger head'] });
  l.heading(2, 'Signed checkpoints');
  l.table(
    [{ header: 'Id', width: 0.6, align: 'right' }, { header: 'At record', width: 1.1, align: 'right' }, { header: 'Created', width: 2 }, { header: 'Head hash', width: 3.4, font: 'Courier' }, { header: 'Key', width: 2.4, font: 'Courier' }],
    g.checkpoints.map((c) => [String(c.id), fmt(c.seq), minute(c.createdAt), c.headHash, c.keyId]),
    { size: 7.5, empty: 'No checkpoint was written after the start of the period.' },
  );
}

function appendixAdmin(l: Layout, r: EvidenceReport): void {
  l.heading(1, 'Appendix B — Admin actions', { newPage: true });
  l.para(`${fmt(r.adminActions.total)} administrative actions were logged in the period${r.tenant !== null ? ` for tenant ${r.tenant} or the whole platform` : ''}${r.adminActions.total > r.adminActions.shown.length ? `; the latest ${r.adminActions.shown.length} are listed` : ''}.`);
  l.table(
    [{ header: 'Seq', width: 0.7, align: 'right' }, { header: 'Time', width: 2 }, { header: 'Actor', width: 2 }, { header: 'Action', width: 2 }, { header: 'Target', width: 2.6 }, { header: 'Tenant', width: 1.3 }],
    r.adminActions.shown.map((a) => [String(a.seq), minute(a.timestamp), a.actor, a.action, a.target ?? '-', a.tenant ?? 'platform']),
    { size: 8, empty: 'No administrative action was logged in the period.' },
  );
}

function appendixMethod(l: Layout, r: EvidenceReport, opts: PdfOptions): void {
  l.heading(1, 'Appendix C — Method', { newPage: true });
  l.heading(2, 'Population');
  l.para(`The population is every decision in the ledger with a time in [${r.period.from}, ${r.period.to})${r.tenant !== null ? ` and tenant "${r.tenant}"` : ''}. Counts and time series are computed by the database over the whole population (GROUP BY), not from samples. Samples are the latest decisions per enforcement point and outcome; their inputs were masked when logged and are masked again for this report (values under keys such as user, email, ip, token are shown as ***).`);
  l.heading(2, 'Coverage status');
  l.bullets([
    'A control is covered when each of its enforcement points is declared by a loaded policy (# METADATA custom.id) and reached by a passing policy test; partial otherwise; manual when it has no enforcement point.',
    'A requirement is a gap without controls, partial when any citing control is partial, covered when at least one citing control is covered, and manual when only manual controls cite it.',
    'An enforcement point is silent when it made no decision in the period, or none in the final fifth of the period (at least 7 days).',
  ]);
  l.heading(2, 'Integrity');
  l.para('manifest.json lists the SHA-256 of report.json, controls.csv, oscal-assessment-results.json and report.pdf, the period, the policy revisions, the ledger head and the segment of the period. ' +
    'The manifest digest on the cover is the SHA-256 of the manifest\'s canonical JSON (keys sorted, no whitespace) without report.pdf\'s hash, the digest and the signature, because the PDF cannot contain its own hash. ' +
    'The whole manifest except its signature is signed with RSA-PSS (SHA-256, MGF1, 32-byte salt); the signing certificate is enclosed, and its fingerprint should match the one attest publishes.');
  l.keyValues([['Manifest digest', opts.manifestDigest], ['Verify with', 'attest verify <folder>   or   attest verify report.pdf']], { labelWidth: 110, mono: ['Manifest digest'] });
  l.heading(2, 'Tools');
  l.para('attest\'s Rego engine evaluated the policies and ran their tests; controls come from the registry in controls/*.yaml; change history comes from git log of the policy directory; decisions come from the hash-chained decision ledger.');
}
