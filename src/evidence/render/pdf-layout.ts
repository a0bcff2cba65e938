/**
 * A small layout layer over pdfkit: headings that feed the table of contents
 * and the PDF outline, paragraphs, key/value blocks, code boxes, and tables
 * that wrap every cell and continue on the next page with their header
 * repeated. Page furniture (running header, "Page i of n") is drawn once all
 * pages exist, which is also when the table of contents learns its numbers.
 */
import PDFDocument from 'pdfkit';

export const COLORS = {
  ink: '#1f2933',
  muted: '#616e7c',
  faint: '#9aa5b1',
  rule: '#d9e2ec',
  zebra: '#f5f7fa',
  accent: '#0b5cad',
  accentSoft: '#e6f0fa',
  codeBg: '#f4f5f7',
  covered: '#2e7d32',
  partial: '#e08e0b',
  manual: '#5c6bc0',
  gap: '#c62828',
  allow: '#43a047',
  deny: '#e53935',
  other: '#90a4ae',
} as const;

export const STATUS_COLORS: Record<string, string> = { covered: COLORS.covered, partial: COLORS.partial, manual: COLORS.manual, gap: COLORS.gap };

export function outcomeColor(outcome: string, i = 0): string {
  if (outcome === 'allow') return COLORS.allow;
  if (outcome === 'deny') return COLORS.deny;
  const extra = ['#90a4ae', '#8e7cc3', '#4fa3c7', '#c79a4f', '#6d8f71'];
  return extra[i % extra.length];
}

// Characters the standard fonts (WinAnsiEncoding) can show beyond Latin-1.
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
const REPLACEMENTS: Record<string, string> = { '→': '->', '←': '<-', '≥': '>=', '≤': '<=', '≠': '!=', '✓': 'yes', '✗': 'no', '×': 'x', '\t': '  ' };

/** Text the standard PDF fonts can render: other characters become close ASCII or `?`. */
export function pdfText(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\n' || (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(ch)) out += ch;
    else out += REPLACEMENTS[ch] ?? '?';
  }
  return out;
}

export interface TocEntry {
  title: string;
  level: number;
  page: number;
  dest: string;
}

export interface Column {
  header: string;
  /** Share of the available width (the shares are normalised). */
  width: number;
  align?: 'left' | 'right' | 'center';
  font?: 'Helvetica' | 'Courier';
}

export type Cell = string | { text: string; color?: string; bold?: boolean; fill?: string };

const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const MONO = 'Courier';

export class Layout {
  readonly doc: PDFKit.PDFDocument;
  readonly toc: TocEntry[] = [];
  private destCount = 0;
  private outlineStack: PDFKit.PDFOutline[] = [];

  constructor(info: Record<string, string>) {
    this.doc = new PDFDocument({
      size: 'A4',
      margins: { top: 70, bottom: 64, left: 56, right: 56 },
      bufferPages: true,
      autoFirstPage: false,
      info: { ...info, CreationDate: new Date() } as PDFKit.DocumentInfo,
      displayTitle: true,
      lang: 'en',
    });
  }

  get left(): number {
    return this.doc.page.margins.left;
  }

  get width(): number {
    return this.doc.page.width - this.doc.page.margins.left - this.doc.page.margins.right;
  }

  get bottom(): number {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }

  get pageIndex(): number {
    const r = this.doc.bufferedPageRange();
    return r.start + r.count - 1;
  }

  newPage(): void {
    this.doc.addPage();
    this.doc.x = this.left;
  }

  /** Starts a new page unless `h` points still fit on this one. */
  ensure(h: number): void {
    if (this.doc.y + h > this.bottom) this.newPage();
  }

  space(h = 8): void {
    this.doc.y += h;
  }

  heading(level: 1 | 2 | 3, title: string, opts: { toc?: boolean; newPage?: boolean } = {}): void {
    const doc = this.doc;
    if (opts.newPage) this.newPage();
    const size = level === 1 ? 20 : level === 2 ? 14 : 11.5;
    this.ensure(size * 3.2);
    if (level > 1 && doc.y > doc.page.margins.top + 4) this.space(level === 2 ? 10 : 6);
    const dest = `sec-${++this.destCount}`;
    doc.addNamedDestination(dest, 'XYZ', 0, doc.page.height - doc.y + 10, null as unknown as number);
    if (opts.toc !== false) {
      this.toc.push({ title, level, page: this.pageIndex, dest });
      const parent = level === 1 ? doc.outline : this.outlineStack[level - 2] ?? doc.outline;
      const item = parent.addItem(pdfText(title));
      this.outlineStack[level - 1] = item;
      this.outlineStack.length = level;
    }
    doc.font(BOLD).fontSize(size).fillColor(level === 1 ? COLORS.accent : COLORS.ink);
    doc.text(pdfText(title), this.left, doc.y, { width: this.width });
    if (level === 1) {
      const y = doc.y + 3;
      doc.moveTo(this.left, y).lineTo(this.left + this.width, y).lineWidth(1.2).strokeColor(COLORS.accent).stroke();
      doc.y = y + 10;
    } else {
      doc.y += level === 2 ? 4 : 2;
    }
    doc.font(FONT).fontSize(10).fillColor(COLORS.ink);
  }

  para(text: string, opts: { size?: number; color?: string; bold?: boolean; indent?: number; gap?: number } = {}): void {
    const doc = this.doc;
    const size = opts.size ?? 10;
    doc.font(opts.bold ? BOLD : FONT).fontSize(size).fillColor(opts.color ?? COLORS.ink);
    const x = this.left + (opts.indent ?? 0);
    const w = this.width - (opts.indent ?? 0);
    const h = doc.heightOfString(pdfText(text), { width: w, lineGap: 2 });
    if (h < this.bottom - doc.page.margins.top) this.ensure(h);
    doc.text(pdfText(text), x, doc.y, { width: w, lineGap: 2 });
    doc.y += opts.gap ?? 5;
    doc.fillColor(COLORS.ink);
  }

  bullets(items: string[], opts: { color?: string } = {}): void {
    for (const it of items) {
      const doc = this.doc;
      doc.font(FONT).fontSize(10);
      const h = doc.heightOfString(pdfText(it), { width: this.width - 14, lineGap: 2 });
      this.ensure(h + 2);
      const y = doc.y;
      doc.fillColor(opts.color ?? COLORS.accent).circle(this.left + 4, y + 5, 1.8).fill();
      doc.fillColor(COLORS.ink).text(pdfText(it), this.left + 14, y, { width: this.width - 14, lineGap: 2 });
      doc.y += 3;
    }
    this.space(3);
  }

  /** Label/value lines with the labels in a narrow muted column. */
  keyValues(pairs: [string, string][], opts: { labelWidth?: number; size?: number; mono?: string[] } = {}): void {
    const doc = this.doc;
    const lw = opts.labelWidth ?? 120;
    const size = opts.size ?? 10;
    for (const [k, v] of pairs) {
      const font = opts.mono?.includes(k) ? MONO : FONT;
      doc.font(font).fontSize(font === MONO ? size - 1 : size);
      const h = Math.max(doc.heightOfString(pdfText(v || '-'), { width: this.width - lw, lineGap: 1.5 }), size + 2);
      this.ensure(h + 4);
      const y = doc.y;
      doc.font(BOLD).fontSize(size - 1).fillColor(COLORS.muted).text(pdfText(k), this.left, y + 0.5, { width: lw - 8 });
      doc.font(font).fontSize(font === MONO ? size - 1 : size).fillColor(COLORS.ink).text(pdfText(v || '-'), this.left + lw, y, { width: this.width - lw, lineGap: 1.5 });
      doc.y = Math.max(doc.y, y + h) + 4;
    }
    doc.font(FONT).fontSize(10);
  }

  /** A monospaced excerpt in a tinted box, split across pages when long. */
  code(text: string, opts: { firstLine?: number; caption?: string } = {}): void {
    const doc = this.doc;
    const size = 7.6;
    const lines = pdfText(text).split('\n');
    const gutter = opts.firstLine !== undefined ? 26 : 0;
    const innerW = this.width - 12 - gutter;
    if (opts.caption) {
      this.ensure(40);
      doc.font(FONT).fontSize(8.5).fillColor(COLORS.muted).text(pdfText(opts.caption), this.left, doc.y, { width: this.width });
      doc.y += 2;
    }
    doc.font(MONO).fontSize(size);
    let i = 0;
    while (i < lines.length) {
      this.ensure(size * 2 + 8);
      const top = doc.y;
      let y = top + 5;
      const chunk: { n: number; text: string; h: number }[] = [];
      while (i < lines.length) {
        const h = Math.max(doc.heightOfString(lines[i] || ' ', { width: innerW }), size * 1.2);
        if (y + h > this.bottom - 5 && chunk.length > 0) break;
        chunk.push({ n: i, text: lines[i], h });
        y += h;
        i++;
      }
      doc.save().rect(this.left, top, this.width, y - top + 5).fill(COLORS.codeBg).restore();
      doc.save().rect(this.left, top, 2.5, y - top + 5).fill(COLORS.accent).restore();
      let yy = top + 5;
      for (const l of chunk) {
        if (gutter) doc.font(MONO).fontSize(size - 0.6).fillColor(COLORS.faint).text(String((opts.firstLine ?? 1) + l.n), this.left + 5, yy + 0.4, { width: gutter - 4, align: 'right', lineBreak: false });
        doc.font(MONO).fontSize(size).fillColor(COLORS.ink).text(l.text || ' ', this.left + 8 + gutter, yy, { width: innerW });
        yy += l.h;
      }
      doc.y = y + 9;
    }
    doc.font(FONT).fontSize(10).fillColor(COLORS.ink);
  }

  /** A table: wraps cells, never overflows a page, repeats its header on continuation pages. */
  table(columns: Column[], rows: Cell[][], opts: { size?: number; empty?: string } = {}): void {
    const doc = this.doc;
    const size = opts.size ?? 8.5;
    const pad = 4;
    const total = columns.reduce((a, c) => a + c.width, 0);
    const widths = columns.map((c) => (c.width / total) * this.width);
    const xs = widths.map((_, i) => this.left + widths.slice(0, i).reduce((a, b) => a + b, 0));
    const maxRowH = this.bottom - doc.page.margins.top - 40;

    const cellText = (c: Cell) => pdfText(typeof c === 'string' ? c : c.text);
    const fontOf = (col: Column, c: Cell) => (typeof c !== 'string' && c.bold ? BOLD : col.font === 'Courier' ? MONO : FONT);
    const sizeOf = (col: Column) => (col.font === 'Courier' ? size - 0.6 : size);

    const header = () => {
      doc.font(BOLD).fontSize(size);
      const h = Math.max(...columns.map((c, i) => doc.heightOfString(pdfText(c.header), { width: widths[i] - 2 * pad }))) + 2 * pad;
      const y = doc.y;
      doc.save().rect(this.left, y, this.width, h).fill(COLORS.accentSoft).restore();
      columns.forEach((c, i) => doc.font(BOLD).fontSize(size).fillColor(COLORS.accent).text(pdfText(c.header), xs[i] + pad, y + pad, { width: widths[i] - 2 * pad, align: c.align ?? 'left' }));
      doc.y = y + h;
    };

    const measure = (row: Cell[]) =>
      Math.max(...row.map((c, i) => {
        doc.font(fontOf(columns[i], c)).fontSize(sizeOf(columns[i]));
        return doc.heightOfString(cellText(c) || ' ', { width: widths[i] - 2 * pad, lineGap: 1 });
      })) + 2 * pad;

    this.ensure(size * 5);
    header();
    if (rows.length === 0) {
      this.para(opts.empty ?? 'None.', { size: size, color: COLORS.muted });
      return;
    }
    rows.forEach((row, r) => {
      let cells = row;
      let h = measure(cells);
      if (h > maxRowH) {
        // A single enormous cell is shortened rather than allowed to run off the page.
        cells = row.map((c) => {
          const t = cellText(c);
          return t.length > 1200 ? (typeof c === 'string' ? `${t.slice(0, 1200)}…` : { ...c, text: `${t.slice(0, 1200)}…` }) : c;
        });
        h = Math.min(measure(cells), maxRowH);
      }
      if (doc.y + h > this.bottom) {
        this.newPage();
        header();
      }
      const y = doc.y;
      if (r % 2 === 1) doc.save().rect(this.left, y, this.width, h).fill(COLORS.zebra).restore();
      cells.forEach((c, i) => {
        if (typeof c !== 'string' && c.fill) doc.save().rect(xs[i] + 1, y + 1, widths[i] - 2, h - 2).fill(c.fill).restore();
        doc.font(fontOf(columns[i], c)).fontSize(sizeOf(columns[i])).fillColor(typeof c !== 'string' && c.color ? c.color : COLORS.ink);
        doc.text(cellText(c), xs[i] + pad, y + pad, { width: widths[i] - 2 * pad, height: h - 2 * pad + 1, lineGap: 1, align: columns[i].align ?? 'left', ellipsis: true });
      });
      doc.moveTo(this.left, y + h).lineTo(this.left + this.width, y + h).lineWidth(0.4).strokeColor(COLORS.rule).stroke();
      doc.y = y + h;
    });
    doc.y += 8;
    doc.font(FONT).fontSize(10).fillColor(COLORS.ink);
  }

  /** A rounded label, e.g. a status. */
  pill(text: string, color: string, x: number, y: number, size = 8): number {
    const doc = this.doc;
    doc.font(BOLD).fontSize(size);
    const w = doc.widthOfString(pdfText(text).toUpperCase()) + 10;
    doc.save().roundedRect(x, y, w, size + 6, 3).fill(color).restore();
    doc.fillColor('#ffffff').text(pdfText(text).toUpperCase(), x + 5, y + 3.2, { lineBreak: false });
    doc.fillColor(COLORS.ink).font(FONT);
    return w;
  }

  /** Draws header and footer on every page but the first, and returns the page count. */
  furniture(headerText: string, footerText: string): number {
    const doc = this.doc;
    const range = doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      if (i === range.start) continue;
      const { left, right } = doc.page.margins;
      const w = doc.page.width - left - right;
      // Drawing in the margins must not make pdfkit open a new page.
      const savedBottom = doc.page.margins.bottom;
      doc.page.margins.bottom = 0;
      doc.font(FONT).fontSize(7.5).fillColor(COLORS.muted);
      doc.text(pdfText(headerText), left, 34, { width: w, align: 'left', lineBreak: false });
      doc.moveTo(left, 48).lineTo(left + w, 48).lineWidth(0.5).strokeColor(COLORS.rule).stroke();
      const fy = doc.page.height - 42;
      doc.moveTo(left, fy - 6).lineTo(left + w, fy - 6).lineWidth(0.5).strokeColor(COLORS.rule).stroke();
      doc.font(FONT).fontSize(7.5).fillColor(COLORS.muted).text(pdfText(footerText), left, fy, { width: w - 80, lineBreak: false });
      doc.font(BOLD).fontSize(8).fillColor(COLORS.ink).text(`Page ${i + 1} of ${range.count}`, left + w - 80, fy, { width: 80, align: 'right', lineBreak: false });
      doc.page.margins.bottom = savedBottom;
    }
    return range.count;
  }
}
