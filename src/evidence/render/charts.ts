/** Charts drawn with pdfkit primitives: status bars, stacked group bars, outcome columns over time. */
import type { SeriesPoint } from '../types.js';
import { COLORS, Layout, STATUS_COLORS, outcomeColor, pdfText } from './pdf-layout.js';

const STATUSES = ['covered', 'partial', 'manual', 'gap'] as const;

function legend(l: Layout, items: { label: string; color: string }[], x: number, y: number): void {
  const doc = l.doc;
  let cx = x;
  doc.font('Helvetica').fontSize(8);
  for (const it of items) {
    doc.save().rect(cx, y + 1, 8, 8).fill(it.color).restore();
    doc.fillColor(COLORS.ink).text(pdfText(it.label), cx + 11, y + 1, { lineBreak: false });
    cx += 11 + doc.widthOfString(pdfText(it.label)) + 14;
  }
}

/** One horizontal bar per coverage status, with count and share. */
export function statusBars(l: Layout, totals: Record<string, number>, total: number): void {
  const doc = l.doc;
  const rowH = 20;
  const h = STATUSES.length * rowH + 8;
  l.ensure(h + 10);
  const top = doc.y;
  const labelW = 70;
  const barMax = l.width - labelW - 90;
  STATUSES.forEach((s, i) => {
    const y = top + i * rowH;
    const n = totals[s] ?? 0;
    const w = total > 0 ? Math.max(n > 0 ? 2 : 0, (n / total) * barMax) : 0;
    doc.font('Helvetica-Bold').fontSize(9.5).fillColor(COLORS.ink).text(s[0].toUpperCase() + s.slice(1), l.left, y + 3, { width: labelW, lineBreak: false });
    doc.save().rect(l.left + labelW, y + 1, barMax, rowH - 6).fill(COLORS.zebra).restore();
    if (w > 0) doc.save().rect(l.left + labelW, y + 1, w, rowH - 6).fill(STATUS_COLORS[s]).restore();
    const pct = total > 0 ? Math.round((100 * n) / total) : 0;
    doc.font('Helvetica').fontSize(9.5).fillColor(COLORS.ink).text(`${n}  (${pct}%)`, l.left + labelW + barMax + 8, y + 3, { width: 80, lineBreak: false });
  });
  doc.y = top + h;
}

/** A stacked horizontal bar per requirement group (CC1, CC2 … or A.5, A.6 …). */
export function groupStacks(l: Layout, groups: { label: string; title: string; counts: Record<string, number> }[]): void {
  const doc = l.doc;
  const rowH = 15;
  const labelW = 150;
  const barMax = l.width - labelW - 30;
  const max = Math.max(1, ...groups.map((g) => STATUSES.reduce((a, s) => a + (g.counts[s] ?? 0), 0)));
  l.ensure(Math.min(groups.length, 10) * rowH + 30);
  legend(l, STATUSES.map((s) => ({ label: s, color: STATUS_COLORS[s] })), l.left + labelW, doc.y);
  doc.y += 16;
  for (const g of groups) {
    l.ensure(rowH + 2);
    const y = doc.y;
    doc.font('Helvetica').fontSize(8).fillColor(COLORS.ink).text(pdfText(`${g.label}  ${g.title}`), l.left, y + 2.5, { width: labelW - 8, height: rowH - 2, ellipsis: true, lineBreak: false });
    let x = l.left + labelW;
    let n = 0;
    for (const s of STATUSES) {
      const c = g.counts[s] ?? 0;
      if (!c) continue;
      const w = (c / max) * barMax;
      doc.save().rect(x, y + 2, w, rowH - 5).fill(STATUS_COLORS[s]).restore();
      if (w > 12) doc.font('Helvetica-Bold').fontSize(7).fillColor('#ffffff').text(String(c), x, y + 4, { width: w, align: 'center', lineBreak: false });
      x += w;
      n += c;
    }
    doc.font('Helvetica').fontSize(7.5).fillColor(COLORS.muted).text(String(n), x + 4, y + 3.5, { lineBreak: false });
    doc.y = y + rowH;
  }
  doc.y += 6;
}

/** Stacked columns of decisions by outcome per time bucket. */
export function outcomeColumns(l: Layout, series: SeriesPoint[], opts: { height?: number; caption?: string } = {}): void {
  const doc = l.doc;
  const height = opts.height ?? 90;
  const outcomes = [...new Set(series.flatMap((p) => Object.keys(p.counts)))].sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  l.ensure(height + 40);
  const top = doc.y;
  const axisW = 34;
  const x0 = l.left + axisW;
  const w = l.width - axisW;
  const max = Math.max(1, ...series.map((p) => Object.values(p.counts).reduce((a, b) => a + b, 0)));
  // Axis and gridlines at 0, ½ and the maximum.
  doc.font('Helvetica').fontSize(6.5).fillColor(COLORS.muted);
  for (const f of [0, 0.5, 1]) {
    const y = top + height - f * height;
    doc.moveTo(x0, y).lineTo(x0 + w, y).lineWidth(0.3).strokeColor(COLORS.rule).stroke();
    doc.text(compact(Math.round(f * max)), l.left, y - 3, { width: axisW - 4, align: 'right', lineBreak: false });
  }
  const slot = w / Math.max(1, series.length);
  const bw = Math.max(1, Math.min(18, slot * 0.72));
  series.forEach((p, i) => {
    let y = top + height;
    outcomes.forEach((o, k) => {
      const c = p.counts[o] ?? 0;
      if (!c) return;
      const h = (c / max) * height;
      doc.save().rect(x0 + i * slot + (slot - bw) / 2, y - h, bw, h).fill(outcomeColor(o, k)).restore();
      y -= h;
    });
  });
  // First, middle and last bucket labels.
  doc.font('Helvetica').fontSize(6.5).fillColor(COLORS.muted);
  const marks = series.length <= 1 ? [0] : [0, Math.floor((series.length - 1) / 2), series.length - 1];
  for (const i of [...new Set(marks)]) {
    if (!series[i]) continue;
    const cx = x0 + i * slot + slot / 2;
    doc.text(series[i].bucket, cx - 30, top + height + 3, { width: 60, align: 'center', lineBreak: false });
  }
  doc.y = top + height + 14;
  if (outcomes.length) legend(l, outcomes.map((o, k) => ({ label: o, color: outcomeColor(o, k) })), x0, doc.y);
  if (opts.caption) doc.font('Helvetica').fontSize(7.5).fillColor(COLORS.muted).text(pdfText(opts.caption), x0 + w - 200, doc.y + 1, { width: 200, align: 'right', lineBreak: false });
  doc.y += 16;
  doc.font('Helvetica').fontSize(10).fillColor(COLORS.ink);
}

function order(o: string): number {
  return o === 'allow' ? 0 : o === 'deny' ? 1 : 2;
}

function compact(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(n >= 10_000_000 ? 0 : 1)}M`;
  if (n >= 10_000) return `${Math.round(n / 1000)}k`;
  if (n >= 1000) return `${(n / 1000).toFixed(1)}k`;
  return String(n);
}
