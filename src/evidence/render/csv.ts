/** controls.csv: the requirement-to-control matrix, one row per (requirement, control) pair. */
import type { EvidenceReport } from '../types.js';

/** RFC 4180: quote fields holding commas, quotes or line breaks; CRLF between records. */
function csv(rows: string[][]): string {
  const field = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return rows.map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

export const CSV_HEADER = [
  'framework', 'requirement', 'requirement_title', 'group', 'requirement_status', 'control', 'control_title', 'control_status',
  'enforcement_points', 'tested_enforcement_points', 'decisions_in_period', 'outcomes', 'exceptions_used', 'manual_evidence', 'owner',
];

export function renderCsv(r: EvidenceReport): string {
  const controls = new Map(r.controls.map((c) => [c.id, c]));
  const rows: string[][] = [CSV_HEADER];
  for (const req of r.requirements) {
    const base = [r.framework.id, req.ref, req.title, req.group, req.status];
    if (req.controls.length === 0) {
      rows.push([...base, '', '', '', '', '', '0', '', '0', '', '']);
      continue;
    }
    for (const id of req.controls) {
      const c = controls.get(id);
      if (!c) continue;
      const outcomes: Record<string, number> = {};
      for (const ep of c.enforcementPoints) for (const [k, v] of Object.entries(ep.runtime.byOutcome)) outcomes[k] = (outcomes[k] ?? 0) + v;
      rows.push([
        ...base, c.id, c.title, c.status,
        c.enforcementPoints.map((e) => e.id).join(';'),
        c.enforcementPoints.filter((e) => e.tested).map((e) => e.id).join(';'),
        String(c.enforcementPoints.reduce((a, e) => a + e.runtime.total, 0)),
        Object.entries(outcomes).sort().map(([k, v]) => `${k}=${v}`).join(';'),
        String(c.enforcementPoints.reduce((a, e) => a + e.exceptionsUsed, 0)),
        c.manualEvidence.map((m) => `${m.what} (${m.cadence})`).join(';'),
        c.owner,
      ]);
    }
  }
  return csv(rows);
}
