/**
 * The Rego parser: modules, queries and terms, for Rego v1 (default) and v0.
 *
 * It follows the grammar of OPA's v1/ast/parser.go closely, including its
 * backtracking (comprehension vs. literal, `some x in xs` vs. `some x, y`,
 * `p if expr` vs. `p if { body }`) and its two-step handling of rules that
 * have no body (`p := 1`, `p[x] = y`, `f(x) = y` are parsed as an expression
 * and then turned into a rule). Primary terms are memoised by token index, as
 * OPA caches parsed terms, so the backtracking stays linear.
 *
 * Errors are thrown as a CompileError of rego_parse_error with OPA's wording.
 * Hostile input is bounded by a source length, a token count and a nesting
 * depth limit, each reported as a parse error naming the limit.
 *
 * Encodings chosen where OPA's AST and ours differ:
 * - bare `input` / `data` are VarTerms (OPA makes them one-element refs);
 * - the operator of a call whose name is not a plain dotted path
 *   (`a[0](x)`, `a["b-c"](x)`) is written as OPA prints the ref (`a[0]`, `a["b-c"]`);
 *   the compiler then reports the unknown function;
 * - a v0 module that imports `rego.v1` gets regoVersion 1 (OPA's RegoV0CompatV1
 *   obeys every v1 rule);
 * - template strings (`$"…{x}…"`, OPA 1.12) become internal.template_string calls whose
 *   expression parts are array comprehensions (see parseTemplate).
 */
import { CompileError, RegoError, type Location } from './errors.js';
import { parseNumber as parseNumberText } from './value.js';
import { lex, LexLimitError, type Comment, type Token, type TokenKind } from './lexer.js';
import { scanAnnotations, type RawAnnotation } from './annotations.js';
import type {
  Annotation, AnnotationScope, Body, CallTerm, ElseClause, EveryExpr, Expr, Import, Module, RefTerm, RegoVersion,
  Rule, RuleHead, ScalarTerm, SomeDeclExpr, SomeInExpr, Term, VarTerm, WithModifier,
} from './ast.js';

export interface ParseLimits {
  /** Maximum source length in UTF-8 bytes. */
  maxSourceBytes: number;
  /** Maximum number of tokens. */
  maxTokens: number;
  /** Maximum nesting depth of terms, bodies and operator chains. */
  maxDepth: number;
}

export const DEFAULT_LIMITS: Readonly<ParseLimits> = { maxSourceBytes: 4 * 1024 * 1024, maxTokens: 1_000_000, maxDepth: 512 };

export interface ParseOptions {
  regoVersion?: RegoVersion;
  limits?: Partial<ParseLimits>;
}

export function parseModule(source: string, file: string, opts: ParseOptions = {}): Module {
  return run(source, file, opts, (p) => p.parseModule(source));
}

export function parseQuery(text: string, opts: ParseOptions & { file?: string } = {}): Body {
  return run(text, opts.file ?? '', opts, (p) => p.parseQueryText());
}

/** Parses a single Rego term (as `input_term`), e.g. `{"a": {1, 2}}`. */
export function parseTerm(text: string, opts: ParseOptions & { file?: string } = {}): Term {
  return run(text, opts.file ?? '', opts, (p) => p.parseSingleTerm());
}

// ---------------------------------------------------------------------------
// Errors

/**
 * A syntax error; backtracking may catch it and try another reading. Not an
 * Error subclass on purpose: speculative parses throw many of these, and
 * capturing a stack trace for each would dominate parse time. `run` turns
 * the one that escapes into a CompileError.
 */
class SyntaxFail {
  constructor(readonly detail: string, readonly loc: Location) {}
}

/** A limit was exceeded; never caught by backtracking. */
class LimitFail extends Error {
  constructor(readonly detail: string, readonly loc: Location) {
    super(detail);
  }
}

function run<T>(source: string, file: string, opts: ParseOptions, f: (p: Parser) => T): T {
  const limits: ParseLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const start: Location = { file, row: 1, col: 1 };
  if (source.length > limits.maxSourceBytes || Buffer.byteLength(source, 'utf8') > limits.maxSourceBytes) {
    throw parseError(`source exceeds the maximum length of ${limits.maxSourceBytes} bytes`, start);
  }
  try {
    const { tokens, comments } = lex(source, file, limits.maxTokens);
    return f(new Parser(tokens, comments, file, opts.regoVersion ?? 1, limits));
  } catch (e) {
    if (e instanceof SyntaxFail || e instanceof LimitFail) throw parseError(e.detail, e.loc);
    if (e instanceof LexLimitError) throw parseError(e.message, e.loc);
    // Last resort: the depth limit should prevent this.
    if (e instanceof RangeError) throw parseError(`maximum nesting depth exceeded (${limits.maxDepth})`, start);
    throw e;
  }
}

function parseError(msg: string, loc: Location): CompileError {
  return new CompileError([new RegoError('rego_parse_error', msg, loc)]);
}

// ---------------------------------------------------------------------------
// Keywords and token names

const BASE_KEYWORDS = ['package', 'import', 'as', 'default', 'else', 'not', 'some', 'with', 'null', 'true', 'false'];
const FUTURE_KEYWORDS = ['contains', 'every', 'if', 'in'];
const V1_KEYWORDS = new Set([...BASE_KEYWORDS, ...FUTURE_KEYWORDS]);

const TOKEN_NAMES: Partial<Record<TokenKind, string>> = {
  ident: 'ident', rawstring: 'string', ':=': 'assign', '=': 'eq', '==': 'equal', '!=': 'neq',
  '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte', '+': 'plus', '-': 'minus', '*': 'mul', '/': 'div',
  '%': 'rem', '&': 'and', '|': 'or',
};

/** Binary operators by precedence level (higher binds tighter), as OPA's parseTermRelation … parseTermFactor. */
const BINARY: Partial<Record<TokenKind, [number, string]>> = {
  '==': [1, 'equal'], '!=': [1, 'neq'], '<': [1, 'lt'], '<=': [1, 'lte'], '>': [1, 'gt'], '>=': [1, 'gte'],
  '|': [2, 'or'], '&': [3, 'and'], '+': [4, 'plus'], '-': [4, 'minus'], '*': [5, 'mul'], '/': [5, 'div'], '%': [5, 'rem'],
};
const INFIX_NAMES = new Set([...Object.values(BINARY).map((x) => x[1]), 'internal.member_2', 'internal.member_3']);

const MEMBER = 'internal.member_2';
const MEMBER_KEY = 'internal.member_3';

// ---------------------------------------------------------------------------
// Parser internals

/** A rule head as written, before its kind is decided. */
interface HeadInfo extends Omit<RuleHead, 'kind'> {
  usesContains: boolean;
  /** No value was written (`p if …`, `f(x) if …`); it defaults to true. */
  generatedValue: boolean;
}

/** What OPA's v1 checks need to know about how a rule or else branch was written. */
interface Written {
  usesIf: boolean;
  usesContains: boolean;
  generatedBody: boolean;
  generatedValue: boolean;
  isDefault: boolean;
}

type Statement =
  | { kind: 'package'; path: string[]; loc: Location }
  | { kind: 'import'; imp: Import }
  | { kind: 'rules'; rules: Rule[] }
  | { kind: 'body'; body: Body; loc: Location };

type Memo = { term: Term; end: number } | { error: SyntaxFail };

class Parser {
  private pos = 0;
  private depth = 0;
  private readonly keywords: Set<string>;
  private readonly memo = new Map<number, Memo>();
  /** The ref each call operator was written as (rule heads need its terms). */
  private readonly callRefs = new WeakMap<CallTerm, Term[]>();
  private readonly written = new WeakMap<Rule | ElseClause, Written>();
  /** OPA's hint for the next error: a v0 module using `in`/`every` without importing them. */
  private hint: string | undefined;
  private futureImported = false;
  private regoV1Imported = false;

  constructor(
    private readonly tokens: Token[],
    private readonly comments: Comment[],
    private readonly file: string,
    private readonly version: RegoVersion,
    private readonly limits: ParseLimits,
  ) {
    this.keywords = new Set(version === 1 ? V1_KEYWORDS : BASE_KEYWORDS);
    this.checkScanError(tokens[0]);
  }

  // --- token access -------------------------------------------------------

  private get tok(): Token {
    return this.tokens[this.pos];
  }

  private peek(): Token {
    return this.tokens[Math.min(this.pos + 1, this.tokens.length - 1)];
  }

  private next(): void {
    if (this.pos < this.tokens.length - 1) this.pos++;
    this.checkScanError(this.tok);
  }

  private checkScanError(t: Token): void {
    if (t.error) throw new SyntaxFail(t.error, this.locOf(t));
  }

  private locOf(t: Token): Location {
    return { file: this.file, row: t.row, col: t.col };
  }

  private get loc(): Location {
    return this.locOf(this.tok);
  }

  private is(kind: TokenKind): boolean {
    return this.tok.kind === kind;
  }

  private isKeyword(t: Token): boolean {
    return t.kind === 'ident' && this.keywords.has(t.text);
  }

  private isKw(word: string, t: Token = this.tok): boolean {
    return t.kind === 'ident' && t.text === word && this.keywords.has(word);
  }

  /** A keyword directly followed by `.` or `[` starts a ref (`else.x`, `in[0]`), as OPA's scanAheadRef. */
  private keywordStartsRef(): boolean {
    if (!this.isKeyword(this.tok)) return false;
    const n = this.peek();
    return !n.ws && (n.kind === '.' || n.kind === '[');
  }

  private isWord(word: string): boolean {
    return this.isKw(word) && !this.keywordStartsRef();
  }

  private fail(msg: string, loc: Location = this.loc): never {
    const hint = this.hint;
    this.hint = undefined;
    throw new SyntaxFail(hint ? `${msg} (hint: ${hint})` : msg, loc);
  }

  /** OPA's "unexpected X token[: note]". */
  private illegal(note?: string): never {
    const t = this.tok;
    if (t.kind === 'illegal') this.fail('illegal token');
    const name = t.kind === 'ident' && this.isKeyword(t) ? t.text : TOKEN_NAMES[t.kind] ?? t.kind;
    const type = this.isKeyword(t) ? 'keyword' : 'token';
    this.fail(note ? `unexpected ${name} ${type}: ${note}` : `unexpected ${name} ${type}`);
  }

  private enter(extra = 1): void {
    this.depth += extra;
    if (this.depth > this.limits.maxDepth) throw new LimitFail(`maximum nesting depth exceeded (${this.limits.maxDepth})`, this.loc);
  }

  /**
   * Runs `f` for a speculative reading. A syntax error is returned, not
   * thrown, with the position left where it failed (callers restore it).
   */
  private attempt<T>(f: () => T): { value: T } | { error: SyntaxFail } {
    try {
      return { value: f() };
    } catch (e) {
      if (!(e instanceof SyntaxFail)) throw e;
      return { error: e };
    }
  }

  // --- modules ------------------------------------------------------------

  parseModule(source: string): Module {
    const stmts: Statement[] = [];
    while (!this.is('eof')) stmts.push(this.parseStatement());
    const scan = scanAnnotations(this.comments, this.file);
    if (scan.errors.length > 0) throw new CompileError(scan.errors);
    return this.assembleModule(stmts, scan.annotations, source);
  }

  private parseStatement(): Statement {
    // Backtracking never reaches into an earlier statement.
    this.memo.clear();
    if (this.isWord('package')) return this.parsePackage();
    if (this.isWord('import')) {
      const imp = this.parseImport();
      this.applyImport(imp);
      return { kind: 'import', imp };
    }
    const save = this.pos;
    const rules = this.parseRules();
    if (rules) return { kind: 'rules', rules };
    this.pos = save;
    const loc = this.loc;
    return { kind: 'body', body: this.parseBodyStatement(), loc };
  }

  private parsePackage(): Statement {
    const loc = this.loc;
    this.next();
    if (this.tok.kind !== 'ident') this.illegal();
    const term = this.parseTerm(true);
    let path: string[];
    if (term.type === 'var') path = [term.name];
    else if (term.type === 'ref' && term.head.type === 'var') {
      path = [term.head.name];
      for (const el of term.path) {
        if (el.type !== 'scalar' || typeof el.value !== 'string') this.fail(`unexpected ${valueName(el)} token: expecting string`, el.loc);
        path.push(el.value);
      }
    } else if (term.type === 'ref') {
      this.fail(`unexpected ${valueName(term.head)} token: expecting var`, term.head.loc);
    } else this.illegal();
    return { kind: 'package', path, loc };
  }

  private parseImport(): Import {
    const loc = this.loc;
    this.next();
    if (this.tok.kind !== 'ident') this.illegal();
    // The path is read with the future keywords off, so `import future.keywords.in` always parses.
    const saved = [...this.keywords];
    for (const kw of FUTURE_KEYWORDS) this.keywords.delete(kw);
    let term: Term;
    try {
      term = this.parseTerm(true);
    } finally {
      for (const kw of saved) this.keywords.add(kw);
    }
    let path: VarTerm | RefTerm;
    if (term.type === 'var') path = term;
    else if (term.type === 'ref' && term.head.type === 'var') {
      for (const el of term.path) {
        if (el.type !== 'scalar' || typeof el.value !== 'string') this.fail(`unexpected ${valueName(el)} token: expecting string`, el.loc);
      }
      path = term;
    } else this.fail('expected path');
    const root = path.type === 'var' ? path.name : (path.head as VarTerm).name;
    if (!['data', 'input', 'future', 'rego'].includes(root)) {
      this.fail(`unexpected import path, must begin with one of: {data, future, input, rego}, got: ${root} (hint: if this is unexpected, try updating OPA)`, path.loc);
    }
    const imp: Import = { path, loc };
    if (this.isWord('as')) {
      this.next();
      if (this.tok.kind !== 'ident' || this.isKeyword(this.tok)) this.illegal('expected var');
      const alias = this.parseTerm();
      if (alias.type !== 'var') this.illegal('expected var');
      imp.alias = alias.name;
      return imp;
    }
    const parts = importParts(path);
    if (root !== 'future' || parts.length === 1) {
      const last = parts[parts.length - 1];
      if (this.isKeywordIn(last)) {
        const lastLoc = path.type === 'var' ? path.loc : path.path[path.path.length - 1].loc;
        this.fail(`unexpected import path, must not end with a keyword, got: ${last} (hint: import a different path or use an alias)`, lastLoc);
      }
    }
    return imp;
  }

  private isKeywordIn(word: string): boolean {
    return this.version === 1 || this.regoV1Imported ? V1_KEYWORDS.has(word) : BASE_KEYWORDS.includes(word);
  }

  /** `import future.keywords[.kw]` and `import rego.v1` switch keywords on. */
  private applyImport(imp: Import): void {
    const parts = importParts(imp.path);
    const conflict = 'the `rego.v1` import implies `future.keywords`, these are therefore mutually exclusive';
    if (parts[0] === 'rego') {
      if (parts.length !== 2 || parts[1] !== 'v1') this.fail(`invalid import \`${parts.join('.')}\`, must be \`rego.v1\``, imp.path.loc);
      if (this.version === 1) return;
      if (imp.alias !== undefined) this.fail('`rego` imports cannot be aliased', imp.path.loc);
      if (this.futureImported) this.fail(conflict, imp.path.loc);
      this.regoV1Imported = true;
      for (const kw of FUTURE_KEYWORDS) this.keywords.add(kw);
    } else if (parts[0] === 'future') {
      if (parts.length === 1 || parts[1] !== 'keywords') this.fail('invalid import, must be `future.keywords`', imp.path.loc);
      if (imp.alias !== undefined) this.fail('`future` imports cannot be aliased', imp.path.loc);
      if (this.version === 0 && this.regoV1Imported) this.fail(conflict, imp.path.loc);
      let kws = FUTURE_KEYWORDS;
      if (parts.length === 3) {
        if (!FUTURE_KEYWORDS.includes(parts[2])) this.fail(`unexpected keyword, must be one of [${FUTURE_KEYWORDS.join(' ')}]`, imp.path.loc);
        kws = parts[2] === 'every' ? ['every', 'in'] : [parts[2]];
      }
      this.futureImported = true;
      for (const kw of kws) this.keywords.add(kw);
    }
  }

  // --- rules --------------------------------------------------------------

  /** Returns undefined (position unspecified) when the statement is not written as a rule. */
  private parseRules(): Rule[] | undefined {
    const loc = this.loc;
    let isDefault = false;
    if (this.isWord('default')) {
      this.next();
      isDefault = true;
    }
    if (this.tok.kind !== 'ident' || (this.isKeyword(this.tok) && !this.keywordStartsRef())) return undefined;
    const head = this.parseHead(isDefault);
    if (!head) return undefined;

    if (isDefault) {
      this.validateDefault(head, loc);
      const rule = this.makeRule(head, [], loc, true, { usesIf: false, usesContains: false, generatedBody: false, generatedValue: head.generatedValue, isDefault: true });
      return [rule];
    }

    const hasIf = this.isKw('if') || this.isLenientIf(head);
    let key = head.key;
    let ref = head.ref;
    let multi = head.usesContains;
    if (hasIf && !head.usesContains && ref.length === 2) {
      // `p[x] if …` is a single-value rule p[x] (= true unless a value is given).
      const last = ref[1];
      if ((!isGround(last) || last.type === 'ref') && !head.args) key = last;
      if (!head.value) head.generatedValue = true;
    }
    if (!hasIf && !head.usesContains && !head.args && ref.length === 2) {
      // v0 back-compat: `p[x] { … }` is a partial set, `p[x] = y { … }` a partial object.
      key = ref[1];
      if (!head.value) {
        ref = [ref[0]];
        multi = true;
      }
    }
    head.ref = ref;
    head.key = multi ? key : undefined;

    let body: Body;
    const written: Written = { usesIf: hasIf, usesContains: head.usesContains, generatedBody: false, generatedValue: head.generatedValue, isDefault: false };
    if (hasIf) {
      this.next();
      body = this.parseIfBody();
    } else if (this.is('{')) {
      this.next();
      body = this.parseBody('}');
      this.next();
    } else if (head.usesContains) {
      written.generatedBody = true;
      return [this.makeRule(head, [], head.loc, false, written, multi)];
    } else {
      return undefined;
    }

    const rule = this.makeRule(head, body, loc, false, written, multi);
    if (this.isKw('else') && !this.keywordStartsRef()) {
      if (ref.length > 1 && !ref.slice(1).every(isGround)) this.fail('else keyword cannot be used on rules with variables in head');
      if (key) this.fail('else keyword cannot be used on multi-value rules');
      rule.else = this.parseElse();
    }

    const rules = [rule];
    while (this.is('{')) {
      if (rule.else) this.fail('expected else keyword');
      const chainLoc = this.loc;
      this.next();
      const chained = this.parseBody('}');
      this.next();
      const copy = cloneHead(rule.head);
      copy.loc = chainLoc;
      const next: Rule = { head: copy, body: chained, default: false, annotations: [], loc: chainLoc };
      this.written.set(next, { ...written });
      rules.push(next);
    }
    return rules;
  }

  /**
   * In v0 without `import future.keywords.if`, OPA reads `p if { … }` as two
   * statements (a rule named `if`), which then fails. Like regorus we read `if`
   * as the keyword when it follows a head without a value on the same line.
   */
  private isLenientIf(head: HeadInfo): boolean {
    const t = this.tok;
    return this.version === 0 && !this.keywords.has('if') && t.kind === 'ident' && t.text === 'if' && !t.nl
      && !head.value && !head.usesContains;
  }

  /** After `if`: a single expression, or a braced body (a set literal such as `{ true }` is read as a body). */
  private parseIfBody(): Body {
    const save = this.pos;
    const literal = this.attempt(() => this.parseLiteral());
    if ('value' in literal) {
      const e = literal.value;
      if (!(e.kind === 'term' && e.term.type === 'set')) return [e];
    }
    this.pos = save;
    if (!this.is('{')) {
      if ('error' in literal) throw literal.error;
      this.illegal();
    }
    this.next();
    const body = this.parseBody('}');
    this.next();
    return body;
  }

  private parseHead(isDefault: boolean): HeadInfo | undefined {
    const loc = this.loc;
    const name: VarTerm = { type: 'var', name: this.tok.text, loc };
    this.next();
    const t = this.tok;
    if (!t.ws && BINARY[t.kind]) this.illegal();
    let term: Term = name;
    if (t.kind === '(' || t.kind === '.' || t.kind === '[') term = this.parseRefSuffix(name);

    const head: HeadInfo = { ref: [name], assign: false, loc, usesContains: false, generatedValue: false };
    if (term.type === 'ref') {
      if (term.head.type !== 'var') this.illegal(`rule head ref ${termString(term)} invalid`);
      head.ref = [term.head, ...term.path];
    } else if (term.type === 'call') {
      const opRef = this.callRefs.get(term) ?? [];
      if (opRef[0]?.type !== 'var') this.illegal(`rule head ref ${term.op} invalid`);
      head.ref = opRef;
      head.args = term.args;
    }
    const display = refString(head.ref);

    if (this.isKw('contains')) {
      if (head.args) this.illegal(`the contains keyword can only be used with multi-value rule definitions (e.g., ${display} contains <VALUE> { ... })`);
      this.next();
      head.key = this.parseTermInfixCall();
      head.usesContains = true;
      return head;
    }
    if (this.is('=') || this.is(':=')) {
      head.assign = this.is(':=');
      this.next();
      if (this.is('eof') && head.assign) {
        if (head.args) this.illegal(`expected function value term (e.g., ${display}(...) := <VALUE> { ... })`);
        if (isDefault) this.illegal(`expected default rule value term (e.g., default ${display} := <VALUE>)`);
        this.illegal(`expected rule value term (e.g., ${display} := <VALUE> { ... })`);
      }
      head.value = this.parseTermInfixCall();
    }
    if (!head.value && (head.ref.length !== 2 || head.args)) head.generatedValue = true;
    return head;
  }

  private parseElse(): ElseClause {
    const loc = this.loc;
    this.next();
    const clause: ElseClause = { body: [], loc };
    let generatedValue = false;
    if (this.is('{') || this.isKw('if')) {
      generatedValue = true;
    } else if (this.is(':=') || this.is('=')) {
      this.next();
      clause.value = this.parseTermInfixCall();
    } else {
      this.illegal('expected else value term or rule body');
    }
    const hasIf = this.isKw('if');
    const hasBrace = this.is('{');
    const written: Written = { usesIf: hasIf, usesContains: false, generatedBody: !hasIf && !hasBrace, generatedValue, isDefault: false };
    this.written.set(clause, written);
    if (!hasIf && !hasBrace) return clause;
    if (hasIf) this.next();
    if (this.is('{')) {
      this.next();
      clause.body = this.parseBody('}');
      this.next();
    } else if (!this.is('eof')) {
      clause.body = [this.parseLiteral()];
    } else {
      this.illegal('rule body expected');
    }
    if (this.isKw('else')) clause.else = this.parseElse();
    return clause;
  }

  private validateDefault(head: HeadInfo, loc: Location): void {
    if (!head.value && !head.generatedValue) this.fail('illegal default rule (must have a value)', loc);
    if (head.value) {
      const bad = findNonConstant(head.value);
      if (bad) this.fail(`illegal default rule (value cannot contain ${bad})`, loc);
    }
    const seen = new Set<string>();
    for (const arg of head.args ?? []) {
      if (arg.type !== 'var') this.fail(`illegal default rule (arguments cannot contain ${valueName(arg)})`, loc);
      if (arg.name === '_') continue;
      if (seen.has(arg.name)) this.fail(`illegal default rule (arguments cannot be repeated ${arg.name})`, loc);
      seen.add(arg.name);
    }
  }

  private makeRule(h: HeadInfo, body: Body, loc: Location, isDefault: boolean, written: Written, multi = false): Rule {
    const head: RuleHead = { kind: h.args ? 'function' : multi ? 'multi' : 'single', ref: h.ref, assign: h.assign, loc: h.loc };
    if (h.args) head.args = h.args;
    if (multi && h.key) head.key = h.key;
    if (h.value) head.value = h.value;
    const rule: Rule = { head, body, default: isDefault, annotations: [], loc };
    this.written.set(rule, written);
    return rule;
  }

  // --- bodies and expressions -------------------------------------------

  /** A module statement that is not a rule: expressions joined by `;` (turned into a rule later). */
  private parseBodyStatement(): Body {
    const body: Body = [];
    for (;;) {
      body.push(this.parseLiteral());
      if (!this.is(';')) return body;
      this.next();
    }
  }

  /** Expressions up to (not past) `end`, separated by `;` or newlines. */
  private parseBody(end: '}' | ']' | 'eof'): Body {
    this.enter();
    try {
      if (this.is(end)) this.fail('found empty body');
      const body: Body = [];
      for (;;) {
        body.push(this.parseLiteral());
        if (this.is(';')) {
          this.next();
          continue;
        }
        if (this.is(end)) return body;
        if (!this.tok.nl) this.illegal(`expected \\n or ; or ${end}`);
      }
    } finally {
      this.depth--;
    }
  }

  private parseLiteral(): Expr {
    const loc = this.loc;
    this.hint = undefined;
    if (this.version === 0 && !this.keywords.has('every') && this.looksLike(['every', 'ident', 'in'])) {
      this.hint = '`import future.keywords.every` for `every x in xs { ... }` expressions';
    }
    if (this.keywordStartsRef()) return this.parseLiteralExpr(false, loc);
    let negated = false;
    if (this.isKw('not')) {
      this.next();
      negated = true;
    }
    if (this.isWord('some')) {
      if (negated) this.illegal("illegal negation of 'some'");
      return this.parseSome(loc);
    }
    if (this.isWord('every')) {
      if (negated) this.illegal("illegal negation of 'every'");
      return this.parseEvery(loc);
    }
    return this.parseLiteralExpr(negated, loc);
  }

  private parseLiteralExpr(negated: boolean, loc: Location): Expr {
    const lhs = this.parseTermInfixCall();
    let expr: Expr;
    if (this.is(':=') || this.is('=')) {
      const kind = this.is(':=') ? 'assign' : 'unify';
      this.next();
      const right = this.parseTermInfixCall();
      expr = { kind, left: lhs, right, negated, with: [], loc };
    } else {
      expr = { kind: 'term', term: lhs, negated, with: [], loc };
    }
    if (this.isWord('with')) expr.with = this.parseWith();
    return expr;
  }

  private parseWith(): WithModifier[] {
    const withs: WithModifier[] = [];
    do {
      const loc = this.loc;
      this.next();
      if (this.tok.kind !== 'ident' || (this.isKeyword(this.tok) && !this.keywordStartsRef())) this.illegal('expected ident');
      const target = this.parseTerm();
      if (!(target.type === 'var' || (target.type === 'ref' && target.head.type === 'var'))) this.illegal('expected with target path');
      if (!this.isWord('as')) this.illegal('expected as keyword');
      this.next();
      const value = this.parseTermInfixCall();
      withs.push({ target, value, loc });
    } while (this.isWord('with'));
    return withs;
  }

  /** Whether the next tokens are these (`ident` matches any word, `,` a comma, others that word). */
  private looksLike(words: string[]): boolean {
    return words.every((w, i) => {
      const t = this.tokens[this.pos + i];
      if (t === undefined) return false;
      if (w === ',') return t.kind === ',';
      return t.kind === 'ident' && (w === 'ident' || t.text === w);
    });
  }

  private parseSome(loc: Location): Expr {
    if (this.version === 0 && !this.keywords.has('in') && (this.looksLike(['some', 'ident', 'in']) || this.looksLike(['some', 'ident', ',', 'ident', 'in']))) {
      this.hint = '`import future.keywords.in` for `some x in xs` expressions';
    }
    const save = this.pos;
    this.next();
    const attempt = this.attempt(() => this.parseTermInfixCall());
    if ('value' in attempt && attempt.value.type === 'call') {
      const call = attempt.value;
      let expr: SomeInExpr;
      if (call.op === MEMBER) {
        if (call.args.length !== 2) this.illegal('illegal domain');
        expr = { kind: 'somein', value: call.args[0], collection: call.args[1], negated: false, with: [], loc };
      } else if (call.op === MEMBER_KEY) {
        if (call.args.length !== 3) this.illegal('illegal domain');
        expr = { kind: 'somein', key: call.args[0], value: call.args[1], collection: call.args[2], negated: false, with: [], loc };
      } else {
        this.illegal('expected `x in xs` or `x, y in xs` expression');
      }
      if (this.isWord('with')) expr.with = this.parseWith();
      return expr;
    }
    this.pos = save;
    const vars: VarTerm[] = [];
    do {
      this.next();
      if (this.tok.kind !== 'ident' || this.isKeyword(this.tok)) this.illegal('expected var');
      vars.push({ type: 'var', name: this.tok.text, loc: this.loc });
      this.next();
    } while (this.is(','));
    const decl: SomeDeclExpr = { kind: 'some', vars, negated: false, with: [], loc };
    return decl;
  }

  private parseEvery(loc: Location): Expr {
    this.next();
    const term = this.parseTermInfixCall();
    if (term.type !== 'call' || (term.op !== MEMBER && term.op !== MEMBER_KEY)) this.illegal('expected `x[, y] in xs { ... }` expression');
    let key: Term | undefined;
    let value: Term;
    let domain: Term;
    if (term.op === MEMBER) {
      if (term.args.length !== 2) this.illegal('illegal domain');
      [value, domain] = term.args;
    } else {
      if (term.args.length !== 3) this.illegal('illegal domain');
      [key, value, domain] = term.args;
      if (key.type !== 'var') this.illegal('expected key to be a variable');
    }
    if (value.type !== 'var') this.illegal('expected value to be a variable');
    if (!this.is('{')) this.illegal('missing body');
    this.next();
    const body = this.parseBody('}');
    this.next();
    const expr: EveryExpr = { kind: 'every', value, domain, body, negated: false, with: [], loc };
    if (key) expr.key = key as VarTerm;
    if (this.isWord('with')) expr.with = this.parseWith();
    return expr;
  }

  // --- terms with operators --------------------------------------------

  /** A term with infix operators, including `x in xs` and (when `keyVal`) `k, v in xs`. */
  private parseTermInfixCall(keyVal = true): Term {
    let lhs = this.parseBinary(1);
    if (keyVal && this.is(',')) {
      const save = this.pos;
      const attempt = this.attempt(() => {
        this.next();
        const mhs = this.parseBinary(1);
        if (!this.isInOperator()) return undefined;
        const opLoc = this.loc;
        this.next();
        const rhs = this.parseBinary(1);
        return this.call(MEMBER_KEY, opLoc, [lhs, mhs, rhs], lhs.loc);
      });
      if ('value' in attempt && attempt.value) lhs = attempt.value;
      else this.pos = save;
    }
    let chain = 0;
    while (this.isInOperator()) {
      const opLoc = this.loc;
      this.next();
      const rhs = this.parseBinary(1);
      lhs = this.call(MEMBER, opLoc, [lhs, rhs], lhs.loc);
      this.checkChain(++chain);
    }
    return lhs;
  }

  /** `in` as an operator (not `in.x` / `in[0]`, which OPA reads as a ref). */
  private isInOperator(): boolean {
    return this.isKw('in') && !this.keywordStartsRef();
  }

  /** Precedence climbing over OPA's levels: relations < `|` < `&` < `+ -` < `* / %`. */
  private parseBinary(minLevel: number): Term {
    let lhs = this.parseTerm();
    let chain = 0;
    for (;;) {
      const op = BINARY[this.tok.kind];
      if (!op || op[0] < minLevel) return lhs;
      const opLoc = this.loc;
      this.next();
      const rhs = op[0] === 5 ? this.parseTerm() : this.parseBinary(op[0] + 1);
      lhs = this.call(op[1], opLoc, [lhs, rhs], lhs.loc);
      this.checkChain(++chain);
    }
  }

  /** Left-nested operator chains deepen the AST; bound them like nesting. */
  private checkChain(chain: number): void {
    if (this.depth + chain > this.limits.maxDepth) throw new LimitFail(`maximum nesting depth exceeded (${this.limits.maxDepth})`, this.loc);
  }

  private call(op: string, opLoc: Location, args: Term[], loc: Location): CallTerm {
    return { type: 'call', op, opLoc, args, loc };
  }

  // --- primary terms -----------------------------------------------------

  /**
   * A primary term with its ref/call suffix. `asVar` reads a leading keyword
   * as a variable (package and import paths).
   */
  private parseTerm(asVar = false): Term {
    const start = this.pos;
    const cached = asVar ? undefined : this.memo.get(start);
    if (cached) {
      if ('error' in cached) throw cached.error;
      this.pos = cached.end;
      return cached.term;
    }
    this.enter();
    try {
      const term = this.parsePrimary(asVar);
      const t = this.tok;
      const result = !t.ws && (t.kind === '.' || t.kind === '[' || t.kind === '(') ? this.parseRefSuffix(term) : term;
      if (!asVar) this.memo.set(start, { term: result, end: this.pos });
      return result;
    } catch (e) {
      if (e instanceof SyntaxFail && !asVar) this.memo.set(start, { error: e });
      throw e;
    } finally {
      this.depth--;
    }
  }

  private parsePrimary(asVar: boolean): Term {
    const t = this.tok;
    const loc = this.loc;
    switch (t.kind) {
      case 'ident': {
        if (!asVar && this.isKeyword(t)) {
          if (t.text === 'null' || t.text === 'true' || t.text === 'false') {
            this.next();
            return { type: 'scalar', value: t.text === 'null' ? null : t.text === 'true', loc };
          }
          // `contains` is only special in rule heads; elsewhere it is the builtin's name.
          if (t.text !== 'contains' && !this.keywordStartsRef()) this.illegal();
        }
        this.next();
        return { type: 'var', name: t.text, loc };
      }
      case 'number':
      case '-':
      case '.':
        return this.parseNumber();
      case 'string': {
        this.next();
        return { type: 'scalar', value: decodeString(t.text, () => this.fail(`illegal string literal: ${t.text}`, loc)), loc };
      }
      case 'rawstring':
        this.next();
        return { type: 'scalar', value: t.text.slice(1, -1), loc };
      case 'template':
        this.next();
        return this.parseTemplate(t.text, loc);
      case '[':
        return this.parseArray();
      case '{':
        return this.parseSetOrObject();
      case '(': {
        this.next();
        const inner = this.parseTermInfixCall();
        if (!this.is(')')) this.fail('non-terminated expression');
        this.next();
        return inner;
      }
      default:
        this.illegal();
    }
  }

  /**
   * `$"Hello {name}!"` → internal.template_string([ "Hello ", [v | v := name], "!" ]).
   * Each `{expr}` becomes an array comprehension of its values, so an
   * undefined expression renders as "<undefined>" instead of failing the
   * string, and an expression may carry `with` modifiers.
   */
  private parseTemplate(text: string, loc: Location): Term {
    const raw = text[1] === '`';
    const body = text.slice(2, -1);
    const parts: Term[] = [];
    let literal = '';
    let i = 0;
    const flush = () => {
      if (literal) parts.push({ type: 'scalar', value: literal, loc });
      literal = '';
    };
    while (i < body.length) {
      const ch = body[i];
      if (ch === '\\' && !raw && (body[i + 1] === '{' || body[i + 1] === '}')) { literal += body[i + 1]; i += 2; continue; }
      if (ch === '\\' && !raw) {
        const m = /^\\(u[0-9a-fA-F]{4}|.)/s.exec(body.slice(i));
        literal += decodeString('"' + (m ? m[0] : '\\') + '"', () => this.fail('illegal escape in template string', loc));
        i += m ? m[0].length : 1;
        continue;
      }
      if (ch !== '{') { literal += ch; i++; continue; }
      // Find the matching close brace, skipping string literals.
      let depth = 1;
      let j = i + 1;
      while (j < body.length && depth > 0) {
        const c = body[j];
        if (c === '"' || c === '`') {
          j++;
          while (j < body.length && body[j] !== c) j += c === '"' && body[j] === '\\' ? 2 : 1;
        } else if (c === '{') depth++;
        else if (c === '}') depth--;
        j++;
      }
      if (depth !== 0) this.fail('non-terminated template expression', loc);
      flush();
      const exprText = body.slice(i + 1, j - 1);
      if (!exprText.trim()) this.fail('empty template expression', loc);
      const exprs = parseQuery(exprText, { regoVersion: this.version, file: this.file });
      if (exprs.length !== 1 || exprs[0].kind !== 'term' || exprs[0].negated) this.fail('a template expression must be a single term', loc);
      const e = exprs[0] as Expr & { kind: 'term' };
      const v: VarTerm = { type: 'var', name: `__template${this.templateCount++}`, loc };
      parts.push({
        type: 'arraycompr',
        term: v,
        body: [{ kind: 'assign', left: v, right: e.term, negated: false, with: e.with, loc: e.loc }],
        loc,
      });
      i = j;
    }
    flush();
    return { type: 'call', op: 'internal.template_string', opLoc: loc, args: [{ type: 'array', items: parts, loc }], loc };
  }

  private templateCount = 0;

  private parseNumber(): ScalarTerm | CallTerm {
    const loc = this.loc;
    let prefix = '';
    if (this.is('-')) {
      prefix = '-';
      this.next();
      if (!this.is('number') && !this.is('.')) {
        // OPA only negates number literals ("expected number"); like rego-cpp we
        // also accept `-x` for any other term, as `0 - x`.
        const opLoc = loc;
        const operand = this.parseTerm();
        return this.call('minus', opLoc, [{ type: 'scalar', value: 0, loc }, operand], loc);
      }
    }
    if (this.is('.')) {
      prefix += '.';
      this.next();
      if (!this.is('number')) this.illegal('expected number');
    }
    const lit = this.tok.text;
    if (!prefix.endsWith('.') && lit.length > 1 && lit[0] === '0') {
      const decimal = lit[1] === '.';
      const scientific = lit.length > 2 && (lit[1] === 'e' || lit[1] === 'E');
      if (!decimal && !scientific) this.illegal('expected number without leading zero');
    }
    const value = parseNumberText(prefix + lit);
    if (typeof value === 'number' && !Number.isFinite(value)) this.fail('number too big');
    this.next();
    return { type: 'scalar', value, loc };
  }

  /** Refs and calls after a head term: `.x`, `[t]`, `(args)`. */
  private parseRefSuffix(head: Term): Term {
    if (!['var', 'array', 'object', 'set', 'arraycompr', 'objectcompr', 'setcompr', 'call'].includes(head.type)) {
      this.fail(`illegal ref (head cannot be ${valueName(head)})`, head.loc);
    }
    const path: Term[] = [];
    for (;;) {
      const t = this.tok;
      if (t.kind === '.') {
        this.next();
        if (this.tok.ws) this.fail('unexpected whitespace token: expected ident');
        if (this.tok.kind !== 'ident') this.illegal('expected ident');
        path.push({ type: 'scalar', value: this.tok.text, loc: this.loc });
        this.next();
      } else if (t.kind === '[') {
        this.next();
        const el = this.parseTermInfixCall();
        if (!this.is(']')) this.illegal('expected [');
        path.push(el);
        this.next();
      } else if (t.kind === '(') {
        const opRef = [head, ...path];
        const call = this.parseCall(opRef, head.loc);
        const n = this.tok;
        if (!n.ws && (n.kind === '.' || n.kind === '[')) {
          this.enter();
          try {
            return this.parseRefSuffix(call);
          } finally {
            this.depth--;
          }
        }
        return call;
      } else {
        break;
      }
      const n = this.tok;
      if (n.ws || !(n.kind === '.' || n.kind === '[' || n.kind === '(')) break;
    }
    return { type: 'ref', head, path, loc: head.loc };
  }

  private parseCall(opRef: Term[], loc: Location): Term {
    this.next();
    if (this.is(')')) {
      this.next();
      if (opRef.length === 1 && opRef[0].type === 'var' && opRef[0].name === 'set') return { type: 'set', items: [], loc };
      return this.recordCall(opRef, [], loc);
    }
    const args = this.parseTermList(')', []);
    this.next();
    return this.recordCall(opRef, args, loc);
  }

  private recordCall(opRef: Term[], args: Term[], loc: Location): CallTerm {
    const call = this.call(refString(opRef), loc, args, loc);
    this.callRefs.set(call, opRef);
    return call;
  }

  /** Comma-separated terms up to `end` (a trailing comma is allowed); leaves `end` current. */
  private parseTermList(end: ')' | ']' | '}', items: Term[]): Term[] {
    if (this.is(end)) return items;
    for (;;) {
      items.push(this.parseTermInfixCall(false));
      if (this.is(end)) return items;
      if (!this.is(',')) this.illegal(`expected "," or "${end}"`);
      this.next();
      if (this.is(end)) return items;
    }
  }

  private parseArray(): Term {
    const loc = this.loc;
    this.next();
    if (this.is(']')) {
      this.next();
      return { type: 'array', items: [], loc };
    }
    let potentialComprehension = true;
    // A leading comma ([, x]) is accepted for compatibility, as OPA does.
    if (this.is(',')) {
      potentialComprehension = false;
      this.next();
    }
    const save = this.pos;
    // A single term first: `[a | b]` is a comprehension rather than a one-element array of `a | b`.
    const head = this.parseTerm();
    if (this.is(']')) {
      this.next();
      return { type: 'array', items: [head], loc };
    }
    if (this.is(',')) {
      this.next();
      const items = this.parseTermList(']', [head]);
      this.next();
      return { type: 'array', items, loc };
    }
    if (this.is('|') && potentialComprehension) {
      this.next();
      const attempt = this.attempt(() => this.parseBody(']'));
      if ('value' in attempt) {
        this.next();
        return { type: 'arraycompr', term: head, body: attempt.value, loc };
      }
      if (!this.is(',')) throw attempt.error;
    }
    this.pos = save;
    const items = this.parseTermList(']', []);
    this.next();
    return { type: 'array', items, loc };
  }

  private parseSetOrObject(): Term {
    const loc = this.loc;
    this.next();
    if (this.is('}')) {
      this.next();
      return { type: 'object', entries: [], loc };
    }
    let potentialComprehension = true;
    if (this.is(',')) {
      potentialComprehension = false;
      this.next();
    }
    const save = this.pos;
    // As for arrays: `{a | b}` is a set comprehension.
    let head = this.parseTerm();
    if ((this.is('|') && potentialComprehension) || this.is('}') || this.is(',')) return this.parseSet(save, head, potentialComprehension, loc);
    if (this.is(':')) return this.parseObject(head, potentialComprehension, loc);
    this.pos = save;
    head = this.parseTermInfixCall(false);
    if (this.is('}') || this.is(',')) return this.parseSet(save, head, false, loc);
    if (this.is(':')) return this.parseObject(head, potentialComprehension, loc);
    this.illegal('non-terminated set');
  }

  private parseSet(save: number, head: Term, potentialComprehension: boolean, loc: Location): Term {
    if (this.is('}')) {
      this.next();
      return { type: 'set', items: [head], loc };
    }
    if (this.is(',')) {
      this.next();
      const items = this.parseTermList('}', [head]);
      this.next();
      return { type: 'set', items, loc };
    }
    // `|` after a single term.
    if (potentialComprehension) {
      this.next();
      const attempt = this.attempt(() => this.parseBody('}'));
      if ('value' in attempt) {
        this.next();
        return { type: 'setcompr', term: head, body: attempt.value, loc };
      }
      if (!this.is(',')) throw attempt.error;
    }
    this.pos = save;
    const items = this.parseTermList('}', []);
    this.next();
    return { type: 'set', items, loc };
  }

  private parseObject(key: Term, potentialComprehension: boolean, loc: Location): Term {
    this.next(); // past ':'
    const save = this.pos;
    const value = this.parseTerm();
    let potentialRelation = true;
    if (potentialComprehension && (this.is('}') || this.is(',') || this.is('|'))) {
      if (!this.is('|')) potentialRelation = false;
      const attempt = this.attempt(() => this.parseObjectFinish(key, value, true, loc));
      if ('value' in attempt && attempt.value) return attempt.value;
    }
    this.pos = save;
    if (potentialRelation) {
      const v = this.parseTermInfixCall(false);
      if (this.is('}') || this.is(',')) {
        const obj = this.parseObjectFinish(key, v, false, loc);
        if (obj) return obj;
      }
    }
    this.illegal('non-terminated object');
  }

  private parseObjectFinish(key: Term, value: Term, potentialComprehension: boolean, loc: Location): Term | undefined {
    if (this.is('}')) {
      this.next();
      return { type: 'object', entries: [[key, value]], loc };
    }
    if (this.is('|')) {
      if (!potentialComprehension) this.illegal('non-terminated object');
      this.next();
      const attempt = this.attempt(() => this.parseBody('}'));
      if (!('value' in attempt)) return undefined;
      this.next();
      return { type: 'objectcompr', key, value, body: attempt.value, loc };
    }
    // ','
    this.next();
    const entries: [Term, Term][] = [[key, value]];
    while (!this.is('}')) {
      const k = this.parseTermInfixCall(false);
      if (!this.is(':')) this.illegal('expected ":"');
      this.next();
      const v = this.parseTermInfixCall(false);
      entries.push([k, v]);
      if (this.is('}')) break;
      if (!this.is(',')) this.illegal('expected "," or "}"');
      this.next();
    }
    this.next();
    return { type: 'object', entries, loc };
  }

  // --- queries and single terms ----------------------------------------

  parseQueryText(): Body {
    if (this.is('eof')) this.fail('empty query');
    // Unlike OPA (which accepts `1 2` as two statements), expressions in a
    // query must be separated by a newline or `;`, as in a rule body.
    // A trailing `;` is tolerated (OPA rejects it; rego-cpp accepts it).
    let end = this.tokens.length - 1;
    if (end > 1 && this.tokens[end - 1].kind === ';') this.tokens.splice(--end, 1);
    return this.parseBody('eof');
  }

  parseSingleTerm(): Term {
    const body = this.parseQueryText();
    const e = body[0];
    if (body.length !== 1) this.fail('expected exactly one term', e.loc);
    if (e.kind !== 'term' || e.negated || e.with.length > 0 || e.term.type === 'call') this.fail('expected term', e.loc);
    return e.term;
  }

  // --- module assembly (OPA's parseModule) ----------------------------

  private assembleModule(stmts: Statement[], rawAnnotations: RawAnnotation[], source: string): Module {
    const errors: RegoError[] = [];
    const err = (msg: string, loc: Location): void => {
      errors.push(new RegoError('rego_parse_error', msg, loc));
    };
    if (stmts.length === 0) throw parseError('empty module', { file: this.file, row: 1, col: 1 });

    const first = stmts[0];
    const mod: Module = {
      file: this.file,
      regoVersion: this.version === 1 || this.regoV1Imported ? 1 : 0,
      package: [],
      packageLoc: first.kind === 'package' ? first.loc : { file: this.file, row: 1, col: 1 },
      imports: [],
      rules: [],
      annotations: [],
      source,
    };
    if (first.kind === 'package') mod.package = first.path;
    else err('package expected', statementLoc(first));

    // Statements in source order, for attaching annotations.
    const nodes: { kind: 'package' | 'import' | 'rule'; loc: Location; rule?: Rule }[] = [];
    if (first.kind === 'package') nodes.push({ kind: 'package', loc: first.loc });
    for (const stmt of stmts.slice(first.kind === 'package' ? 1 : 0)) {
      switch (stmt.kind) {
        case 'package':
          err('unexpected package', stmt.loc);
          break;
        case 'import':
          mod.imports.push(stmt.imp);
          nodes.push({ kind: 'import', loc: stmt.imp.loc });
          break;
        case 'rules':
          for (const rule of stmt.rules) {
            mod.rules.push(rule);
            nodes.push({ kind: 'rule', loc: rule.loc, rule });
          }
          break;
        case 'body': {
          const rule = this.ruleFromBody(stmt.body);
          if (typeof rule === 'string') err(rule, stmt.body[0].loc);
          else {
            mod.rules.push(rule);
            nodes.push({ kind: 'rule', loc: rule.loc, rule });
          }
          break;
        }
      }
    }

    if (mod.regoVersion === 1) {
      for (const rule of mod.rules) {
        this.checkV1(rule, rule.head, rule.loc, err);
        for (let e = rule.else; e; e = e.else) this.checkV1(e, rule.head, e.loc, err);
      }
    }
    if (errors.length > 0) throw new CompileError(errors);

    attachAnnotations(mod, nodes, rawAnnotations, err);
    if (errors.length > 0) throw new CompileError(errors);
    return mod;
  }

  /** OPA's checkRegoV1Rule: the v1 requirements on how a rule is written. */
  private checkV1(node: Rule | ElseClause, head: RuleHead, loc: Location, err: (msg: string, loc: Location) => void): void {
    const w = this.written.get(node);
    if (!w) return;
    const t = head.kind === 'function' ? 'function' : 'rule';
    const name = head.ref[0];
    if (head.ref.length < 2 && name.type === 'var' && V1_KEYWORDS.has(name.name)) err(`${name.name} keyword cannot be used for rule name`, loc);
    if (w.generatedBody && w.generatedValue) err(`${t} must have value assignment and/or body declaration`, loc);
    if (!w.generatedBody && !w.usesIf && !w.isDefault) err(`\`if\` keyword is required before ${t} body`, loc);
    if (head.kind === 'multi' && !w.usesContains && 'head' in node) err('`contains` keyword is required for partial set rules', loc);
  }

  /** OPA's ParseRuleFromBody: `p := 1`, `p[x] = y`, `f(x) = y`, `p.q`, `p[x]` written without a body. Returns an error message on failure. */
  private ruleFromBody(body: Body): Rule | string {
    if (body.length !== 1) return 'multiple expressions cannot be used for rule head';
    const e = body[0];
    if (e.with.length > 0) return 'expressions using with keyword cannot be used for rule head';
    if (e.negated) return 'negated expressions cannot be used for rule head';
    if (e.kind === 'some' || e.kind === 'somein') return "'some' declarations cannot be used for rule head";
    if (e.kind === 'every') return 'expression cannot be used for rule head';
    const written: Written = { usesIf: false, usesContains: false, generatedBody: true, generatedValue: false, isDefault: false };
    const loc = e.loc;
    const head = (ref: Term[], extra: Partial<HeadInfo>): HeadInfo => ({ ref, assign: false, loc, usesContains: false, generatedValue: false, ...extra });

    if (e.kind === 'term') {
      const t = e.term;
      if (t.type === 'ref') {
        if (t.head.type !== 'var') return `invalid rule head: ${termString(t)}`;
        if (t.path.length > 1) return this.makeRule(head([t.head, ...t.path], { generatedValue: true }), [], loc, false, { ...written, generatedValue: true });
        return this.makeRule(head([t.head], { key: t.path[0] }), [], loc, false, written, true);
      }
      if (t.type === 'call') {
        if (INFIX_NAMES.has(t.op)) return 'rule name conflicts with built-in function';
        if (t.args.length === 0) return 'rule argument list must take at least one argument';
        const opRef = this.callRefs.get(t) ?? [];
        if (opRef[0]?.type !== 'var') return `invalid rule head: ${t.op}`;
        return this.makeRule(head(opRef, { args: t.args }), [], loc, false, written);
      }
      return `${valueName(t)} cannot be used for rule name`;
    }

    // unify / assign
    const assign = e.kind === 'assign';
    const lhs = e.left;
    const value = e.right;
    if (lhs.type === 'call') {
      const opRef = this.callRefs.get(lhs) ?? [];
      if (opRef[0]?.type === 'var') return this.makeRule(head(opRef, { args: lhs.args, value, assign }), [], loc, false, written);
      return `${valueName(lhs)} cannot be used for rule name`;
    }
    if (lhs.type === 'ref') {
      if (lhs.head.type !== 'var') return `invalid rule head: ${termString(lhs)}`;
      return this.makeRule(head([lhs.head, ...lhs.path], { value, assign }), [], loc, false, written);
    }
    if (lhs.type === 'var') return this.makeRule(head([lhs], { value, assign }), [], loc, false, written);
    return `${valueName(lhs)} cannot be used for rule name`;
  }
}

// ---------------------------------------------------------------------------
// Annotations attachment (OPA's attachAnnotationsNodes)

function attachAnnotations(
  mod: Module,
  nodes: { kind: 'package' | 'import' | 'rule'; loc: Location; rule?: Rule }[],
  raws: RawAnnotation[],
  err: (msg: string, loc: Location) => void,
): void {
  const scopes = ['rule', 'document', 'package', 'subpackages'];
  for (const raw of raws) {
    const node = nodes.find((n) => n.loc.row > raw.loc.row);
    let scope = raw.scope ?? '';
    if (raw.scope === undefined && node) scope = node.kind === 'rule' ? (raw.entrypoint ? 'document' : 'rule') : node.kind;
    if (!scopes.includes(scope)) {
      err(`invalid annotation scope '${scope}'. Use one of 'rule', 'document', 'package', or 'subpackages'`, raw.loc);
      continue;
    }
    const want = scope === 'rule' || scope === 'document' ? 'rule' : 'package';
    if (node?.kind !== want) {
      err(`annotation scope '${scope}' must be applied to ${want}${node ? ` (have ${node.kind})` : ''}`, raw.loc);
      continue;
    }
    if (raw.entrypoint && scope !== 'document' && scope !== 'package') {
      err(`annotation entrypoint applied to non-document or package scope '${scope}'`, raw.loc);
      continue;
    }
    const ann: Annotation = { scope: scope as AnnotationScope, fields: raw.fields, loc: raw.loc };
    if (raw.title !== undefined) ann.title = raw.title;
    if (raw.description !== undefined) ann.description = raw.description;
    if (raw.entrypoint !== undefined) ann.entrypoint = raw.entrypoint;
    if (want === 'package') mod.annotations.push(ann);
    else if (scope === 'rule') node.rule?.annotations.push(ann);
    else {
      // Document scope: every rule of this module defining the same document.
      const path = groundPrefixKey(node.rule?.head.ref ?? []);
      for (const r of mod.rules) if (groundPrefixKey(r.head.ref) === path) r.annotations.push(ann);
    }
  }
}

function groundPrefixKey(ref: Term[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ref.length; i++) {
    const t = ref[i];
    if (i > 0 && !isGround(t)) break;
    parts.push(termString(t));
  }
  return parts.join('\u0000');
}

// ---------------------------------------------------------------------------
// Helpers

function statementLoc(s: Statement): Location {
  switch (s.kind) {
    case 'package':
    case 'body':
      return s.loc;
    case 'import':
      return s.imp.loc;
    case 'rules':
      return s.rules[0].loc;
  }
}

function importParts(path: VarTerm | RefTerm): string[] {
  if (path.type === 'var') return [path.name];
  return [(path.head as VarTerm).name, ...path.path.map((p) => String((p as ScalarTerm).value))];
}

/** Decodes a double-quoted string literal with JSON escapes, as OPA does (lone surrogates become U+FFFD, as in Go). */
function decodeString(text: string, onError: () => never): string {
  const inner = text.slice(1, -1);
  if (!inner.includes('\\')) return inner;
  let s: unknown;
  try {
    s = JSON.parse(text);
  } catch {
    onError();
  }
  if (typeof s !== 'string') onError();
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** OPA's ValueName: the kind of a term as error messages name it. */
function valueName(t: Term): string {
  switch (t.type) {
    case 'scalar':
      if (t.value === null) return 'null';
      if (typeof t.value === 'boolean') return 'boolean';
      if (typeof t.value === 'string') return 'string';
      return 'number';
    case 'arraycompr':
      return 'arraycomprehension';
    case 'setcompr':
      return 'setcomprehension';
    case 'objectcompr':
      return 'objectcomprehension';
    default:
      return t.type;
  }
}

/** Ground terms contain no variables (refs and calls count as non-ground). */
function isGround(t: Term): boolean {
  switch (t.type) {
    case 'scalar':
      return true;
    case 'array':
    case 'set':
      return t.items.every(isGround);
    case 'object':
      return t.entries.every(([k, v]) => isGround(k) && isGround(v));
    default:
      return false;
  }
}

/** The first var, ref or call in a default value (outside comprehensions), by OPA's type name. */
function findNonConstant(t: Term): string | undefined {
  switch (t.type) {
    case 'var':
    case 'ref':
    case 'call':
      return t.type;
    case 'array':
    case 'set':
      for (const x of t.items) {
        const bad = findNonConstant(x);
        if (bad) return bad;
      }
      return undefined;
    case 'object':
      for (const [k, v] of t.entries) {
        const bad = findNonConstant(k) ?? findNonConstant(v);
        if (bad) return bad;
      }
      return undefined;
    default:
      return undefined;
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A ref as OPA prints it: `data.lib.f`, `a["b-c"]`, `a[0]`, `a[x]`. */
function refString(ref: Term[]): string {
  let s = ref.length > 0 ? termString(ref[0]) : '';
  for (const el of ref.slice(1)) {
    if (el.type === 'scalar' && typeof el.value === 'string' && IDENT.test(el.value)) s += '.' + el.value;
    else s += '[' + termString(el) + ']';
  }
  return s;
}

/** A compact rendering of a term for messages and call names. */
function termString(t: Term): string {
  switch (t.type) {
    case 'scalar':
      if (typeof t.value === 'string') return JSON.stringify(t.value);
      return t.value === null ? 'null' : String(t.value);
    case 'var':
      return t.name;
    case 'ref':
      return refString([t.head, ...t.path]);
    case 'array':
      return '[' + t.items.map(termString).join(', ') + ']';
    case 'set':
      return t.items.length === 0 ? 'set()' : '{' + t.items.map(termString).join(', ') + '}';
    case 'object':
      return '{' + t.entries.map(([k, v]) => termString(k) + ': ' + termString(v)).join(', ') + '}';
    case 'call':
      return t.op + '(' + t.args.map(termString).join(', ') + ')';
    case 'arraycompr':
      return '[' + termString(t.term) + ' | ...]';
    case 'setcompr':
      return '{' + termString(t.term) + ' | ...}';
    case 'objectcompr':
      return '{' + termString(t.key) + ': ' + termString(t.value) + ' | ...}';
  }
}

function cloneHead(h: RuleHead): RuleHead {
  return structuredClone(h);
}
