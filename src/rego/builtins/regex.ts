/**
 * Regex builtins. OPA uses Go's regexp package (RE2 syntax, linear-time
 * matching). Patterns are compiled with re2js, a port of RE2/Go regexp that
 * takes Go's syntax and reports Go's parse errors, so every builtin here runs
 * in time linear in the input (no backtracking: `(a+)+$` is safe). Go's
 * FindAll/Split/ReplaceAll loops are reimplemented on top of its Matcher.
 *
 * Remaining differences from Go's regexp:
 * - re2js rejects duplicate group names, which Go allows; such a pattern is
 *   recompiled with its names stripped and the names are kept beside it.
 * - Input is matched as UTF-16 code points rather than UTF-8, with the same
 *   results for well-formed strings; a lone surrogate is matched as that code
 *   point, where Go (which cannot hold one in a string) would see U+FFFD.
 * - re2js keeps its own Unicode tables, which may be a version apart from Go's.
 */
import { RE2JS, RE2JSException, RE2JSSyntaxException } from 're2js';
import type { Value } from '../value.js';
import type { BuiltinDef } from './contract.js';
import { builtinError, int, str } from './args.js';
import { goQuote } from './sprintf.js';

/** A parse error, worded as Go's regexp/syntax.Error. */
export class RegexSyntaxError extends Error {}

export interface CompiledRegex {
  readonly re: RE2JS;
  /** Group names by group number (index 0, the whole match, unused). */
  readonly names: readonly (string | undefined)[];
}

/**
 * Replaces every named group opener with a plain `(` and returns the names in
 * group order. Only used once re2js has parsed the pattern up to a duplicate
 * name, so the groups seen are well-formed.
 */
function stripGroupNames(pattern: string): { pattern: string; names: (string | undefined)[] } {
  const names: (string | undefined)[] = [undefined];
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '\\' && pattern[i + 1] === 'Q') {
      const end = pattern.indexOf('\\E', i + 2);
      const stop = end < 0 ? pattern.length : end + 2;
      out += pattern.slice(i, stop);
      i = stop;
    } else if (c === '\\') {
      out += pattern.slice(i, i + 2);
      i += 2;
    } else if (c === '[') {
      const stop = classEnd(pattern, i);
      out += pattern.slice(i, stop);
      i = stop;
    } else if (c === '(') {
      const named = /^\(\?P?<([A-Za-z0-9_]+)>/.exec(pattern.slice(i));
      if (named) {
        names.push(named[1]);
        out += '(';
        i += named[0].length;
      } else {
        if (pattern[i + 1] !== '?') names.push(undefined);
        out += c;
        i++;
      }
    } else {
      out += c;
      i++;
    }
  }
  return { pattern: out, names };
}

/** The index just past the character class opening at `start` (Go's rules: a leading `]` is literal). */
function classEnd(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === '^') i++;
  if (pattern[i] === ']') i++;
  while (i < pattern.length && pattern[i] !== ']') {
    if (pattern[i] === '\\') {
      i += 2;
    } else if (pattern.startsWith('[:', i) && pattern.indexOf(':]', i + 2) >= 0) {
      i = pattern.indexOf(':]', i + 2) + 2;
    } else {
      i++;
    }
  }
  return i + 1;
}

/**
 * Go's wording for a parse error: Go always quotes an expression, the whole
 * pattern for "expression too large" and "nests too deeply" and an empty one
 * for a trailing backslash, where re2js leaves the quote out.
 */
function goMessage(e: RE2JSException, pattern: string, compiled = pattern): string {
  if (!(e instanceof RE2JSSyntaxException)) return e.message;
  const input = e.input ?? (e.error.startsWith('trailing backslash') ? '' : compiled);
  return `error parsing regexp: ${e.error}: \`${input === compiled ? pattern : input}\``;
}

function compileUncached(pattern: string): CompiledRegex {
  try {
    const re = RE2JS.compile(pattern);
    const names: (string | undefined)[] = new Array(re.groupCount() + 1).fill(undefined);
    for (const [name, index] of Object.entries(re.namedGroups())) names[index] = name;
    return { re, names };
  } catch (e) {
    if (!(e instanceof RE2JSException)) throw e;
    if (!(e instanceof RE2JSSyntaxException && e.error === 'duplicate capture group name')) {
      throw new RegexSyntaxError(goMessage(e, pattern));
    }
  }
  const stripped = stripGroupNames(pattern);
  try {
    return { re: RE2JS.compile(stripped.pattern), names: stripped.names };
  } catch (e) {
    if (!(e instanceof RE2JSException)) throw e;
    throw new RegexSyntaxError(goMessage(e, pattern, stripped.pattern));
  }
}

// Compilation cache (bounded; oldest entry evicted first).
const CACHE_SIZE = 1000;
const cache = new Map<string, CompiledRegex | RegexSyntaxError>();

/** Compiles an RE2 pattern; throws RegexSyntaxError with Go's message. */
export function compileRegex(pattern: string): CompiledRegex {
  let entry = cache.get(pattern);
  if (entry === undefined) {
    try {
      entry = compileUncached(pattern);
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

/** re2js's estimate of the lazy-DFA state memory a cached pattern may keep between calls. */
const DFA_KEEP_BYTES = 64 * 1024;

/**
 * Drops a pattern's lazy-DFA states once they outgrow DFA_KEEP_BYTES. re2js
 * lets each pattern's DFA grow to 8 MB, so a full cache of patterns sent by
 * clients could otherwise hold gigabytes; the DFA rebuilds states on demand.
 */
function trimDfa(c: CompiledRegex): void {
  const dfa: { stateBudget: number; memBudget: number; clearCache(): void } | null | undefined = c.re.re2().lazyDFA;
  if (dfa && dfa.stateBudget - dfa.memBudget > DFA_KEEP_BYTES) dfa.clearCache();
}

/** A match: [start, end) in UTF-16 units, and the text of each group asked for (undefined if it did not take part). */
interface Match { start: number; end: number; groups: (string | undefined)[] }

/**
 * Searches `s` from successive positions, seeing the text before the position
 * as context for ^ and \b (as Go's loops do). `ngroups` is how many groups to
 * extract, counting the whole match; re2js only computes submatches on demand.
 */
function searcher(c: CompiledRegex, s: string, ngroups: number): (pos: number) => Match | undefined {
  const m = c.re.matcher(s);
  return (pos) => {
    if (!m.find(pos)) return undefined;
    const groups: (string | undefined)[] = [];
    for (let g = 0; g < ngroups; g++) groups.push(m.group(g) ?? undefined);
    return { start: m.start(), end: m.end(), groups };
  };
}

const runeWidth = (s: string, i: number): number => (i < s.length && s.codePointAt(i)! > 0xffff ? 2 : 1);

/** Go's allMatches: successive matches, skipping an empty match right after a match. */
function allMatches(c: CompiledRegex, s: string, n: number, ngroups: number): Match[] {
  const find = searcher(c, s, ngroups);
  const out: Match[] = [];
  let pos = 0;
  let prevEnd = -1;
  while ((n < 0 || out.length < n) && pos <= s.length) {
    const m = find(pos);
    if (!m) break;
    let accept = true;
    if (m.end === m.start) {
      if (m.start === prevEnd) accept = false;
      pos = m.start + runeWidth(s, m.start);
    } else {
      pos = m.end;
    }
    prevEnd = m.end;
    if (accept) out.push(m);
  }
  trimDfa(c);
  return out;
}

function split(c: CompiledRegex, pattern: string, s: string): string[] {
  if (pattern !== '' && s === '') return [''];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of allMatches(c, s, -1, 0)) {
    end = m.start;
    if (m.end !== 0) out.push(s.slice(beg, end));
    beg = m.end;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

/** Go's Regexp.Expand for a template: $1, ${1}, $name, ${name}, $$. */
function expand(template: string, groups: readonly (string | undefined)[], names: readonly (string | undefined)[]): string {
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
    let group: number;
    if (/^\d+$/.test(name)) group = name.length > 9 ? -1 : Number(name);
    // Go takes the leftmost group of that name that took part in the match.
    else group = names.findIndex((n, g) => n === name && groups[g] !== undefined);
    if (group >= 0 && group < groups.length) out += groups[group] ?? '';
  }
  return out;
}

/** Go's ReplaceAllString. */
function replaceAll(c: CompiledRegex, s: string, repl: string): string {
  // Groups are only extracted when the template refers to one.
  const find = searcher(c, s, repl.includes('$') ? c.names.length : 0);
  let out = '';
  let lastEnd = 0;
  let searchPos = 0;
  while (searchPos <= s.length) {
    const m = find(searchPos);
    if (!m) break;
    out += s.slice(lastEnd, m.start);
    if (m.end > lastEnd || m.start === 0) out += expand(repl, m.groups, c.names);
    lastEnd = m.end;
    const w = runeWidth(s, searchPos);
    if (searchPos + w > m.end) searchPos += w;
    else if (searchPos + 1 > m.end) searchPos++;
    else searchPos = m.end;
  }
  trimDfa(c);
  return out + s.slice(lastEnd);
}

/** Unanchored boolean match (re2js runs it on its DFA). */
function test(c: CompiledRegex, s: string): boolean {
  const found = c.re.test(s);
  trimDfa(c);
  return found;
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
      return allMatches(c, s, n, 1).map((m) => m.groups[0] ?? '');
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
      return allMatches(c, s, n, c.names.length).map((m) => m.groups.map((g) => g ?? ''));
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
