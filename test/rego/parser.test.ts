import { expect } from 'chai';
import { parseModule, parseQuery, parseTerm } from '../../src/rego/parser.js';
import { CompileError } from '../../src/rego/errors.js';
import type { Body, Expr, Module, Rule, Term } from '../../src/rego/ast.js';

/** Strips locations so structures can be compared. */
function bare(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (k, v: unknown) => (k === 'loc' || k === 'opLoc' ? undefined : typeof v === 'bigint' ? `${v}n` : v)));
}

const mod = (src: string, regoVersion: 0 | 1 = 1): Module => parseModule(src, 'test.rego', { regoVersion });
const rules = (src: string, regoVersion: 0 | 1 = 1): Rule[] => mod(src, regoVersion).rules;
const query = (src: string, regoVersion: 0 | 1 = 1): Body => parseQuery(src, { regoVersion });
const expr = (src: string): Expr => query(src)[0];
const term = (src: string): Term => {
  const e = expr(src);
  if (e.kind !== 'term') throw new Error(`not a term expression: ${e.kind}`);
  return e.term;
};

/** The parse error messages (without location prefix) of a failing call. */
function parseErrors(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(CompileError);
    const ce = e as CompileError;
    expect(ce.code).to.equal('rego_parse_error');
    return ce.errors.map((x) => x.detail);
  }
  throw new Error('expected a parse error');
}

const v = (name: string) => ({ type: 'var', name });
const s = (value: unknown) => ({ type: 'scalar', value });
const call = (op: string, ...args: unknown[]) => ({ type: 'call', op, args });

describe('rego parser', () => {
  describe('modules', () => {
    it('reads dotted and quoted package paths', () => {
      expect(mod('package a.b["c-d"].e').package).to.deep.equal(['a', 'b', 'c-d', 'e']);
      expect(mod('package x').packageLoc).to.deep.equal({ file: 'test.rego', row: 1, col: 1 });
      expect(parseErrors(() => mod('package a[x]'))).to.deep.equal(['unexpected var token: expecting string']);
    });

    it('reads imports with and without aliases', () => {
      const m = mod('package a\nimport data.x.y\nimport data.z as w\nimport input.q\nimport future.keywords.in\nimport rego.v1');
      expect(bare(m.imports)).to.deep.equal([
        { path: { type: 'ref', head: v('data'), path: [s('x'), s('y')] } },
        { path: { type: 'ref', head: v('data'), path: [s('z')] }, alias: 'w' },
        { path: { type: 'ref', head: v('input'), path: [s('q')] } },
        { path: { type: 'ref', head: v('future'), path: [s('keywords'), s('in')] } },
        { path: { type: 'ref', head: v('rego'), path: [s('v1')] } },
      ]);
    });

    it('rejects bad imports with OPA messages', () => {
      expect(parseErrors(() => mod('package a\nimport foo.bar'))[0]).to.equal(
        'unexpected import path, must begin with one of: {data, future, input, rego}, got: foo (hint: if this is unexpected, try updating OPA)');
      expect(parseErrors(() => mod('package a\nimport rego.v2'))).to.deep.equal(['invalid import `rego.v2`, must be `rego.v1`']);
      expect(parseErrors(() => mod('package a\nimport future.keywords.foo', 0))).to.deep.equal(['unexpected keyword, must be one of [contains every if in]']);
      expect(parseErrors(() => mod('package a\nimport future.keywords as k', 0))).to.deep.equal(['`future` imports cannot be aliased']);
      expect(parseErrors(() => mod('package a\nimport rego.v1\nimport future.keywords.in', 0))[0]).to.match(/mutually exclusive/);
    });

    it('requires a package first and only once', () => {
      expect(parseErrors(() => mod('p := 1'))).to.deep.equal(['package expected']);
      expect(parseErrors(() => mod('package a\npackage b'))).to.deep.equal(['unexpected package']);
      expect(parseErrors(() => mod(''))).to.deep.equal(['empty module']);
    });

    it('keeps the source and the effective Rego version', () => {
      const src = 'package a\nimport rego.v1\np if true';
      expect(mod(src, 0).source).to.equal(src);
      expect(mod(src, 0).regoVersion).to.equal(1);
      expect(mod('package a\np { true }', 0).regoVersion).to.equal(0);
    });
  });

  describe('rules (v1)', () => {
    it('parses complete rules with and without bodies', () => {
      const [a, b, c, d] = rules('package a\np := 1\nq = 2 if input.x\nr if { true }\ns.t.u := 3');
      expect(bare(a.head)).to.deep.equal({ kind: 'single', ref: [v('p')], assign: true, value: s(1) });
      expect(a.body).to.deep.equal([]);
      expect(bare(b.head)).to.deep.equal({ kind: 'single', ref: [v('q')], assign: false, value: s(2) });
      expect(b.body).to.have.length(1);
      expect(bare(c.head)).to.deep.equal({ kind: 'single', ref: [v('r')], assign: false });
      expect(bare(d.head.ref)).to.deep.equal([v('s'), s('t'), s('u')]);
    });

    it('parses multi-value rules with contains', () => {
      const [a, b] = rules('package a\np contains x if { some x in [1, 2] }\nq contains "a"');
      expect(bare(a.head)).to.deep.equal({ kind: 'multi', ref: [v('p')], key: v('x'), assign: false });
      expect(bare(b.head)).to.deep.equal({ kind: 'multi', ref: [v('q')], key: s('a'), assign: false });
      expect(b.body).to.deep.equal([]);
    });

    it('parses ref heads and partial objects', () => {
      const [a, b] = rules('package a\na.b[c] := v if { c := "k"; v := 1 }\np[x] := y if { x := 1; y := 2 }');
      expect(bare(a.head)).to.deep.equal({ kind: 'single', ref: [v('a'), s('b'), v('c')], assign: true, value: v('v') });
      expect(bare(b.head)).to.deep.equal({ kind: 'single', ref: [v('p'), v('x')], assign: true, value: v('y') });
    });

    it('parses functions, including several definitions', () => {
      const [f1, f2, g] = rules('package a\nf(x, y) := z if { z := x + y }\nf(x) if x > 1\ndata.lib.g(_) := 1');
      expect(bare(f1.head)).to.deep.equal({ kind: 'function', ref: [v('f')], args: [v('x'), v('y')], assign: true, value: v('z') });
      expect(bare(f2.head)).to.deep.equal({ kind: 'function', ref: [v('f')], args: [v('x')], assign: false });
      expect(bare(g.head.ref)).to.deep.equal([v('data'), s('lib'), s('g')]);
    });

    it('parses default rules and functions', () => {
      const [p, f] = rules('package a\ndefault p := false\ndefault f(_) := 1');
      expect(p.default).to.equal(true);
      expect(bare(p.head)).to.deep.equal({ kind: 'single', ref: [v('p')], assign: true, value: s(false) });
      expect(f.default).to.equal(true);
      expect(f.head.kind).to.equal('function');
      expect(parseErrors(() => mod('package a\ndefault p := x'))).to.deep.equal(['illegal default rule (value cannot contain var)']);
      expect(parseErrors(() => mod('package a\ndefault f(x, x) := 1'))).to.deep.equal(['illegal default rule (arguments cannot be repeated x)']);
      expect(parseErrors(() => mod('package a\ndefault f(1) := 1'))).to.deep.equal(['illegal default rule (arguments cannot contain number)']);
    });

    it('parses else chains', () => {
      const [r] = rules('package a\np := 1 if { false } else := 2 if { true } else = 3 if input.x else := 4');
      expect(bare(r.else)).to.deep.equal({
        value: s(2),
        body: [{ kind: 'term', term: s(true), negated: false, with: [] }],
        else: {
          value: s(3),
          body: [{ kind: 'term', term: { type: 'ref', head: v('input'), path: [s('x')] }, negated: false, with: [] }],
          else: { value: s(4), body: [] },
        },
      });
      const [f] = rules('package a\nf(x) := 1 if x > 0 else := 0');
      expect(f.else?.value).to.deep.include({ value: 0 });
      expect(parseErrors(() => mod('package a\np[x] := 1 if { x := 1 } else := 2'))).to.deep.equal(['else keyword cannot be used on rules with variables in head']);
      expect(parseErrors(() => mod('package a\np contains 1 if { true } else := 2'))).to.deep.equal(['else keyword cannot be used on multi-value rules']);
    });

    it('reads `if { true }` as a body, not a set, and `if {}` as an object', () => {
      const [a, b] = rules('package a\np if { true }\nq if {}');
      expect(bare(a.body)).to.deep.equal([{ kind: 'term', term: s(true), negated: false, with: [] }]);
      expect(bare(b.body)).to.deep.equal([{ kind: 'term', term: { type: 'object', entries: [] }, negated: false, with: [] }]);
    });

    it('enforces the v1 rule syntax with OPA messages', () => {
      expect(parseErrors(() => mod('package a\np { true }'))).to.deep.equal(['`if` keyword is required before rule body']);
      expect(parseErrors(() => mod('package a\nf(x) { true }'))).to.deep.equal(['`if` keyword is required before function body']);
      expect(parseErrors(() => mod('package a\np[x] { x := 1 }'))).to.deep.equal([
        '`if` keyword is required before rule body',
        '`contains` keyword is required for partial set rules',
      ]);
      expect(parseErrors(() => mod('package a\np := 1 if { false } else = 2 { true }'))).to.deep.equal(['`if` keyword is required before rule body']);
      expect(parseErrors(() => mod('package a\np'))).to.deep.equal(['var cannot be used for rule name']);
      expect(parseErrors(() => mod('package a\np.q'))).to.deep.equal(['`contains` keyword is required for partial set rules']);
      expect(parseErrors(() => mod('package a\np.q.r'))).to.deep.equal(['rule must have value assignment and/or body declaration']);
      expect(parseErrors(() => mod('package a\ncontains(x) := 1'))).to.deep.equal(['contains keyword cannot be used for rule name']);
      expect(parseErrors(() => mod('package a\n1 + 2'))).to.deep.equal(['rule name conflicts with built-in function']);
      expect(parseErrors(() => mod('package a\n"x"'))).to.deep.equal(['string cannot be used for rule name']);
    });

    it('gives chained bodies their own rules', () => {
      const rs = rules('package a\np if { input.x } { input.y }');
      expect(rs).to.have.length(2);
      expect(bare(rs[1].head)).to.deep.equal(bare(rs[0].head));
      expect(rs[1].loc).to.deep.equal({ file: 'test.rego', row: 2, col: 18 });
    });
  });

  describe('rules (v0)', () => {
    it('parses v0 bodies, partial sets and partial objects', () => {
      const [p, s1, o, f] = rules('package a\np { true }\ns[x] { x := 1 }\no[k] = v { k := "a"; v := 1 }\nf(x) = y { y := x }', 0);
      expect(bare(p.head)).to.deep.equal({ kind: 'single', ref: [v('p')], assign: false });
      expect(bare(s1.head)).to.deep.equal({ kind: 'multi', ref: [v('s')], key: v('x'), assign: false });
      expect(bare(o.head)).to.deep.equal({ kind: 'single', ref: [v('o'), v('k')], assign: false, value: v('v') });
      expect(f.head.kind).to.equal('function');
      expect(bare(rules('package a\np = 1 { false } else = 2 { true } else { true }', 0)[0].else?.else)).to.deep.equal({
        body: [{ kind: 'term', term: s(true), negated: false, with: [] }],
      });
    });

    it('turns future keywords on only when imported', () => {
      expect(parseErrors(() => mod('package a\np { 1 in [1] }', 0))).to.deep.equal(['unexpected ident token: expected \\n or ; or }']);
      expect(parseErrors(() => mod('package a\np { some k, v in [1] }', 0))).to.deep.equal([
        'unexpected ident token: expected \\n or ; or } (hint: `import future.keywords.in` for `some x in xs` expressions)',
      ]);
      expect(rules('package a\nimport future.keywords.in\np { 1 in [1] }', 0)).to.have.length(1);
      expect(rules('package a\nimport future.keywords\np contains 1 if { every x in [1] { x > 0 } }', 0)[0].head.kind).to.equal('multi');
      // `contains` is a plain name (the builtin) without the import.
      expect(rules('package a\np { contains("abc", "b") }', 0)).to.have.length(1);
    });

    it('requires v1 syntax after import rego.v1', () => {
      expect(parseErrors(() => mod('package a\nimport rego.v1\np { true }', 0))).to.deep.equal(['`if` keyword is required before rule body']);
      expect(rules('package a\nimport rego.v1\np if { true }', 0)).to.have.length(1);
    });

    it('accepts import rego.v1 and future.keywords as no-ops in v1', () => {
      expect(rules('package a\nimport rego.v1\nimport future.keywords.in\np if 1 in [1]')).to.have.length(1);
    });
  });

  describe('expressions', () => {
    it('applies OPA operator precedence', () => {
      expect(bare(term('1 + 2 * 3 == 7'))).to.deep.equal(call('equal', call('plus', s(1), call('mul', s(2), s(3))), s(7)));
      expect(bare(term('a - b - c'))).to.deep.equal(call('minus', call('minus', v('a'), v('b')), v('c')));
      expect(bare(term('a | b & c'))).to.deep.equal(call('or', v('a'), call('and', v('b'), v('c'))));
      expect(bare(term('(1 + 2) * 3'))).to.deep.equal(call('mul', call('plus', s(1), s(2)), s(3)));
      expect(bare(term('x in xs == true'))).to.deep.equal(call('internal.member_2', v('x'), call('equal', v('xs'), s(true))));
    });

    it('parses unification, assignment, negation and with', () => {
      expect(bare(expr('x = y'))).to.deep.equal({ kind: 'unify', left: v('x'), right: v('y'), negated: false, with: [] });
      expect(bare(expr('x := 1'))).to.deep.equal({ kind: 'assign', left: v('x'), right: s(1), negated: false, with: [] });
      expect(expr('not input.x').negated).to.equal(true);
      expect(bare(expr('data.p with input as 1 with data.q as {"a": 1}').with)).to.deep.equal([
        { target: v('input'), value: s(1) },
        { target: { type: 'ref', head: v('data'), path: [s('q')] }, value: { type: 'object', entries: [[s('a'), s(1)]] } },
      ]);
    });

    it('parses membership as calls, also as values', () => {
      expect(bare(term('x in xs'))).to.deep.equal(call('internal.member_2', v('x'), v('xs')));
      expect(bare(term('k, v in xs'))).to.deep.equal(call('internal.member_3', v('k'), v('v'), v('xs')));
      expect(bare(expr('y := 1 in [1]'))).to.deep.include({ kind: 'assign', right: call('internal.member_2', s(1), { type: 'array', items: [s(1)] }) });
      // In a list the comma separates elements.
      expect(bare(term('[k, v in xs]'))).to.deep.equal({ type: 'array', items: [v('k'), call('internal.member_2', v('v'), v('xs'))] });
    });

    it('parses some and every', () => {
      const [a, b, c, d] = query('some x, y; some z in [1]; some k, v in {"a": 1}; every i, j in [1] { j > 0 }');
      expect(bare(a)).to.deep.equal({ kind: 'some', vars: [v('x'), v('y')], negated: false, with: [] });
      expect(bare(b)).to.deep.equal({ kind: 'somein', value: v('z'), collection: { type: 'array', items: [s(1)] }, negated: false, with: [] });
      expect(bare(c)).to.deep.include({ kind: 'somein', key: v('k'), value: v('v') });
      expect(bare(d)).to.deep.include({ kind: 'every', key: v('i'), value: v('j'), domain: { type: 'array', items: [s(1)] } });
      expect(parseErrors(() => query('not some x'))).to.deep.equal(["unexpected some keyword: illegal negation of 'some'"]);
      expect(parseErrors(() => query('every x in xs'))).to.deep.equal(['unexpected eof token: missing body']);
      expect(parseErrors(() => query('every [x] in xs { true }'))).to.deep.equal(['unexpected { token: expected value to be a variable']);
      expect(parseErrors(() => query('some f(x)'))).to.deep.equal(['unexpected eof token: expected `x in xs` or `x, y in xs` expression']);
    });

    it('separates expressions by newlines or semicolons only', () => {
      expect(query('a = [1, 2, 3]\ntrue')).to.have.length(2);
      expect(query('x := 1; y := 2')).to.have.length(2);
      expect(query('x := [\n1,\n2\n]')).to.have.length(1);
      expect(parseErrors(() => query('1 2'))).to.deep.equal(['unexpected number token: expected \\n or ; or eof']);
      expect(parseErrors(() => mod('package a\np if { x := 1 y := 2 }'))).to.deep.equal(['unexpected ident token: expected \\n or ; or }']);
    });
  });

  describe('terms', () => {
    it('reads scalars, keeping big integers exact', () => {
      expect(bare(query('x := [null, true, false, 1, -2, 2.5, 1e3, -.5, 123456789012345678901234567890]')[0])).to.deep.include({
        right: { type: 'array', items: [s(null), s(true), s(false), s(1), s(-2), s(2.5), s(1000), s(-0.5), s('123456789012345678901234567890n')] },
      });
      expect(parseErrors(() => query('x := 01'))).to.deep.equal(['unexpected number token: expected number without leading zero']);
      expect(parseErrors(() => query('x := 1.'))).to.deep.equal(['expected fraction']);
    });

    it('decodes strings with JSON escapes and keeps raw strings as written', () => {
      expect(term('"a\\u00e9\\ud83d\\ude00\\n\\"\\\\\\/"')).to.deep.include({ value: 'aé😀\n"\\/' });
      expect(term('`raw\\n"string"\nwith newline`')).to.deep.include({ value: 'raw\\n"string"\nwith newline' });
      expect(parseErrors(() => query('"abc'))).to.deep.equal(['non-terminated string']);
      expect(parseErrors(() => query('"\\q"'))).to.deep.equal(['illegal escape sequence']);
      expect(parseErrors(() => query('"\\u12zz"'))).to.deep.equal(['illegal string literal: "\\u12zz"']);
    });

    it('reads refs on vars, calls and composites', () => {
      expect(bare(term('a.b[c]["d"]'))).to.deep.equal({ type: 'ref', head: v('a'), path: [s('b'), v('c'), s('d')] });
      expect(bare(term('f(x)[0].y'))).to.deep.equal({ type: 'ref', head: call('f', v('x')), path: [s(0), s('y')] });
      expect(bare(term('[1, 2][i]'))).to.deep.equal({ type: 'ref', head: { type: 'array', items: [s(1), s(2)] }, path: [v('i')] });
      expect(bare(term('data.lib.f(x)'))).to.deep.equal(call('data.lib.f', v('x')));
      expect(bare(term('input.if.contains.package'))).to.deep.equal({ type: 'ref', head: v('input'), path: [s('if'), s('contains'), s('package')] });
      // Whitespace ends a ref.
      expect(parseErrors(() => query('a [b]'))).to.deep.equal(['unexpected [ token: expected \\n or ; or eof']);
      expect(parseErrors(() => query('a. b'))).to.deep.equal(['unexpected whitespace token: expected ident']);
    });

    it('reads arrays, objects, sets and the empty forms', () => {
      expect(bare(term('{}'))).to.deep.equal({ type: 'object', entries: [] });
      expect(bare(term('set()'))).to.deep.equal({ type: 'set', items: [] });
      expect(bare(term('{1, 2,}'))).to.deep.equal({ type: 'set', items: [s(1), s(2)] });
      expect(bare(term('{[1]: {"a"}, 2: 3}'))).to.deep.equal({ type: 'object', entries: [[{ type: 'array', items: [s(1)] }, { type: 'set', items: [s('a')] }], [s(2), s(3)]] });
      expect(bare(term('{1 + 1: 2}'))).to.deep.equal({ type: 'object', entries: [[call('plus', s(1), s(1)), s(2)]] });
    });

    it('reads comprehensions, preferring them over `|`', () => {
      expect(bare(term('[x | x := 1]'))).to.deep.include({ type: 'arraycompr', term: v('x') });
      expect(bare(term('{x | x := 1}'))).to.deep.include({ type: 'setcompr', term: v('x') });
      expect(bare(term('{k: v | k := 1; v := 2}'))).to.deep.include({ type: 'objectcompr', key: v('k'), value: v('v') });
      expect(bare(term('{1 | 2}'))).to.deep.include({ type: 'setcompr', term: s(1) });
      expect(bare(term('[a | b, c]'))).to.deep.equal({ type: 'array', items: [call('or', v('a'), v('b')), v('c')] });
    });

    it('parses input terms', () => {
      expect(bare(parseTerm('{"a": {1, 2}}'))).to.deep.equal({ type: 'object', entries: [[s('a'), { type: 'set', items: [s(1), s(2)] }]] });
      expect(parseErrors(() => parseTerm('1; 2'))).to.deep.equal(['expected exactly one term']);
      expect(parseErrors(() => parseTerm('x = 1'))).to.deep.equal(['expected term']);
    });
  });

  describe('locations', () => {
    it('gives every node its 1-based row and column', () => {
      const [a, b] = parseQuery('x := 1\n  y := [1,\n  "é😀", z]', { file: 'q.rego' });
      expect(a.loc).to.deep.equal({ file: 'q.rego', row: 1, col: 1 });
      expect(b.loc).to.deep.equal({ file: 'q.rego', row: 2, col: 3 });
      if (b.kind !== 'assign' || b.right.type !== 'array') throw new Error('unexpected shape');
      expect(b.right.loc).to.deep.equal({ file: 'q.rego', row: 2, col: 8 });
      expect(b.right.items[1].loc).to.deep.equal({ file: 'q.rego', row: 3, col: 3 });
      // Columns count characters: the emoji is one column.
      expect(b.right.items[2].loc).to.deep.equal({ file: 'q.rego', row: 3, col: 9 });
      const c = term('1 + 2');
      if (c.type !== 'call') throw new Error('unexpected shape');
      expect(c.opLoc).to.deep.include({ row: 1, col: 3 });
    });

    it('reports errors at their token', () => {
      try {
        mod('package a\n\np if {\n  x := ]\n}');
        expect.fail('expected error');
      } catch (e) {
        const err = (e as CompileError).errors[0];
        expect(err.location).to.deep.equal({ file: 'test.rego', row: 4, col: 8 });
        expect(err.detail).to.equal('unexpected ] token');
      }
    });
  });

  describe('annotations', () => {
    const src = [
      '# METADATA', '# title: Pkg', '# custom:', '#   severity: high', 'package a', '',
      '# METADATA', '# title: allow rule', '# entrypoint: true', 'allow if input.x', '',
      '# METADATA', '# scope: rule', '# related_resources:', '# - https://example.com', 'deny contains "x" if true',
    ].join('\n');

    it('attaches blocks to the package and rules that follow', () => {
      const m = mod(src);
      expect(m.annotations).to.have.length(1);
      expect(m.annotations[0]).to.deep.include({ scope: 'package', title: 'Pkg' });
      expect(m.annotations[0].fields).to.deep.equal({ title: 'Pkg', custom: { severity: 'high' } });
      expect(m.annotations[0].loc).to.deep.equal({ file: 'test.rego', row: 1, col: 1 });
      expect(m.rules[0].annotations[0]).to.deep.include({ scope: 'document', title: 'allow rule', entrypoint: true });
      expect(m.rules[1].annotations[0]).to.deep.include({ scope: 'rule' });
      expect(m.rules[1].annotations[0].fields.related_resources).to.deep.equal(['https://example.com']);
    });

    it('reports bad YAML and misplaced scopes as parse errors', () => {
      expect(parseErrors(() => mod('package a\n# METADATA\n# title: [x\np := 1'))[0]).to.match(/^yaml: /);
      expect(parseErrors(() => mod('# METADATA\n# scope: rule\npackage a'))).to.deep.equal(["annotation scope 'rule' must be applied to rule (have package)"]);
      expect(parseErrors(() => mod('package a\n# METADATA\n# scope: blah\np := 1'))).to.deep.equal([
        "invalid annotation scope 'blah'. Use one of 'rule', 'document', 'package', or 'subpackages'",
      ]);
      expect(parseErrors(() => mod('package a\n# METADATA\np := 1'))).to.deep.equal(['expected METADATA block, found whitespace']);
    });
  });

  describe('limits and hostile input', () => {
    it('bounds nesting depth without overflowing the stack', () => {
      for (const src of ['['.repeat(100000), '{'.repeat(100000) + '}'.repeat(100000), '('.repeat(50000) + '1' + ')'.repeat(50000), 'x := 1' + ' + 1'.repeat(100000)]) {
        expect(parseErrors(() => query(src))[0]).to.equal('maximum nesting depth exceeded (512)');
      }
      expect(query('x := ' + '['.repeat(400) + ']'.repeat(400))).to.have.length(1);
    });

    it('bounds source length and token count', () => {
      expect(parseErrors(() => parseQuery('x := 1', { limits: { maxSourceBytes: 3 } }))).to.deep.equal(['source exceeds the maximum length of 3 bytes']);
      expect(parseErrors(() => parseQuery('[1, 2, 3]', { limits: { maxTokens: 5 } }))).to.deep.equal(['maximum number of tokens exceeded (5)']);
    });

    it('ends random and mutated input in a value or a CompileError, quickly', function () {
      this.timeout(20000);
      const seedSources = [
        'package a\nimport rego.v1\n\ndefault allow := false\n\nallow if {\n  some x in input.xs\n  x.role == "admin"\n  not deny[x.name]\n}\n\ndeny contains n if { n := input.block[_] }\n\nf(x) := y if { y := [z | z := x[_]; z > 1] } else := {}\n\np.q[r] := {"a": {1, 2}} if { r := `raw` } \n',
        'package b\n\np[x] = y { x := 1; y := {k: v | k := "a"; v := 2} } else = 3 { true }\nq { every k, v in {"a": 1} { k != v } with input as {"x": 1} }',
      ];
      const alphabet = ['{', '}', '[', ']', '(', ')', '|', ',', ':', ':=', '=', '==', ' ', '\n', ';', '.', '"', '`', '-', '1', 'x', 'if', 'else', 'some', 'in', 'every', 'not', 'with', 'as', 'contains', 'default', 'package', 'import', '#', '$', '0.5e', '\\'];
      let state = 42;
      const rand = (n: number): number => {
        state = (state * 1103515245 + 12345) % 2147483648;
        return state % n;
      };
      const started = Date.now();
      for (let i = 0; i < 3000; i++) {
        let src: string;
        if (i % 2 === 0) {
          src = Array.from({ length: 1 + rand(60) }, () => alphabet[rand(alphabet.length)]).join(rand(2) ? ' ' : '');
        } else {
          const base = seedSources[rand(seedSources.length)];
          const chars = base.split('');
          for (let k = 0, n = 1 + rand(5); k < n; k++) {
            const at = rand(chars.length);
            if (rand(2)) chars.splice(at, 1);
            else chars.splice(at, 0, alphabet[rand(alphabet.length)]);
          }
          src = chars.join('');
        }
        for (const f of [() => parseModule(src, 'f.rego', { regoVersion: (i % 3 === 0 ? 0 : 1) as 0 | 1 }), () => parseQuery(src)]) {
          try {
            f();
          } catch (e) {
            if (!(e instanceof CompileError)) throw new Error(`unexpected ${String(e)} for ${JSON.stringify(src)}`);
          }
        }
      }
      expect(Date.now() - started).to.be.lessThan(15000);
    });
  });
});
