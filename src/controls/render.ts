/** Text renderings of coverage reports, check problems and requirement maps (table, json, csv). */
import type { Problem } from './check.js';
import type { CoverageReport, CoverageRow } from './coverage.js';
import type { RequirementMap } from './registry.js';

export type Format = 'table' | 'json' | 'csv';
export const FORMATS: readonly Format[] = ['table', 'json', 'csv'];

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** RFC 4180: quote fields holding commas, quotes or line breaks; CRLF between records. */
export function csv(header: string[], rows: string[][]): string {
  const field = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [header, ...rows].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function epCell(row: CoverageRow): string[] {
  return row.enforcementPoints.map((ep) => (ep.present ? (ep.tested ? ep.id : `${ep.id} (untested)`) : `${ep.id} (missing)`));
}

/** `7`, or `7 (1 untested, 1 missing)` */
function epCount(row: CoverageRow): string {
  const missing = row.enforcementPoints.filter((e) => !e.present).length;
  const untested = row.enforcementPoints.filter((e) => e.present && !e.tested).length;
  const notes = [untested ? `${untested} untested` : '', missing ? `${missing} missing` : ''].filter(Boolean);
  return `${row.enforcementPoints.length}${notes.length ? ` (${notes.join(', ')})` : ''}`;
}

/** `soc2: 61 requirements — 10 covered, 4 partial, 21 manual, 26 gap` */
export function coverageSummary(report: CoverageReport): string {
  const t = report.totals;
  return `${report.framework.id}: ${t.total} requirements — ${t.covered} covered, ${t.partial} partial, ${t.manual} manual, ${t.gap} gap`;
}

export function renderCoverage(report: CoverageReport, format: Format): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'csv') {
    return csv(
      ['requirement', 'title', 'group', 'status', 'controls', 'enforcement_points', 'tests', 'manual_evidence'],
      report.rows.map((r) => [r.requirement, r.title, r.group, r.status, r.controls.join(';'), epCell(r).join(';'), r.tests.join(';'), r.manualEvidence.join(';')]),
    );
  }
  // The table stays readable in a terminal: counts for enforcement points and tests, ids in json/csv.
  const body = table(
    ['REQUIREMENT', 'TITLE', 'STATUS', 'EPS', 'TESTS', 'CONTROLS'],
    report.rows.map((r) => [r.requirement, clip(r.title, 40), r.status, epCount(r), String(r.tests.length), r.controls.join(', ') || '-']),
  );
  return `${report.framework.name} (${report.framework.version})\n\n${body}\n\n${coverageSummary(report)}\n`;
}

export function renderProblems(problems: readonly Problem[], format: Exclude<Format, 'csv'> = 'table'): string {
  if (format === 'json') return `${JSON.stringify({ ok: problems.length === 0, problems }, null, 2)}\n`;
  if (problems.length === 0) return 'controls check: no problems\n';
  const lines = problems.map((p) => `${p.message} [${p.code}]`);
  return `${lines.join('\n')}\n\ncontrols check: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`;
}

export function renderMap(map: RequirementMap, format: Exclude<Format, 'csv'> = 'table'): string {
  if (format === 'json') return `${JSON.stringify(map, null, 2)}\n`;
  const head = `${map.requirement.ref} ${map.requirement.title}\ncontrols: ${map.controls.join(', ') || '(none)'}\n`;
  if (map.related.length === 0) return `${head}\nno requirements of other frameworks share these controls\n`;
  const body = table(
    ['REQUIREMENT', 'TITLE', 'VIA'],
    map.related.map((r) => [r.requirement.ref, clip(r.requirement.title, 48), r.via.join(', ')]),
  );
  return `${head}\n${body}\n`;
}
