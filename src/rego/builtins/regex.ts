/**
 * Regex builtins. OPA uses Go's regexp (RE2 syntax); we translate each RE2
 * pattern into an equivalent JS RegExp (always with the `u` flag) and
 * reimplement Go's FindAll/Split/ReplaceAll loops on top of it.
 *
 * Where JS RegExp differs from RE2, and what the translator does:
 * - Syntax JS has and RE2 rejects (backreferences, lookaround, atomic groups,
 *   \Z, \C, possessive or stacked quantifiers) is rejected with Go's error text,
 *   so those constructs never reach the backtracking engine.
 * - `.` and the (?m) anchors are emitted as explicit classes/lookarounds (the
 *   JS `s`/`m` flags are never used), so RE2's semantics hold: `.` excludes
 *   only \n (not \r, U+2028…), line anchors only see \n, and `^` `$` \A \z
 *   are JS's input anchors. (Negative lookaheads such as (?![\s\S]) are
 *   avoided: V8 lets them succeed inside a surrogate pair.)
 * - \d \s \w are ASCII in RE2 (JS \s is Unicode); POSIX classes [[:alpha:]]
 *   do not exist in JS; both become explicit ranges.
 * - Inline flags (?i) (?m) (?s) (?U) may be scoped; JS has only global flags.
 *   (?i) for the whole pattern uses the `i` flag, otherwise affected literals
 *   and classes are case-expanded. (?U) swaps greedy and lazy quantifiers.
 * - Named groups (?P<name>…) become plain groups (Go allows names JS does not,
 *   such as `1a`, and duplicates); names are kept beside the RegExp.
 * - A literal `{` that is not a repeat, and `}` `]`, are escaped (the u flag
 *   rejects them bare); repeats of assertions (`^*`) are wrapped in (?:…).
 * - Go matches leftmost-first like JS, but ignores an empty match right after
 *   a previous match in FindAll/Split/ReplaceAll; those loops do the same here.
 * Known gaps: JS still backtracks, so a valid RE2 pattern with nested
 * quantifiers over overlapping input (`(a+)+$`) can take exponential time;
 * captures inside a repeated group are reset per iteration in JS.
 */
import type { Value } from '../value.js';
import type { BuiltinDef } from './contract.js';
import { builtinError, int, str } from './args.js';
import { goQuote } from './sprintf.js';

/** A parse error, worded as Go's regexp/syntax.Error. */
export class RegexSyntaxError extends Error {
  constructor(code: string, expr: string) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
  }
}

interface Flags { i: boolean; m: boolean; s: boolean; U: boolean }

/** Nested counted repeats, for Go's "invalid repeat count" size rule. */
interface RepeatNode { m: number; subs: RepeatNode[] }

interface Atom { src: string; quantifiable: boolean; reps: RepeatNode[] }

export interface CompiledRegex {
  readonly re: RegExp;
  /** Group names by group number (index 0 unused). */
  readonly names: readonly (string | undefined)[];
}

const ASCII_WORD: [number, number][] = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
const PERL_CLASSES: Record<string, [number, number][]> = {
  d: [[0x30, 0x39]],
  s: [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]],
  w: ASCII_WORD,
};
const POSIX_CLASSES: Record<string, [number, number][]> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: ASCII_WORD,
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};
const CATEGORIES = new Set(('C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps ' +
  'S Sc Sk Sm So Z Zl Zp Zs').split(' '));
const MAX_RUNE = 0x10ffff;
const MAX_REPEAT = 1000;
const MAX_DEPTH = 1000;

function complement(ranges: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of ranges) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_RUNE) out.push([next, MAX_RUNE]);
  return out;
}

/** A code point as JS regex source, escaped for use inside or outside a class. */
function lit(cp: number, inClass: boolean): string {
  const ch = String.fromCodePoint(cp);
  if (cp >= 0x20 && cp < 0x7f) {
    const special = inClass ? '\\]^-[' : '\\^$.*+?()[]{}|/';
    return special.includes(ch) ? '\\' + ch : ch;
  }
  return `\\u{${cp.toString(16)}}`;
}

const rangeSrc = ([lo, hi]: [number, number]): string => (lo === hi ? lit(lo, true) : `${lit(lo, true)}-${lit(hi, true)}`);

/** The code points equal to `cp` under simple case folding (approximated with JS case mapping). */
function caseVariants(cp: number): number[] {
  const out = new Set<number>([cp]);
  for (let round = 0; round < 2; round++) {
    for (const c of [...out]) {
      const ch = String.fromCodePoint(c);
      for (const m of [ch.toLowerCase(), ch.toUpperCase()]) {
        if ([...m].length === 1) out.add(m.codePointAt(0)!);
      }
    }
  }
  return [...out];
}

class Translator {
  private pos = 0;
  private groups = 0;
  private depth = 0;
  readonly names: (string | undefined)[] = [undefined];
  /** True when (?i) is applied by the JS `i` flag instead of expansion. */
  private readonly globalI: boolean;

  constructor(private readonly src: string) {
    this.globalI = /^\(\?[msU]*i[imsU]*\)/.test(src) && !/\(\?[imsU]*-[msU]*i/.test(src);
  }

  translate(): CompiledRegex {
    const body = this.alternation({ i: false, m: false, s: false, U: false });
    if (this.pos < this.src.length) throw new RegexSyntaxError('unexpected )', this.src); // a stray ')'
    try {
      return { re: new RegExp(body.src, this.globalI ? 'giu' : 'gu'), names: this.names };
    } catch {
      // Should not happen: the translation is meant to be always valid JS.
      throw new RegexSyntaxError('invalid or unsupported Perl syntax', this.src);
    }
  }

  private peek(off = 0): string { return this.src[this.pos + off] ?? ''; }
  private rest(): string { return this.src.slice(this.pos); }

  private alternation(flags: Flags): Atom {
    const branches: Atom[] = [this.sequence(flags)];
    while (this.peek() === '|') {
      this.pos++;
      branches.push(this.sequence(flags));
    }
    if (branches.length === 1) return branches[0];
    return { src: branches.map((b) => b.src).join('|'), quantifiable: false, reps: branches.flatMap((b) => b.reps) };
  }

  private sequence(flags: Flags): Atom {
    const parts: Atom[] = [];
    let lastRepeatStart = -1;
    while (this.pos < this.src.length && this.peek() !== '|' && this.peek() !== ')') {
      const start = this.pos;
      const rep = this.repeatOp();
      if (rep) {
        if (lastRepeatStart >= 0) throw new RegexSyntaxError('invalid nested repetition operator', this.src.slice(lastRepeatStart, this.pos));
        const prev = parts.pop();
        if (!prev) throw new RegexSyntaxError('missing argument to repetition operator', this.src.slice(start, this.pos));
        parts.push(this.applyRepeat(prev, rep, flags, start));
        lastRepeatStart = start;
        continue;
      }
      lastRepeatStart = -1;
      const flagOnly = this.flagGroup(flags);
      if (flagOnly) { flags = flagOnly; continue; }
      parts.push(...this.atom(flags));
    }
    return { src: parts.map((p) => p.src).join(''), quantifiable: parts.length === 1 && parts[0].quantifiable, reps: parts.flatMap((p) => p.reps) };
  }

  /** Parses `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` (and a lazy `?`) at the cursor. */
  private repeatOp(): { min: number; max: number; lazy: boolean; counted: boolean } | undefined {
    const c = this.peek();
    let min: number; let max: number; let counted = false;
    if (c === '*' || c === '+' || c === '?') {
      this.pos++;
      [min, max] = c === '*' ? [0, -1] : c === '+' ? [1, -1] : [0, 1];
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.rest());
      // Not a repeat (Go also rejects leading zeros): a literal {
      if (!m || /^0\d/.test(m[1]) || (m[3] !== undefined && /^0\d/.test(m[3]))) return undefined;
      const start = this.pos;
      this.pos += m[0].length;
      const num = (s: string): number => (s.length > 8 ? -1 : Number(s));
      min = num(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? -1 : num(m[3]);
      if (m[3] && max < 0) min = -1; // too large
      if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max)) {
        throw new RegexSyntaxError('invalid repeat count', this.src.slice(start, this.pos));
      }
      counted = true;
    } else {
      return undefined;
    }
    let lazy = false;
    if (this.peek() === '?') { this.pos++; lazy = true; }
    return { min, max, lazy, counted };
  }

  private applyRepeat(atom: Atom, r: { min: number; max: number; lazy: boolean; counted: boolean }, flags: Flags, start: number): Atom {
    let reps = atom.reps;
    if (r.counted) {
      const node: RepeatNode = { m: r.max >= 0 ? r.max : r.min, subs: atom.reps };
      if ((r.min >= 2 || r.max >= 2) && !repeatIsValid([node], MAX_REPEAT)) {
        throw new RegexSyntaxError('invalid repeat count', this.src.slice(start, this.pos));
      }
      reps = [node];
    }
    const q = r.counted ? (r.min === r.max ? `{${r.min}}` : `{${r.min},${r.max < 0 ? '' : r.max}}`)
      : r.max < 0 ? (r.min === 0 ? '*' : '+') : '?';
    const lazy = r.lazy !== flags.U ? '?' : '';
    const base = atom.quantifiable ? atom.src : `(?:${atom.src})`;
    return { src: base + q + lazy, quantifiable: false, reps };
  }

  /** `(?flags)` alone changes the flags for the rest of the group. */
  private flagGroup(flags: Flags): Flags | undefined {
    if (!this.rest().startsWith('(?')) return undefined;
    const m = /^\(\?([imsU]*)(?:-([imsU]*))?\)/.exec(this.rest());
    if (!m || (m[2] !== undefined && m[2] === '')) return undefined;
    this.pos += m[0].length;
    return setFlags(flags, m[1], m[2] ?? '');
  }

  private atom(flags: Flags): Atom[] {
    const c = this.peek();
    switch (c) {
      case '(': return [this.group(flags)];
      case '[': return [this.charClass(flags)];
      case '.':
        this.pos++;
        return [{ src: flags.s ? '[\\0-\\u{10ffff}]' : '[^\\n]', quantifiable: true, reps: [] }];
      case '^':
        this.pos++;
        return [assertion(flags.m ? '(?<=^|\\n)' : '^')];
      case '$':
        this.pos++;
        return [assertion(flags.m ? '(?=\\n|$)' : '$')];
      case '\\': return this.escape(flags);
      default: {
        const cp = this.src.codePointAt(this.pos)!;
        this.pos += cp > 0xffff ? 2 : 1;
        return [this.literal(cp, flags)];
      }
    }
  }

  private literal(cp: number, flags: Flags): Atom {
    if (flags.i && !this.globalI) {
      const v = caseVariants(cp);
      if (v.length > 1) return { src: '[' + v.map((x) => lit(x, true)).join('') + ']', quantifiable: true, reps: [] };
    }
    return { src: lit(cp, false), quantifiable: true, reps: [] };
  }

  private group(flags: Flags): Atom {
    const start = this.pos;
    const rest = this.rest();
    let capture = false;
    let name: string | undefined;
    let inner = flags;
    if (rest.startsWith('(?P<') || (rest.startsWith('(?<') && rest.length > 4)) {
      const begin = rest[2] === 'P' ? 4 : 3;
      const end = rest.indexOf('>');
      if (end < 0) throw new RegexSyntaxError('invalid named capture', rest);
      name = rest.slice(begin, end);
      if (!/^[A-Za-z0-9_]+$/.test(name)) throw new RegexSyntaxError('invalid named capture', rest.slice(0, end + 1));
      this.pos += end + 1;
      capture = true;
    } else if (rest.startsWith('(?')) {
      const m = /^\(\?([imsU]*)(?:-([imsU]*))?:/.exec(rest);
      if (!m || m[2] === '') {
        const bad = /^\(\?[imsU]*(-[imsU]*)?[):]?/.exec(rest)![0];
        const shown = bad.length > 2 && /[):]$/.test(bad) ? bad : rest.slice(0, Math.min(rest.length, bad.length + 1));
        throw new RegexSyntaxError('invalid or unsupported Perl syntax', shown);
      }
      inner = setFlags(flags, m[1], m[2] ?? '');
      this.pos += m[0].length;
    } else {
      this.pos++;
      capture = true;
    }
    if (capture) this.names.push(name);
    if (capture) this.groups++;
    if (++this.depth > MAX_DEPTH) throw new RegexSyntaxError('expression nests too deeply', this.src);
    const body = this.alternation(inner);
    this.depth--;
    if (this.peek() !== ')') throw new RegexSyntaxError('missing closing )', this.src);
    this.pos++;
    return { src: (capture ? '(' : '(?:') + body.src + ')', quantifiable: true, reps: body.reps };
  }

  private escape(flags: Flags): Atom[] {
    const c = this.peek(1);
    if (c === '') throw new RegexSyntaxError('trailing backslash at end of expression', '');
    switch (c) {
      case 'A': this.pos += 2; return [assertion('^')];
      case 'z': this.pos += 2; return [assertion('$')];
      case 'b': this.pos += 2; return [assertion('\\b')];
      case 'B': this.pos += 2; return [assertion('\\B')];
      case 'Q': {
        const endQ = this.src.indexOf('\\E', this.pos + 2);
        const text = this.src.slice(this.pos + 2, endQ < 0 ? undefined : endQ);
        this.pos = endQ < 0 ? this.src.length : endQ + 2;
        return [...text].map((ch) => this.literal(ch.codePointAt(0)!, flags));
      }
      case 'p':
      case 'P': return [{ src: this.unicodeClass(), quantifiable: true, reps: [] }];
    }
    const perl = PERL_CLASSES[c.toLowerCase()];
    if (perl) {
      this.pos += 2;
      const ranges = c === c.toUpperCase() ? complement(perl) : perl;
      return [{ src: '[' + ranges.map(rangeSrc).join('') + ']', quantifiable: true, reps: [] }];
    }
    return [this.literal(this.escapedChar(), flags)];
  }

  /** A single-character escape (\n, \x41, \x{263a}, \101, \.), returning the code point. */
  private escapedChar(): number {
    const start = this.pos;
    this.pos++; // the backslash
    const cp = this.src.codePointAt(this.pos);
    if (cp === undefined) throw new RegexSyntaxError('trailing backslash at end of expression', '');
    const c = String.fromCodePoint(cp);
    this.pos += c.length;
    const bad = (): never => { throw new RegexSyntaxError('invalid escape sequence', this.src.slice(start, this.pos)); };
    if (cp < 0x80 && !/[0-9A-Za-z]/.test(c)) return cp;
    if (c >= '1' && c <= '7' && !/[0-7]/.test(this.peek())) bad();
    if (c >= '0' && c <= '7') {
      let r = cp - 0x30;
      for (let k = 0; k < 2 && /[0-7]/.test(this.peek()); k++) r = r * 8 + (this.src.charCodeAt(this.pos++) - 0x30);
      return r;
    }
    switch (c) {
      case 'a': return 7;
      case 'f': return 12;
      case 'n': return 10;
      case 'r': return 13;
      case 't': return 9;
      case 'v': return 11;
      case 'x': {
        if (this.peek() === '{') {
          this.pos++;
          let r = 0; let n = 0;
          for (;;) {
            const d = this.peek();
            if (d === '') bad();
            this.pos += d.length;
            if (d === '}') break;
            if (!/[0-9A-Fa-f]/.test(d)) bad();
            r = r * 16 + parseInt(d, 16);
            n++;
            if (r > MAX_RUNE) bad();
          }
          if (n === 0) bad();
          return r;
        }
        let h = '';
        for (let k = 0; k < 2 && this.pos < this.src.length; k++) {
          const d = String.fromCodePoint(this.src.codePointAt(this.pos)!);
          h += d;
          this.pos += d.length;
        }
        if (!/^[0-9A-Fa-f]{2}$/.test(h)) bad();
        return parseInt(h, 16);
      }
    }
    return bad();
  }

  /** \pL, \p{Greek}, \PL, \p{^Greek} as a JS property escape. */
  private unicodeClass(): string {
    const start = this.pos;
    let negate = this.peek(1) === 'P';
    this.pos += 2;
    let name: string;
    if (this.peek() === '{') {
      const end = this.src.indexOf('}', this.pos);
      if (end < 0) throw new RegexSyntaxError('invalid character class range', this.src.slice(start));
      name = this.src.slice(this.pos + 1, end);
      this.pos = end + 1;
    } else {
      const cp = this.src.codePointAt(this.pos);
      if (cp === undefined) throw new RegexSyntaxError('invalid character class range', this.src.slice(start));
      name = String.fromCodePoint(cp);
      this.pos += name.length;
    }
    if (name.startsWith('^')) { negate = !negate; name = name.slice(1); }
    const prop = name === 'Any' ? 'Any' : CATEGORIES.has(name) ? name : `Script=${name}`;
    const esc = `\\${negate ? 'P' : 'p'}{${prop}}`;
    if (!/^[A-Za-z_]+$/.test(name) || !isValidProperty(esc)) {
      throw new RegexSyntaxError('invalid character class range', this.src.slice(start, this.pos));
    }
    return esc;
  }

  private charClass(flags: Flags): Atom {
    const start = this.pos;
    this.pos++;
    let negate = false;
    if (this.peek() === '^') { negate = true; this.pos++; }
    const items: string[] = [];
    const ranges: [number, number][] = [];
    let first = true;
    for (;;) {
      if (this.pos >= this.src.length) throw new RegexSyntaxError('missing closing ]', this.src.slice(start));
      const c = this.peek();
      if (c === ']' && !first) { this.pos++; break; }
      first = false;
      if (c === '[' && this.peek(1) === ':') {
        const end = this.src.indexOf(':]', this.pos + 2);
        if (end >= 0) {
          let name = this.src.slice(this.pos + 2, end);
          const text = this.src.slice(this.pos, end + 2);
          const neg = name.startsWith('^');
          if (neg) name = name.slice(1);
          const cls = Object.prototype.hasOwnProperty.call(POSIX_CLASSES, name) ? POSIX_CLASSES[name] : undefined;
          if (!cls) throw new RegexSyntaxError('invalid character class range', text);
          ranges.push(...(neg ? complement(cls) : cls));
          this.pos = end + 2;
          continue;
        }
      }
      if (c === '\\') {
        const e = this.peek(1);
        if (e === 'p' || e === 'P') { items.push(this.unicodeClass()); continue; }
        const perl = PERL_CLASSES[e.toLowerCase()];
        if (perl) {
          this.pos += 2;
          ranges.push(...(e === e.toUpperCase() ? complement(perl) : perl));
          continue;
        }
      }
      const rangeStart = this.pos;
      const lo = this.classChar();
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== '') {
        this.pos++;
        const hi = this.classChar();
        if (hi < lo) throw new RegexSyntaxError('invalid character class range', this.src.slice(rangeStart, this.pos));
        ranges.push([lo, hi]);
      } else {
        ranges.push([lo, lo]);
      }
    }
    if (flags.i && !this.globalI) ranges.push(...foldRanges(ranges));
    const body = ranges.map(rangeSrc).join('') + items.join('');
    return { src: `[${negate ? '^' : ''}${body}]`, quantifiable: true, reps: [] };
  }

  /** One class member character (literal or escape). */
  private classChar(): number {
    if (this.peek() === '\\') {
      const e = this.peek(1);
      if (e === '') throw new RegexSyntaxError('trailing backslash at end of expression', '');
      if (/[dswDSWpPQ]/.test(e)) throw new RegexSyntaxError('invalid escape sequence', '\\' + e);
      return this.escapedChar();
    }
    const cp = this.src.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }
}

function assertion(src: string): Atom {
  return { src, quantifiable: false, reps: [] };
}

function setFlags(flags: Flags, on: string, off: string): Flags {
  const f = { ...flags };
  for (const c of on) f[c as keyof Flags] = true;
  for (const c of off) f[c as keyof Flags] = false;
  return f;
}

function repeatIsValid(nodes: RepeatNode[], n: number): boolean {
  for (const node of nodes) {
    let limit = n;
    if (node.m > 0) {
      if (node.m > limit) return false;
      limit = Math.floor(limit / node.m);
    }
    if (!repeatIsValid(node.subs, limit)) return false;
  }
  return true;
}

/** Extra ranges so that a class matches case variants of its members (scoped (?i)). */
function foldRanges(ranges: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [lo, hi] of ranges) {
    if (hi - lo > 2000) continue; // huge ranges: assume they already contain their variants
    for (let cp = lo; cp <= hi; cp++) for (const v of caseVariants(cp)) if (v !== cp) out.push([v, v]);
  }
  return out;
}

const validProps = new Map<string, boolean>();
function isValidProperty(esc: string): boolean {
  let ok = validProps.get(esc);
  if (ok === undefined) {
    try { new RegExp(esc, 'u'); ok = true; } catch { ok = false; }
    validProps.set(esc, ok);
  }
  return ok;
}

// ---------------------------------------------------------------------------
// Compilation cache (bounded; oldest entry evicted first).

const CACHE_SIZE = 1000;
const cache = new Map<string, CompiledRegex | RegexSyntaxError>();

/** Compiles an RE2 pattern; throws RegexSyntaxError with Go's message. */
export function compileRegex(pattern: string): CompiledRegex {
  let entry = cache.get(pattern);
  if (entry === undefined) {
    try {
      entry = new Translator(pattern).translate();
    } catch (e) {
      if (!(e instanceof RegexSyntaxError)) throw e;
      entry = e;
    }
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(pattern, entry);
  }
  if (entry instanceof RegexSyntaxError) throw entry;
  return entry;
}

function compileFor(fn: string, pattern: string): CompiledRegex {
  try {
    return compileRegex(pattern);
  } catch (e) {
    if (e instanceof RegexSyntaxError) throw builtinError(fn, e.message);
    throw e;
  }
}

// ---------------------------------------------------------------------------
// Go's matching loops.

function execAt(re: RegExp, s: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(s);
}

const runeWidth = (s: string, i: number): number => (i < s.length && s.codePointAt(i)! > 0xffff ? 2 : 1);

/** Go's allMatches: successive matches, skipping an empty match right after a match. */
function allMatches(c: CompiledRegex, s: string, n: number): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  let pos = 0;
  let prevEnd = -1;
  while ((n < 0 || out.length < n) && pos <= s.length) {
    const m = execAt(c.re, s, pos);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    let accept = true;
    if (end === start) {
      if (start === prevEnd) accept = false;
      pos = start + runeWidth(s, start);
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) out.push(m);
  }
  return out;
}

function split(c: CompiledRegex, pattern: string, s: string): string[] {
  if (pattern !== '' && s === '') return [''];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of allMatches(c, s, -1)) {
    end = m.index;
    if (m.index + m[0].length !== 0) out.push(s.slice(beg, end));
    beg = m.index + m[0].length;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

/** Go's Regexp.Expand for a template: $1, ${1}, $name, ${name}, $$. */
function expand(template: string, m: RegExpExecArray, names: readonly (string | undefined)[]): string {
  let out = '';
  for (let i = 0; i < template.length;) {
    const d = template.indexOf('$', i);
    if (d < 0) { out += template.slice(i); break; }
    out += template.slice(i, d);
    i = d + 1;
    if (template[i] === '$') { out += '$'; i++; continue; }
    const ref = /^(?:\{(\w+)\}|(\w+))/.exec(template.slice(i));
    if (!ref) { out += '$'; continue; }
    i += ref[0].length;
    const name = ref[1] ?? ref[2];
    let group = -1;
    if (/^\d+$/.test(name)) group = name.length > 9 ? -1 : Number(name);
    else group = names.indexOf(name);
    if (group >= 0 && group < m.length) out += m[group] ?? '';
  }
  return out;
}

/** Go's ReplaceAllString. */
function replaceAll(c: CompiledRegex, s: string, repl: string): string {
  let out = '';
  let lastEnd = 0;
  let searchPos = 0;
  while (searchPos <= s.length) {
    const m = execAt(c.re, s, searchPos);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    out += s.slice(lastEnd, start);
    if (end > lastEnd || start === 0) out += expand(repl, m, c.names);
    lastEnd = end;
    const w = runeWidth(s, searchPos);
    if (searchPos + w > end) searchPos += w;
    else if (searchPos + 1 > end) searchPos++;
    else searchPos = end;
  }
  return out + s.slice(lastEnd);
}

function test(c: CompiledRegex, s: string): boolean {
  return execAt(c.re, s, 0) !== null;
}

// ---------------------------------------------------------------------------
// regex.template_match

const QUOTE_META = /[\\.+*?()|[\]{}^$]/g;

function templateRegex(fn: string, tpl: string, open: string, close: string): CompiledRegex {
  const idxs: number[] = [];
  let level = 0;
  let idx = 0;
  for (let i = 0; i < tpl.length; i++) {
    if (tpl[i] === open) {
      if (++level === 1) idx = i;
    } else if (tpl[i] === close) {
      if (--level === 0) idxs.push(idx, i + 1);
      else if (level < 0) throw builtinError(fn, `unbalanced braces in ${goQuote(tpl)}`);
    }
  }
  if (level !== 0) throw builtinError(fn, `unbalanced braces in ${goQuote(tpl)}`);
  let pattern = '^';
  let end = 0;
  for (let i = 0; i < idxs.length; i += 2) {
    const raw = tpl.slice(end, idxs[i]);
    end = idxs[i + 1];
    const patt = tpl.slice(idxs[i] + 1, end - 1);
    pattern += raw.replace(QUOTE_META, '\\$&') + '(' + patt + ')';
    compileFor(fn, `^${patt}$`);
  }
  pattern += tpl.slice(end).replace(QUOTE_META, '\\$&') + '$';
  return compileFor(fn, pattern);
}

function templateMatch(fn: string, args: Value[]): boolean {
  const pattern = str(fn, args, 0);
  const match = str(fn, args, 1);
  const start = str(fn, args, 2);
  const end = str(fn, args, 3);
  const startLen = Buffer.byteLength(start);
  if (startLen !== 1) throw builtinError(fn, `start delimiter has to be exactly one character long but is ${startLen} long`);
  // OPA reports the start delimiter's length here too.
  if (Buffer.byteLength(end) !== 1) throw builtinError(fn, `end delimiter has to be exactly one character long but is ${startLen} long`);
  return test(templateRegex(fn, pattern, start, end), match);
}

// ---------------------------------------------------------------------------
// regex.globs_match: OPA's glob-intersection (gintersect) semantics, including its heuristics.

type GlobToken = { kind: 'char'; r: string; flag: '' | '+' | '*' } | { kind: 'dot'; flag: '' | '+' | '*' } | { kind: 'set'; runes: Set<string>; flag: '' | '+' | '*' };

function globError(input: string[], index: number, message: string): Error {
  return new Error(`input:${input.join('')}, pos:${index}, ${message}: the input provided is invalid`);
}

function tokenizeGlob(text: string): GlobToken[] {
  const input = [...text];
  const tokens: GlobToken[] = [];
  let i = 0;
  const nextRune = (): { r: string; escaped: boolean } | undefined => {
    if (i >= input.length) return undefined;
    if (input[i] === '\\') {
      // Two backslashes, as the conformance corpus expects this message.
      if (i === input.length - 1) throw globError(input, i, 'input ends with a \\\\ (escape) character');
      i += 2;
      return { r: input[i - 1], escaped: true };
    }
    return { r: input[i++], escaped: false };
  };
  for (;;) {
    const t = nextRune();
    if (!t) break;
    let token: GlobToken;
    if (!t.escaped && t.r === '.') token = { kind: 'dot', flag: '' };
    else if (!t.escaped && t.r === ']') throw globError(input, i, "set-close ']' with no preceding '['");
    else if (!t.escaped && t.r === '[') token = tokenizeSet();
    else if (!t.escaped && (t.r === '+' || t.r === '*')) throw globError(input, i, `flag '${t.r}' must be preceded by a non-flag`);
    else token = { kind: 'char', r: t.r, flag: '' };
    if (i < input.length && (input[i] === '+' || input[i] === '*')) token.flag = input[i++] as '+' | '*';
    tokens.push(token);
  }
  return simplifyGlob(tokens);

  function tokenizeSet(): GlobToken {
    const runes = new Set<string>();
    let prev = '';
    let prevExists = false;
    for (;;) {
      const t = nextRune();
      if (!t) throw globError(input, i, 'found [ without matching ]');
      if (t.escaped) { runes.add(t.r); prev = t.r; prevExists = true; continue; }
      if (t.r === ']') return { kind: 'set', runes, flag: '' };
      if (t.r !== '-') { runes.add(t.r); prev = t.r; prevExists = true; continue; }
      if (!prevExists) throw globError(input, i, "range character '-' must be preceded by a Unicode character");
      if (i >= input.length - 1) throw globError(input, i, "range character '-' must be followed by a Unicode character");
      const hi = nextRune()!;
      if (!hi.escaped && (hi.r === ']' || hi.r === '-')) throw globError(input, i, "range character '-' cannot be followed by a special symbol");
      const lo = prev.codePointAt(0)!;
      const h = hi.r.codePointAt(0)!;
      if (h < lo) throw globError(input, i, `range is out of order: '${hi.r}' comes before '${prev}' in Unicode`);
      for (let x = lo; x <= h; x++) runes.add(String.fromCodePoint(x));
      prevExists = false;
    }
  }
}

/** Merges consecutive equal flagged tokens (`a*a*` → `a*`), as gintersect does. */
function simplifyGlob(tokens: GlobToken[]): GlobToken[] {
  const out: GlobToken[] = [];
  for (const t of tokens) {
    const last = out[out.length - 1];
    if (last && last.flag !== '' && t.flag !== '' && sameToken(last, t)) {
      if (last.flag === '+' && t.flag === '*') last.flag = '*';
      continue;
    }
    out.push(t);
  }
  return out;
}

function sameToken(a: GlobToken, b: GlobToken): boolean {
  if (a.kind === 'char' && b.kind === 'char') return a.r === b.r;
  if (a.kind === 'dot' && b.kind === 'dot') return true;
  if (a.kind === 'set' && b.kind === 'set') return a.runes.size === b.runes.size && [...a.runes].every((r) => b.runes.has(r));
  return false;
}

function tokensMatch(a: GlobToken, b: GlobToken): boolean {
  if (a.kind === 'dot' || b.kind === 'dot') return true;
  if (a.kind === 'char' && b.kind === 'char') return a.r === b.r;
  if (a.kind === 'char' && b.kind === 'set') return b.runes.has(a.r);
  if (a.kind === 'set' && b.kind === 'char') return a.runes.has(b.r);
  if (a.kind === 'set' && b.kind === 'set') return [...a.runes].some((r) => b.runes.has(r));
  return false;
}

function globsIntersect(lhs: string, rhs: string): boolean {
  let g1 = tokenizeGlob(lhs);
  let g2 = tokenizeGlob(rhs);
  // Trim matching unflagged prefixes and suffixes (keeping one token each side).
  let l = 0;
  for (; l < g1.length && l < g2.length && g1[l].flag === '' && g2[l].flag === ''; l++) {
    if (!tokensMatch(g1[l], g2[l])) return false;
  }
  if (l > 0) l--;
  let r1 = g1.length - 1;
  let r2 = g2.length - 1;
  for (; r1 >= 0 && r1 >= l && r2 >= 0 && r2 >= l && g1[r1].flag === '' && g2[r2].flag === ''; r1--, r2--) {
    if (!tokensMatch(g1[r1], g2[r2])) return false;
  }
  if (r1 < g1.length - 1) { r1++; r2++; }
  g1 = g1.slice(l, r1 + 1);
  g2 = g2.slice(l, r2 + 1);
  return intersectNormal(g1, g2);
}

function intersectNormal(g1: GlobToken[], g2: GlobToken[]): boolean {
  let i = 0;
  for (; i < g1.length && i < g2.length; i++) {
    if (g1[i].flag === '' && g2[i].flag === '') {
      if (!tokensMatch(g1[i], g2[i])) return false;
    } else {
      return intersectSpecial(g1.slice(i), g2.slice(i));
    }
  }
  return i === g1.length && i === g2.length;
}

function intersectSpecial(g1: GlobToken[], g2: GlobToken[]): boolean {
  const [flagged, other] = g1[0].flag !== '' ? [g1, g2] : [g2, g1];
  if (flagged[0].flag === '+') {
    if (!tokensMatch(flagged[0], other[0])) return false;
    return intersectStar(flagged, other.slice(1));
  }
  return intersectStar(flagged, other);
}

function intersectStar(starred: GlobToken[], other: GlobToken[]): boolean {
  const star = starred[0];
  const next = starred[1];
  for (let i = 0; i < other.length; i++) {
    const t = other[i];
    if (next && tokensMatch(t, next)) {
      if (intersectNormal(starred.slice(1), other.slice(i))) return true;
      if (!tokensMatch(t, star)) return false;
    } else if (!tokensMatch(t, star)) {
      return false;
    }
  }
  return next === undefined;
}

function globsMatch(fn: string, args: Value[]): boolean {
  const a = str(fn, args, 0);
  const b = str(fn, args, 1);
  try {
    return globsIntersect(a, b);
  } catch (e) {
    throw builtinError(fn, (e as Error).message);
  }
}

// ---------------------------------------------------------------------------

function matchDef(name: string, deprecated = false): BuiltinDef {
  return {
    name,
    args: ['string', 'string'],
    deprecated,
    fn: (args) => test(compileFor(name, str(name, args, 0)), str(name, args, 1)),
  };
}

export const builtins: BuiltinDef[] = [
  matchDef('regex.match'),
  matchDef('re_match', true),
  {
    name: 'regex.is_valid',
    args: ['string'], // declared string (a literal non-string is a type error), yet false at run time, as in OPA
    fn: (args) => {
      if (typeof args[0] !== 'string') return false;
      try { compileRegex(args[0]); return true; } catch (e) {
        if (e instanceof RegexSyntaxError) return false;
        throw e;
      }
    },
  },
  {
    name: 'regex.split',
    args: ['string', 'string'],
    fn: (args) => {
      const pattern = str('regex.split', args, 0);
      return split(compileFor('regex.split', pattern), pattern, str('regex.split', args, 1));
    },
  },
  {
    name: 'regex.find_n',
    args: ['string', 'string', 'number'],
    fn: (args) => {
      const c = compileFor('regex.find_n', str('regex.find_n', args, 0));
      const s = str('regex.find_n', args, 1);
      const n = int('regex.find_n', args, 2);
      return allMatches(c, s, n).map((m) => m[0]);
    },
  },
  {
    name: 'regex.find_all_string_submatch_n',
    args: ['string', 'string', 'number'],
    fn: (args) => {
      const fn = 'regex.find_all_string_submatch_n';
      const c = compileFor(fn, str(fn, args, 0));
      const s = str(fn, args, 1);
      const n = int(fn, args, 2);
      return allMatches(c, s, n).map((m) => Array.from(m, (g) => g ?? ''));
    },
  },
  {
    name: 'regex.replace',
    args: ['string', 'string', 'string'],
    fn: (args) => {
      const s = str('regex.replace', args, 0);
      const c = compileFor('regex.replace', str('regex.replace', args, 1));
      return replaceAll(c, s, str('regex.replace', args, 2));
    },
  },
  {
    name: 'regex.template_match',
    args: ['string', 'string', 'string', 'string'],
    fn: (args) => templateMatch('regex.template_match', args),
  },
  { name: 'regex.globs_match', args: ['string', 'string'], fn: (args) => globsMatch('regex.globs_match', args) },
];
