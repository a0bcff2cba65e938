/**
 * String builtins (OPA's topdown/strings.go). Positions and lengths count
 * Unicode code points, as Go's rune-based implementations do, never UTF-16 units.
 */
import { BuiltinError } from '../errors.js';
import { formatNumber, isInteger, RObject, RSet, stringifyJSON, toBigInt, typeName, type Value } from '../value.js';
import type { BuiltinDef } from './contract.js';
import { builtinError, int, num, obj, str, typeError } from './args.js';

/** `<fn>: operand <n> <message>`, OPA's generic operand (type) error. */
function operandError(fn: string, index: number, message: string): BuiltinError {
  return new BuiltinError('eval_type_error', `${fn}: operand ${index + 1} ${message}`);
}

/** The strings of an array or set operand, with OPA's element error. */
function stringMembers(fn: string, v: RSet | Value[], index: number): string[] {
  const items = Array.isArray(v) ? v : v.values();
  const kind = Array.isArray(v) ? 'array' : 'set';
  return items.map((x) => {
    if (typeof x !== 'string') throw operandError(fn, index, `must be ${kind} of strings but got ${kind} containing ${typeName(x)}`);
    return x;
  });
}

/** A string, array of strings or set of strings operand, as a list. */
function stringOrStrings(fn: string, args: Value[], i: number): string[] {
  const v = args[i];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) || v instanceof RSet) return stringMembers(fn, v, i);
  throw typeError(fn, i, 'one of {string, set, array}', v);
}

const isAscii = (s: string): boolean => /^[\x00-\x7f]*$/.test(s);

/** Code point indexes where `search` starts in `base` (the first only unless `all`). */
function codePointIndexes(base: string, search: string, all: boolean): number[] {
  const out: number[] = [];
  let cp = 0;
  for (let i = 0; i < base.length; cp++) {
    if (base.startsWith(search, i)) {
      out.push(cp);
      if (!all) break;
    }
    i += base.codePointAt(i)! > 0xffff ? 2 : 1;
  }
  return out;
}

/**
 * Go's unicode.ToLower/ToUpper map one rune to one rune (simple case mapping);
 * JS maps to full (possibly longer, context-sensitive) strings. Mapping each
 * code point alone and keeping it when the full mapping is not a single code
 * point reproduces Go for everything but a handful of special cases.
 */
function mapCase(s: string, upper: boolean): string {
  if (isAscii(s)) return upper ? s.toUpperCase() : s.toLowerCase();
  let out = '';
  for (const ch of s) {
    if (!upper && ch === '\u0130') { out += 'i'; continue; } // Go: İ → i
    const m = upper ? ch.toUpperCase() : ch.toLowerCase();
    out += [...m].length === 1 ? m : ch;
  }
  return out;
}

/**
 * Go's strings.NewReplacer(old1, new1, …).Replace: scanning left to right, the
 * earliest pair matching at a position wins; an empty `old` matches once per
 * position (Go inserts it between bytes; we insert between code points).
 */
function replaceAllPairs(s: string, pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length === 1 && pairs[0][0] !== '') return s.split(pairs[0][0]).join(pairs[0][1]);
  let out = '';
  let prevEmpty = false;
  for (let i = 0; i <= s.length;) {
    const hit = pairs.find(([old]) => !(old === '' && prevEmpty) && s.startsWith(old, i));
    prevEmpty = hit !== undefined && hit[0] === '';
    if (hit) {
      out += hit[1];
      i += hit[0].length;
      continue;
    }
    if (i === s.length) break;
    const w = s.codePointAt(i)! > 0xffff ? 2 : 1;
    out += s.slice(i, i + w);
    i += w;
  }
  return out;
}

function trimSet(s: string, cutset: string, left: boolean, right: boolean): string {
  if (s === '' || cutset === '') return s;
  const cut = new Set(cutset);
  const cps = [...s];
  let a = 0;
  let b = cps.length;
  if (left) while (a < b && cut.has(cps[a])) a++;
  if (right) while (b > a && cut.has(cps[b - 1])) b--;
  return cps.slice(a, b).join('');
}

// Go's unicode.IsSpace (the Unicode White_Space property); JS trim() differs (it trims U+FEFF, keeps U+0085).
const SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const TRIM_SPACE = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, 'g');

function formatInt(fn: string, args: Value[]): string {
  const n = num(fn, args, 0);
  const base = num(fn, args, 1);
  if (base !== 2 && base !== 8 && base !== 10 && base !== 16) throw operandError(fn, 1, 'must be one of {2, 8, 10, 16}');
  // Floats are truncated toward zero, as big.Float.Int does.
  const whole = isInteger(n) ? toBigInt(n) : BigInt(Math.trunc(n as number));
  return whole.toString(base);
}

function substring(fn: string, args: Value[]): string {
  const s = str(fn, args, 0);
  const start = int(fn, args, 1);
  const length = int(fn, args, 2);
  if (start < 0) throw builtinError(fn, 'negative offset');
  const cps = isAscii(s) ? null : [...s];
  const size = cps ? cps.length : s.length;
  if (start >= size) return '';
  const end = length < 0 ? size : Math.min(size, start + length);
  return cps ? cps.slice(start, end).join('') : s.slice(start, end);
}

function split(s: string, delim: string): string[] {
  if (delim === '') return [...s]; // Go splits into runes; "" gives []
  return s.split(delim);
}

function replaceN(fn: string, args: Value[]): string {
  const patterns = obj(fn, args, 0);
  const s = str(fn, args, 1);
  const pairs: [string, string][] = [];
  for (const [k, v] of patterns) { // entries come in OPA's key order, as OPA sorts them
    if (typeof k !== 'string') throw operandError(fn, 0, 'non-string key found in pattern object');
    if (typeof v !== 'string') throw operandError(fn, 0, 'non-string value found in pattern object');
    pairs.push([k, v]);
  }
  return pairs.length === 0 ? s : replaceAllPairs(s, pairs);
}

function countOccurrences(s: string, sub: string): number {
  if (sub === '') return [...s].length + 1;
  return s.split(sub).length - 1;
}

function concat(fn: string, args: Value[]): string {
  const delim = str(fn, args, 0);
  const v = args[1];
  if (!Array.isArray(v) && !(v instanceof RSet)) throw typeError(fn, 1, 'one of {set, array}', v);
  return stringMembers(fn, v, 1).join(delim);
}

function anyPrefixMatch(strs: string[], prefixes: string[]): boolean {
  return strs.some((s) => prefixes.some((p) => s.startsWith(p)));
}

const reverse = (s: string): string => [...s].reverse().join('');

/** Go's fmt %v of a value as text/template prints it (maps as map[k:v], arrays as [a b]). */
function goPrint(v: Value): string {
  if (v === null) return '<no value>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return formatNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v) || v instanceof RSet) return '[' + (Array.isArray(v) ? v : v.values()).map(goPrint).join(' ') + ']';
  const entries = v.entries().map(([k, x]) => [typeof k === 'string' ? k : stringifyJSON(k), x] as const);
  entries.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return 'map[' + entries.map(([k, x]) => `${k}:${goPrint(x)}`).join(' ') + ']';
}

/**
 * strings.render_template for the simple subset of Go's text/template:
 * `{{.a.b}}` field actions (with `{{-`/`-}}` trimming) and comment actions.
 * Other actions (if, range, pipelines, functions) are reported as unsupported.
 */
function renderTemplate(fn: string, args: Value[]): string {
  const tpl = str(fn, args, 0);
  const vars = obj(fn, args, 1);
  let out = '';
  let i = 0;
  while (i < tpl.length) {
    const open = tpl.indexOf('{{', i);
    if (open < 0) { out += tpl.slice(i); break; }
    let textEnd = open;
    let start = open + 2;
    if (tpl.startsWith('- ', start) || tpl.startsWith('-\t', start) || tpl.startsWith('-\n', start)) { // {{- trims preceding space
      start++;
      out += tpl.slice(i, textEnd).replace(/[ \t\r\n]+$/, '');
      textEnd = -1;
    }
    if (textEnd >= 0) out += tpl.slice(i, textEnd);
    const close = tpl.indexOf('}}', start);
    if (close < 0) throw builtinError(fn, `template: template:1: unclosed action`);
    let body = tpl.slice(start, close);
    let trimAfter = false;
    if (/[ \t\r\n]-$/.test(body)) { trimAfter = true; body = body.slice(0, -1); }
    i = close + 2;
    if (trimAfter) while (i < tpl.length && ' \t\r\n'.includes(tpl[i])) i++;
    const action = body.trim();
    if (action.startsWith('/*') && action.endsWith('*/')) continue;
    const field = /^((?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.)$/.exec(action);
    if (!field) throw builtinError(fn, `unsupported template action {{${action}}}`);
    let v: Value = vars;
    if (action !== '.') {
      for (const key of action.slice(1).split('.')) {
        const next: Value | undefined = v instanceof RObject ? v.get(key) : undefined;
        if (next === undefined) {
          const line = 1 + (tpl.slice(0, open).match(/\n/g)?.length ?? 0);
          const col = start + body.lastIndexOf('.') - (tpl.lastIndexOf('\n', open) + 1); // Go points at the last field
          throw builtinError(fn, `template: template:${line}:${col}: executing "template" at <${action}>: map has no entry for key "${key}"`);
        }
        v = next;
      }
    }
    out += goPrint(v);
  }
  return out;
}

function s1(name: string, f: (s: string) => Value): BuiltinDef {
  return { name, args: ['string'], fn: (args) => f(str(name, args, 0)) };
}

function s2(name: string, f: (a: string, b: string) => Value): BuiltinDef {
  return { name, args: ['string', 'string'], fn: (args) => f(str(name, args, 0), str(name, args, 1)) };
}

function nonEmptySearch(fn: string, search: string): string {
  if (search === '') throw builtinError(fn, 'empty search character');
  return search;
}

const STRINGS: readonly ('string' | 'array' | 'set')[] = ['string', 'array', 'set'];

export const builtins: BuiltinDef[] = [
  { name: 'concat', args: ['string', ['array', 'set']], fn: (args) => concat('concat', args) },
  s2('contains', (s, sub) => s.includes(sub)),
  s2('startswith', (s, p) => s.startsWith(p)),
  s2('endswith', (s, p) => s.endsWith(p)),
  { name: 'format_int', args: ['number', 'number'], fn: (args) => formatInt('format_int', args) },
  s2('indexof', (s, sub) => codePointIndexes(s, nonEmptySearch('indexof', sub), false)[0] ?? -1),
  s2('indexof_n', (s, sub) => codePointIndexes(s, nonEmptySearch('indexof_n', sub), true)),
  s1('lower', (s) => mapCase(s, false)),
  s1('upper', (s) => mapCase(s, true)),
  {
    name: 'replace',
    args: ['string', 'string', 'string'],
    fn: (args) => replaceAllPairs(str('replace', args, 0), [[str('replace', args, 1), str('replace', args, 2)]]),
  },
  s2('split', split),
  { name: 'substring', args: ['string', 'number', 'number'], fn: (args) => substring('substring', args) },
  s2('trim', (s, c) => trimSet(s, c, true, true)),
  s2('trim_left', (s, c) => trimSet(s, c, true, false)),
  s2('trim_right', (s, c) => trimSet(s, c, false, true)),
  s2('trim_prefix', (s, p) => (s.startsWith(p) ? s.slice(p.length) : s)),
  s2('trim_suffix', (s, p) => (s.endsWith(p) ? s.slice(0, s.length - p.length) : s)),
  s1('trim_space', (s) => s.replace(TRIM_SPACE, '')),
  { name: 'strings.replace_n', args: ['object', 'string'], fn: (args) => replaceN('strings.replace_n', args) },
  s1('strings.reverse', reverse),
  {
    name: 'strings.any_prefix_match',
    args: [STRINGS, STRINGS],
    fn: (args) => anyPrefixMatch(stringOrStrings('strings.any_prefix_match', args, 0), stringOrStrings('strings.any_prefix_match', args, 1)),
  },
  {
    name: 'strings.any_suffix_match',
    args: [STRINGS, STRINGS],
    fn: (args) => anyPrefixMatch(
      stringOrStrings('strings.any_suffix_match', args, 0).map(reverse),
      stringOrStrings('strings.any_suffix_match', args, 1).map(reverse),
    ),
  },
  s2('strings.count', countOccurrences),
  { name: 'strings.render_template', args: ['string', 'object'], fn: (args) => renderTemplate('strings.render_template', args) },
];
