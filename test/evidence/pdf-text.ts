/**
 * Just enough PDF reading for tests, without poppler: inflate pdfkit's content
 * streams and decode the hex strings of its TJ operators (WinAnsi) into lines.
 */
import { inflateSync } from 'node:zlib';

export function pdfText(pdf: Buffer): string {
  const lines: string[] = [];
  const raw = pdf.toString('latin1');
  const re = /stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(raw))) {
    const start = m.index + m[0].length;
    const end = raw.indexOf('endstream', start);
    if (end < 0) break;
    let content: string;
    try {
      content = inflateSync(pdf.subarray(start, end)).toString('latin1');
    } catch {
      continue;
    }
    for (const tj of content.matchAll(/\[((?:<[0-9a-fA-F]*>|[-\d.\s])*)\]\s*TJ/g)) {
      let line = '';
      for (const hex of tj[1].matchAll(/<([0-9a-fA-F]*)>/g)) line += Buffer.from(hex[1], 'hex').toString('latin1');
      lines.push(line);
    }
    re.lastIndex = end;
  }
  return lines.join('\n');
}

export function pageCount(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
}
