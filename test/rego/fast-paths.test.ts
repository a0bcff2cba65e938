/**
 * Specialised code for common expression shapes (input path compared with a
 * constant, `not <value>`, membership, rule references) must give the same
 * answers as the general code, including the corners of OPA's equality.
 */
import { expect } from 'chai';
import { Engine, fromJSON, stringifyJSON, type Value } from '../../src/rego/index.js';

function evalAll(source: string, input: unknown): Record<string, unknown> {
  const e = new Engine();
  e.addModule('p.rego', source);
  const v = e.evalRef('data.p', { input: fromJSON(input) });
  return JSON.parse(stringifyJSON(v as Value)) as Record<string, unknown>;
}

describe('specialised expression shapes', () => {
  it('compares input paths with constants on either side, by OPA equality and order', () => {
    const got = evalAll(`package p
str_eq if input.a.b == "x"
str_eq_flipped if "x" == input.a.b
str_neq if input.a.b != "y"
num_eq if input.n == 1
num_eq_float if input.n == 1.0
num_gt if input.n > 0.5
num_lt_flipped if 2 > input.n
str_vs_num if input.a.b == 1
missing_eq if input.nope == "x"
missing_neq if input.nope != "x"
array_eq if input.xs == ["a", 1]
object_eq if input.a == {"b": "x"}
whole_input if input != 3
mixed_order if input.a.b > 1
`, { a: { b: 'x' }, n: 1, xs: ['a', 1] });
    expect(got).to.deep.equal({
      str_eq: true, str_eq_flipped: true, str_neq: true, num_eq: true, num_eq_float: true, num_gt: true,
      num_lt_flipped: true, array_eq: true, object_eq: true, whole_input: true, mixed_order: true,
    });
  });

  it('lets `with` replace a comparison on an input path', () => {
    const got = evalAll(`package p
always(_, _) := true
eq if input.a == "nope"
mocked if eq with equal as always
`, { a: 'x' });
    expect(got).to.deep.equal({ mocked: true });
  });

  it('negates single values: rules, input paths, membership', () => {
    const got = evalAll(`package p
t if true
f := false
not_t if not t
not_f if not f
never if false
not_undefined if not never
not_input if not input.missing
not_false_input if not input.off
not_member if not "z" in input.xs
not_member_number if not 1 in {1.0}
member_set if 1 in {1.0, "a"}
member_array if "a" in input.xs
member_object if "x" in {"k": "x"}
member_number_array if 1.0 in input.xs
not_iterating if not input.xs[_] == "q"
`, { xs: ['a', 1], off: false });
    expect(got).to.deep.equal({
      t: true, f: false, not_f: true, not_undefined: true, not_input: true, not_false_input: true,
      not_member: true, member_set: true, member_array: true, member_object: true, member_number_array: true, not_iterating: true,
    });
  });

  it('reports a named unbound variable under negation as before', () => {
    const e = new Engine();
    e.addModule('p.rego', 'package p\nbad if not input.xs[i]');
    expect(() => e.compile()).to.throw(/var i is unsafe/);
  });

  it('reads rule references through the memo and under `with data` overrides', () => {
    const got = evalAll(`package p
base := 1
twice := base + base
over := x if x := twice with data.p.base as 5
`, {});
    expect(got).to.deep.equal({ base: 1, twice: 2, over: 10 });
  });

  it('keeps input reads per query and per `with input` scope', () => {
    const got = evalAll(`package p
outer := input.a.b
inner := x if x := input.a.b with input as {"a": {"b": 2}}
patched := x if x := input.a.b with input.a.b as 3
after := input.a.b
`, { a: { b: 1 } });
    expect(got).to.deep.equal({ outer: 1, inner: 2, patched: 3, after: 1 });
    const e = new Engine();
    e.addModule('p.rego', 'package p\nv := input.a');
    const q = e.prepare('x := input.q.r; y := data.p.v');
    expect(q.eval({ input: fromJSON({ a: 1, q: { r: 'r' } }) })[0].bindings).to.deep.equal({ x: 'r', y: 1 });
    expect(q.eval({ input: fromJSON({ a: 2, q: { r: 's' } }) })[0].bindings).to.deep.equal({ x: 's', y: 2 });
  });

  it('iterates `some … in` over arrays, objects, sets and non-collections in OPA order', () => {
    const got = evalAll(`package p
obj := [[k, v] | some k, v in input.o]
arr := [[i, x] | some i, x in input.xs]
set := [[k, v] | some k, v in {"b", "a", 1}]
vals := [v | some v in input.o]
none := [v | some v in input.n]
same := [x | some x, x in [0, 5, 2]]
nested := [[a, b] | some a in [1, 2]; some b in [a, 3]]
data_perms := [p | some r in ["x", "y"]; some p in data.p.perms[r]]
perms := {"x": ["p1"], "y": ["p2", "p3"]}
`, { o: { z: 1, a: 2, '\u{1F600}': 3, '\uffff': 4 }, xs: ['q', 'r'], n: 7 });
    expect(got.obj).to.deep.equal([['a', 2], ['z', 1], ['\uffff', 4], ['\u{1F600}', 3]]);
    expect(got.arr).to.deep.equal([[0, 'q'], [1, 'r']]);
    expect(got.set).to.deep.equal([[1, 1], ['a', 'a'], ['b', 'b']]);
    expect(got.vals).to.deep.equal([2, 1, 4, 3]);
    expect(got.none).to.deep.equal([]);
    expect(got.same).to.deep.equal([0, 2]);
    expect(got.nested).to.deep.equal([[1, 1], [1, 3], [2, 2], [2, 3]]);
    expect(got.data_perms).to.deep.equal(['p1', 'p2', 'p3']);
  });

  it('decides rules of constant-valued test definitions by the first that holds, else the default', () => {
    const src = `package p
default d := "no"
d := "yes" if input.a == 1
d := "yes" if input.b == 2
d := "yes" if not input.c
u if input.a == 1
u if input.b == 2
`;
    expect(evalAll(src, { a: 1, c: true })).to.deep.equal({ d: 'yes', u: true });
    expect(evalAll(src, { b: 2, c: true })).to.deep.equal({ d: 'yes', u: true });
    expect(evalAll(src, { c: true })).to.deep.equal({ d: 'no' });
    expect(evalAll(src, {})).to.deep.equal({ d: 'yes' });
  });

  it('reads base data at constant paths afresh after setData and under `with data`', () => {
    const e = new Engine();
    e.addModule('p.rego', `package p
limit := data.cfg.limits[input.k]
over := x if x := limit with data.cfg.limits as {"a": 9}
`);
    e.setData({ cfg: { limits: { a: 1 } } });
    expect(e.evalRef('data.p.limit', { input: fromJSON({ k: 'a' }) })).to.equal(1);
    expect(e.evalRef('data.p.over', { input: fromJSON({ k: 'a' }) })).to.equal(9);
    e.setData({ cfg: { limits: { a: 2 } } });
    expect(e.evalRef('data.p.limit', { input: fromJSON({ k: 'a' }) })).to.equal(2);
    e.setData({ cfg: {} });
    expect(e.evalRef('data.p.limit', { input: fromJSON({ k: 'a' }) })).to.equal(undefined);
  });

  it('gives rule and function values from non-iterating bodies, through else chains and undefined values', () => {
    const got = evalAll(`package p
f(x) := y if { y := input.m[x]; y > 1 } else := "low" if { x == "a" } else := "none"
g(x) := input.nope if x == 1
h(x) := v if { v := [y | some y in input.xs; y > x]; count(v) > 0 } else := []
r := {"f_b": f("b"), "f_a": f("a"), "f_c": f("c"), "h1": h(1), "h9": h(9)}
g_undefined if not g(1)
obj := {"k": input.m.b} if input.m.b > 1
`, { m: { a: 1, b: 2 }, xs: [1, 2, 3] });
    expect(got).to.deep.equal({
      r: { f_b: 2, f_a: 'low', f_c: 'none', h1: [2, 3], h9: [] }, g_undefined: true, obj: { k: 2 },
    });
  });

  it('builds one-key partial objects in OPA order and reports conflicting values', () => {
    const got = evalAll(`package p
a[k] := v if { some k, v in input.m }
a[k] := v if { some k, v in input.n }
b[x] := 1 if { some x in input.xs }
c[k] := y if { some k, v in input.m; y := v * 2; y > 2 }
`, { m: { z: 1, b: 2 }, n: { b: 2, c: 3 }, xs: [3, 1, 'x'] });
    expect(got).to.deep.equal({ a: { b: 2, c: 3, z: 1 }, b: { 1: 1, 3: 1, x: 1 }, c: { b: 4 } });
    const e = new Engine();
    e.addModule('p.rego', 'package p\nq[k] := v if { some k, v in input.m }\nq[k] := 9 if { some k, _ in input.m }');
    expect(() => e.evalRef('data.p.q', { input: fromJSON({ m: { a: 1 } }) })).to.throw(/object keys must be unique/);
  });
});
