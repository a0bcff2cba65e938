/**
 * glob.match and glob.quote_meta with the semantics of gobwas/glob, the
 * library OPA uses: `*` matches any run of non-delimiter characters, `**` any
 * run at all, `?` one non-delimiter character, `[abc]` `[a-z]` `[!a-z]` one
 * character (delimiters included), `{a,b}` alternatives, `\` escapes.
 *
 * Patterns compile to a small NFA that is simulated over the input, so
 * matching stays linear in the input whatever the number of wildcards.
 */
import { BuiltinError } from '../errors.js';
import { typeName, type Value } from '../value.js';
import type { BuiltinDef } from './contract.js';
import { builtinError, str, typeError } from './args.js';

type Node =
  | { kind: 'text'; text: string[] }
  | { kind: 'any' } // *
  | { kind: 'super' } // **
  | { kind: 'single' } // ?
  | { kind: 'class'; test: (r: string) => boolean }
  | { kind: 'alt'; alts: Node[][] };

/** OPA words every bad pattern as a syntax error; the detail says which. */
class GlobSyntaxError extends Error {
  constructor(detail: string) {
    super(`syntax error in pattern: ${detail}`);
  }
}

/** Parses a pattern into a sequence of nodes (gobwas's lexer and parser rules). */
function parseGlob(pattern: string): Node[] {
  const runes = [...pattern];
  let i = 0;

  const text = (breakers: string): string[] => {
    const out: string[] = [];
    let escaped = false;
    while (i < runes.length) {
      const r = runes[i];
      if (!escaped) {
        if (r === '\\') { escaped = true; i++; continue; }
        if (breakers.includes(r)) break;
      }
      escaped = false;
      out.push(r);
      i++;
    }
    if (escaped) throw new GlobSyntaxError('trailing backslash');
    return out;
  };

  const range = (): Node => {
    let not = false;
    if (runes[i] === '!') { not = true; i++; }
    if (i >= runes.length) throw new GlobSyntaxError('unexpected end of input');
    let test: (r: string) => boolean;
    if (runes[i + 1] === '-' && i + 2 < runes.length) {
      const lo = runes[i].codePointAt(0)!;
      const hi = runes[i + 2].codePointAt(0)!;
      if (hi < lo) throw new GlobSyntaxError(`hi character '${runes[i + 2]}' should be greater than lo '${runes[i]}'`);
      i += 3;
      test = (r) => { const c = r.codePointAt(0)!; return c >= lo && c <= hi; };
    } else {
      const chars = text(']');
      if (chars.length === 0) throw new GlobSyntaxError(i >= runes.length ? 'unexpected end of input' : 'could not parse range');
      const set = new Set(chars);
      test = (r) => set.has(r);
    }
    if (i >= runes.length) throw new GlobSyntaxError('unexpected end of input');
    if (runes[i] !== ']') throw new GlobSyntaxError('expected close range character');
    i++;
    return { kind: 'class', test: not ? (r) => !test(r) : test };
  };

  /** A sequence, up to the end (top level) or a `,`/`}` inside braces. */
  const sequence = (inTerms: boolean): Node[] => {
    const nodes: Node[] = [];
    while (i < runes.length) {
      const r = runes[i];
      if (inTerms && (r === ',' || r === '}')) break;
      if (r === '{') {
        i++;
        const alts: Node[][] = [sequence(true)];
        while (runes[i] === ',') { i++; alts.push(sequence(true)); }
        if (runes[i] === '}') i++; // an unclosed { is closed by the end of the pattern
        nodes.push({ kind: 'alt', alts });
      } else if (r === '[') {
        i++;
        nodes.push(range());
      } else if (r === '?') {
        i++;
        nodes.push({ kind: 'single' });
      } else if (r === '*') {
        i++;
        if (runes[i] === '*') { i++; nodes.push({ kind: 'super' }); } else nodes.push({ kind: 'any' });
      } else {
        const t = text(inTerms ? '?*[{},' : '?*[{');
        if (t.length > 0) nodes.push({ kind: 'text', text: t });
      }
    }
    return nodes;
  };

  return sequence(false);
}

// --- NFA: each state consumes one rune matching `test`, or splits (epsilon) to others.

interface State { test?: (r: string) => boolean; next: number[] }

class Nfa {
  private readonly states: State[] = [];
  private readonly start: number;

  constructor(nodes: Node[], private readonly isDelim: (r: string) => boolean) {
    this.start = this.build(nodes, -1);
  }

  private add(s: State): number {
    this.states.push(s);
    return this.states.length - 1;
  }

  /** Builds `nodes` followed by state `next` (-1 = accept); returns the entry state. */
  private build(nodes: Node[], next: number): number {
    for (let k = nodes.length - 1; k >= 0; k--) next = this.node(nodes[k], next);
    return next === -1 ? this.add({ next: [-1] }) : next;
  }

  private node(n: Node, next: number): number {
    const notDelim = (r: string): boolean => !this.isDelim(r);
    switch (n.kind) {
      case 'text':
        for (let k = n.text.length - 1; k >= 0; k--) {
          const ch = n.text[k];
          next = this.add({ test: (r) => r === ch, next: [next] });
        }
        return next;
      case 'single': return this.add({ test: notDelim, next: [next] });
      case 'class': return this.add({ test: n.test, next: [next] });
      case 'any':
      case 'super': {
        const loop = this.add({ next: [] });
        const step = this.add({ test: n.kind === 'any' ? notDelim : () => true, next: [loop] });
        this.states[loop].next.push(step, next);
        return loop;
      }
      case 'alt': return this.add({ next: n.alts.map((alt) => this.build(alt, next)) });
    }
  }

  matches(input: string): boolean {
    let current = this.closure([this.start]);
    for (const r of input) {
      const next: number[] = [];
      for (const s of current) {
        const st = s === -1 ? undefined : this.states[s];
        if (st?.test && st.test(r)) next.push(...st.next);
      }
      if (next.length === 0) return false;
      current = this.closure(next);
    }
    return current.has(-1);
  }

  /** The states reachable without consuming input; -1 stands for "accepted". */
  private closure(seeds: number[]): Set<number> {
    const seen = new Set<number>();
    const stack = [...seeds];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (seen.has(s)) continue;
      seen.add(s);
      if (s !== -1 && !this.states[s].test) stack.push(...this.states[s].next);
    }
    return seen;
  }
}

const CACHE_SIZE = 1000;
const cache = new Map<string, Nfa | GlobSyntaxError>();

function compileGlob(fn: string, pattern: string, delimiters: readonly string[]): Nfa {
  const key = JSON.stringify([pattern, delimiters]);
  let entry = cache.get(key);
  if (entry === undefined) {
    try {
      const delims = new Set(delimiters);
      entry = new Nfa(parseGlob(pattern), (r) => delims.has(r));
    } catch (e) {
      if (!(e instanceof GlobSyntaxError)) throw e;
      entry = e;
    }
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(key, entry);
  }
  if (entry instanceof GlobSyntaxError) throw builtinError(fn, entry.message);
  return entry;
}

/** The delimiters operand: null means none, [] means ["."], else single runes. */
function delimitersOperand(fn: string, v: Value): string[] {
  if (v === null) return [];
  if (!Array.isArray(v)) throw typeError(fn, 1, 'one of {array, null}', v);
  if (v.length === 0) return ['.'];
  return v.map((x) => {
    if (typeof x !== 'string') throw new BuiltinError('eval_type_error', `${fn}: operand 2 must be array of strings but got array containing ${typeName(x)}`);
    if ([...x].length !== 1) throw new BuiltinError('eval_type_error', `${fn}: operand 2 must be array of runes but got array containing string`);
    return x;
  });
}

const GLOB_META = /[*?\\[\]{}]/g;

export const builtins: BuiltinDef[] = [
  {
    name: 'glob.match',
    args: ['string', ['array', 'null'], 'string'],
    fn: (args) => {
      const pattern = str('glob.match', args, 0);
      const delimiters = delimitersOperand('glob.match', args[1]);
      const input = str('glob.match', args, 2);
      return compileGlob('glob.match', pattern, delimiters).matches(input);
    },
  },
  {
    name: 'glob.quote_meta',
    args: ['string'],
    fn: (args) => str('glob.quote_meta', args, 0).replace(GLOB_META, '\\$&'),
  },
];
