/**
 * The Rego lexer. It turns source text into a flat token array up front so
 * the parser can backtrack by index, as OPA's parser does with save/restore.
 *
 * Keywords are not decided here: every word is an `ident` token, and the
 * parser asks its current keyword set (which `import future.keywords…` and
 * `import rego.v1` change mid-file) whether a word is a keyword.
 *
 * Whitespace matters to the parser in a few places (`a [x]` is not a ref,
 * expressions in a body need a newline or `;` between them), so each token
 * records whether whitespace or a comment precedes it and whether a newline does.
 */
import type { Location } from './errors.js';

export type TokenKind =
  | 'eof' | 'illegal' | 'ident' | 'number' | 'string' | 'rawstring' | 'template'
  | '[' | ']' | '{' | '}' | '(' | ')' | ',' | ':' | ';' | '.'
  | ':=' | '=' | '==' | '!=' | '<' | '<=' | '>' | '>='
  | '+' | '-' | '*' | '/' | '%' | '&' | '|';

export interface Token {
  kind: TokenKind;
  /** The source text of the token (strings include their quotes). */
  text: string;
  row: number;
  col: number;
  /** Whitespace or a comment directly precedes this token. */
  ws: boolean;
  /** A newline lies between the previous token and this one. */
  nl: boolean;
  /** A scanner error (non-terminated string, bad number …), reported when the parser reaches the token. */
  error?: string;
}

/** A `#` comment: its text after the `#`, and where the `#` stands. */
export interface Comment {
  text: string;
  row: number;
  col: number;
}

export interface LexResult {
  tokens: Token[];
  comments: Comment[];
}

/** Thrown when the token limit is exceeded; the parser turns it into a rego_parse_error. */
export class LexLimitError extends Error {
  constructor(readonly limit: number, readonly loc: Location) {
    super(`maximum number of tokens exceeded (${limit})`);
  }
}

const SINGLE: Record<string, TokenKind> = {
  '[': '[', ']': ']', '{': '{', '}': '}', '(': '(', ')': ')', ',': ',', ';': ';', '.': '.',
  '+': '+', '-': '-', '*': '*', '/': '/', '%': '%', '&': '&', '|': '|',
};

function isLetter(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}
function isDecimal(c: string): boolean {
  return c >= '0' && c <= '9';
}
const UNICODE_DIGIT = /^\p{Nd}$/u;

export function lex(source: string, file: string, maxTokens: number): LexResult {
  const tokens: Token[] = [];
  const comments: Comment[] = [];
  const src = source;
  const n = src.length;
  let i = 0;
  let row = 1;
  let col = 1;
  if (src[0] === '\uFEFF') i = 1;

  let ws = false;
  let nl = false;

  // Columns count code points, as OPA's do; a surrogate pair is one column.
  const advance = (): void => {
    const c = src.charCodeAt(i++);
    if (c === 10) { row++; col = 1; return; }
    col++;
    if (c >= 0xd800 && c < 0xdc00 && i < n) {
      const d = src.charCodeAt(i);
      if (d >= 0xdc00 && d < 0xe000) i++;
    }
  };
  /** Identifier continuation: ASCII letters, `_` and any Unicode decimal digit (as OPA's scanner). */
  const isIdentPart = (at: number): boolean => {
    const c = src[at];
    if (c === undefined) return false;
    if (isLetter(c) || isDecimal(c)) return true;
    const cp = src.codePointAt(at) ?? 0;
    return cp >= 0x80 && UNICODE_DIGIT.test(String.fromCodePoint(cp));
  };
  const push = (kind: TokenKind, text: string, r: number, c: number, error?: string): void => {
    if (tokens.length >= maxTokens) throw new LexLimitError(maxTokens, { file, row: r, col: c });
    const tok: Token = { kind, text, row: r, col: c, ws, nl };
    if (error) tok.error = error;
    tokens.push(tok);
    ws = false;
    nl = false;
  };

  while (i < n) {
    const c = src[i];
    const r = row;
    const cl = col;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      if (c === '\n') nl = true;
      ws = true;
      advance();
      continue;
    }
    if (c === '#') {
      const start = i + 1;
      while (i < n && src[i] !== '\n') advance();
      let text = src.slice(start, i);
      if (text.endsWith('\r')) text = text.slice(0, -1);
      comments.push({ text, row: r, col: cl });
      ws = true;
      continue;
    }
    if (isLetter(c)) {
      const start = i;
      while (isIdentPart(i)) advance();
      push('ident', src.slice(start, i), r, cl);
      continue;
    }
    if (isDecimal(c)) {
      const start = i;
      const error = scanNumber();
      push('number', src.slice(start, i), r, cl, error);
      continue;
    }
    if (c === '"') {
      const start = i;
      advance();
      let error: string | undefined;
      for (;;) {
        const ch = src[i];
        if (ch === undefined || ch === '\n') { error = 'non-terminated string'; break; }
        advance();
        if (ch === '"') break;
        if (ch === '\\') {
          const e = src[i];
          if (e !== undefined && '\\"/bfnrt'.includes(e)) advance();
          else if (e === 'u') { for (let k = 0; k < 5 && i < n && src[i] !== '\n'; k++) advance(); }
          else { error ??= 'illegal escape sequence'; }
        }
      }
      push('string', src.slice(start, i), r, cl, error);
      continue;
    }
    if (c === '`') {
      const start = i;
      advance();
      let error: string | undefined;
      for (;;) {
        const ch = src[i];
        if (ch === undefined) { error = 'non-terminated string'; break; }
        advance();
        if (ch === '`') break;
      }
      push('rawstring', src.slice(start, i), r, cl, error);
      continue;
    }
    advance();
    const next = src[i];
    switch (c) {
      case ':':
        if (next === '=') { advance(); push(':=', ':=', r, cl); } else push(':', ':', r, cl);
        break;
      case '=':
        if (next === '=') { advance(); push('==', '==', r, cl); } else push('=', '=', r, cl);
        break;
      case '<':
        if (next === '=') { advance(); push('<=', '<=', r, cl); } else push('<', '<', r, cl);
        break;
      case '>':
        if (next === '=') { advance(); push('>=', '>=', r, cl); } else push('>', '>', r, cl);
        break;
      case '!':
        if (next === '=') { advance(); push('!=', '!=', r, cl); } else push('illegal', c, r, cl, 'illegal ! character');
        break;
      case '$': {
        // OPA 1.12's string interpolation: $"…{expr}…" or $`…{expr}…`. The token keeps
        // the whole text; the parser splits it into literal parts and expressions.
        if (next !== '"' && next !== '`') { push('illegal', c, r, cl, 'illegal $ character'); break; }
        const start = i - 1;
        const close = next;
        advance();
        let depth = 0;
        let error: string | undefined;
        for (;;) {
          const ch = src[i];
          if (ch === undefined || (close === '"' && ch === '\n' && depth === 0)) { error = 'non-terminated template string'; break; }
          advance();
          if (depth === 0) {
            if (ch === close) break;
            if (ch === '\\' && close === '"') { if (i < n) advance(); continue; }
            if (ch === '{') depth = 1;
            continue;
          }
          // Inside {…}: nested braces and string literals (which may contain braces).
          if (ch === '{') depth++;
          else if (ch === '}') depth--;
          else if (ch === '"' || ch === '`') {
            while (i < n && src[i] !== ch) { if (ch === '"' && src[i] === '\\') advance(); advance(); }
            if (i < n) advance();
          }
        }
        push('template', src.slice(start, i), r, cl, error);
        break;
      }
      case '\u0000':
        push('illegal', c, r, cl, 'illegal null character');
        break;
      case '\uFEFF':
        push('illegal', c, r, cl, 'illegal byte-order mark');
        break;
      default: {
        const kind = SINGLE[c];
        push(kind ?? 'illegal', c, r, cl);
      }
    }
  }
  push('eof', '', row, col);
  return { tokens, comments };

  /** Scans a number the way OPA's scanner does; returns an error message for malformed ones. */
  function scanNumber(): string | undefined {
    let error: string | undefined;
    while (i < n && isDecimal(src[i])) advance();
    if (src[i] === '.') {
      advance();
      let found = false;
      while (i < n && isDecimal(src[i])) { advance(); found = true; }
      if (!found) error = 'expected fraction';
    }
    if (src[i] === 'e' || src[i] === 'E') {
      advance();
      if (src[i] === '+' || src[i] === '-') advance();
      let found = false;
      while (i < n && isDecimal(src[i])) { advance(); found = true; }
      if (!found) error ??= 'expected exponent';
    }
    if (i < n && isLetter(src[i])) {
      error ??= 'illegal number format';
      while (isIdentPart(i)) advance();
    }
    return error;
  }
}
