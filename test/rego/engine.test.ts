import { expect } from 'chai';
import { CompileError, Engine, EvalError, RObject, RSet, fromJSON, stringifyJSON, toJSON, type Value } from '../../src/rego/index.js';

function engineWith(source: string, data?: unknown): Engine {
  const e = new Engine();
  e.addModule('policy.rego', source);
  if (data !== undefined) e.setData(data);
  return e;
}

function json(v: Value | undefined): unknown {
  return v === undefined ? undefined : JSON.parse(stringifyJSON(v));
}

function compileError(source: string): CompileError {
  try {
    engineWith(source).compile();
  } catch (e) {
    if (e instanceof CompileError) return e;
    throw e;
  }
  throw new Error('expected a compile error');
}

function evalError(e: Engine, ref: string, input?: unknown, strict = false): EvalError {
  try {
    e.evalRef(ref, { input: input === undefined ? undefined : fromJSON(input), strict });
  } catch (err) {
    if (err instanceof EvalError) return err;
    throw err;
  }
  throw new Error('expected an evaluation error');
}

describe('Rego engine', () => {
  describe('API', () => {
    it('prepares a query once and evaluates it with OPA-shaped results', () => {
      const e = engineWith('package authz\nallow if input.user == "alice"');
      const q = e.prepare('data.authz.allow; x := input.user');
      const [r] = q.eval({ input: fromJSON({ user: 'alice' }) });
      expect(r.expressions.map((x) => x.value)).to.deep.equal([true, true]);
      expect(r.expressions[0].text).to.equal('data.authz.allow');
      expect(r.bindings).to.deep.equal({ x: 'alice' });
      expect(q.eval({ input: fromJSON({ user: 'bob' }) })).to.deep.equal([]);
    });

    it('evaluates a reference directly (the decision fast path)', () => {
      const e = engineWith('package a.b\ndefault allow := false\nallow if input.n > 1');
      expect(e.evalRef('data.a.b.allow', { input: fromJSON({ n: 2 }) })).to.equal(true);
      expect(e.evalRef('a/b/allow', { input: fromJSON({ n: 0 }) })).to.equal(false);
      expect(e.evalRef('data.a.b.missing')).to.equal(undefined);
      expect(json(e.evalRef('data.a'))).to.deep.equal({ b: { allow: false } });
    });

    it('reads base data next to rules', () => {
      const e = engineWith('package app\nroles := data.roles[input.user]', { roles: { alice: ['admin'] } });
      expect(json(e.evalRef('data.app.roles', { input: fromJSON({ user: 'alice' }) }))).to.deep.equal(['admin']);
    });
  });

  describe('rules', () => {
    const policy = `package t
default level := "none"
level := "high" if input.score > 8
level := "low" if input.score <= 8

names contains n if { some u in input.users; n := u.name }
by_name[u.name] := u.age if { some u in input.users }
nested.a[k].b := v if { some k, v in {"x": 1} }

grade(s) := "A" if s >= 90
else := "B" if s >= 80
else := "C"

double(x) := y if y := x * 2
`;
    const e = engineWith(policy);
    const input = fromJSON({ score: 9, users: [{ name: 'ann', age: 30 }, { name: 'bo', age: 40 }] });

    it('evaluates complete rules with default', () => {
      expect(e.evalRef('data.t.level', { input })).to.equal('high');
      expect(e.evalRef('data.t.level', { input: fromJSON({}) })).to.equal('none');
    });

    it('builds multi-value rules as sets and partial objects as objects', () => {
      expect(e.evalRef('data.t.names', { input })).to.be.instanceOf(RSet);
      expect(json(e.evalRef('data.t.names', { input }))).to.deep.equal(['ann', 'bo']);
      expect(json(e.evalRef('data.t.by_name', { input }))).to.deep.equal({ ann: 30, bo: 40 });
      expect(json(e.evalRef('data.t.nested', { input }))).to.deep.equal({ a: { x: { b: 1 } } });
    });

    it('calls functions with else chains', () => {
      const q = e.prepare('a := data.t.grade(95); b := data.t.grade(85); c := data.t.grade(10); d := data.t.double(21)');
      expect(q.eval()[0].bindings).to.deep.equal({ a: 'A', b: 'B', c: 'C', d: 42 });
    });

    it('reports conflicting complete rules as eval_conflict_error', () => {
      const c = engineWith('package t\np := 1 if input.a\np := 2 if input.b');
      expect(c.evalRef('data.t.p', { input: fromJSON({ a: true }) })).to.equal(1);
      const err = evalError(c, 'data.t.p', { a: true, b: true });
      expect(err.code).to.equal('eval_conflict_error');
      expect(err.location?.file).to.equal('policy.rego');
    });
  });

  describe('expressions', () => {
    it('handles every, not, some-in, comprehensions and with', () => {
      const e = engineWith(`package t
all_admins if every u in input.users { "admin" in u.roles }
no_guest if not "guest" in {r | some u in input.users; some r in u.roles}
count_roles := count([r | some u in input.users; some r in u.roles])
mocked := n if n := count_roles with input.users as [{"roles": ["x"]}]
`);
      const input = fromJSON({ users: [{ roles: ['admin', 'ops'] }, { roles: ['admin'] }] });
      expect(e.evalRef('data.t.all_admins', { input })).to.equal(true);
      expect(e.evalRef('data.t.no_guest', { input })).to.equal(true);
      expect(e.evalRef('data.t.count_roles', { input })).to.equal(3);
      expect(e.evalRef('data.t.mocked', { input })).to.equal(1);
    });

    it('mocks functions and builtins with `with`', () => {
      const e = engineWith(`package t
f(x) := x + 1
g := f(1)
mocked_builtin := n if n := count([1, 2, 3]) with count as 99
mocked_fn := n if n := g with f as 10
`);
      expect(e.evalRef('data.t.g')).to.equal(2);
      expect(e.evalRef('data.t.mocked_builtin')).to.equal(99);
      expect(e.evalRef('data.t.mocked_fn')).to.equal(10);
    });

    it('keeps integers exact beyond 2^53', () => {
      const e = engineWith('package t\nbig := 9007199254740993 * 3\nsum := 9223372036854775807 + 1');
      expect(e.evalRef('data.t.big')).to.equal(27021597764222979n);
      expect(stringifyJSON(e.evalRef('data.t.sum')!)).to.equal('9223372036854775808');
    });

    it('supports objects with non-string keys and sets', () => {
      const e = engineWith('package t\no := {1: "one", [1, 2]: "pair"}\ns := {1, 1, 2}');
      const o = e.evalRef('data.t.o') as RObject;
      expect(o.get(1)).to.equal('one');
      expect(o.get([1, 2])).to.equal('pair');
      expect(toJSON(o)).to.deep.equal({ 1: 'one', '[1,2]': 'pair' });
      expect((e.evalRef('data.t.s') as RSet).size).to.equal(2);
    });

    it('turns builtin errors into undefined, or errors in strict mode', () => {
      const e = engineWith('package t\nx := 1 / input.d');
      expect(e.evalRef('data.t.x', { input: fromJSON({ d: 0 }) })).to.equal(undefined);
      const err = evalError(e, 'data.t.x', { d: 0 }, true);
      expect(err.code).to.equal('eval_builtin_error');
      expect(err.message).to.contain('divide by zero');
    });

    it('returns annotations through rego.metadata.rule()', () => {
      const e = engineWith(`package t
# METADATA
# title: MFA required
# custom:
#   id: access.mfa_required
deny := rego.metadata.rule() if true
`);
      expect(json(e.evalRef('data.t.deny'))).to.deep.equal({ scope: 'rule', title: 'MFA required', custom: { id: 'access.mfa_required' } });
    });
  });

  describe('compile errors', () => {
    it('reports unsafe variables with their location', () => {
      const err = compileError('package t\np if {\n  x > 1\n}');
      expect(err.code).to.equal('rego_unsafe_var_error');
      expect(err.errors[0].location).to.deep.include({ file: 'policy.rego', row: 3 });
      expect(err.message).to.contain('var x is unsafe');
    });

    it('reports recursion', () => {
      const err = compileError('package t\np if q\nq if p');
      expect(err.code).to.equal('rego_recursion_error');
      expect(err.message).to.match(/data\.t\.p -> data\.t\.q -> data\.t\.p|data\.t\.q -> data\.t\.p -> data\.t\.q/);
    });

    it('rejects unknown functions and wrong literal argument types at compile time', () => {
      expect(compileError('package t\np := nope(1)').code).to.equal('rego_type_error');
      expect(compileError('package t\np := count(1)').code).to.equal('rego_type_error');
    });

    it('checks the elements of an array literal where a builtin takes a tuple, like OPA', () => {
      const bad = compileError('package t\np := time.format([1703444325734390000, "UTC", 42])');
      expect(bad.code).to.equal('rego_type_error');
      expect(bad.message).to.contain('element 3 of operand 1 must be string but got number');
      expect(compileError('package t\np := time.format([1, "UTC", "RFC822", "x"])').message).to.contain('at most 3 elements');
      // Well-typed literals, and elements only known at run time, compile.
      const e = new Engine();
      e.addModule('policy.rego', 'package t\np := time.format([0, "UTC", "2006"])\nq := time.format([input.ns, input.tz])');
      expect(e.evalRef('data.t.p')).to.equal('1970');
      expect(e.evalRef('data.t.q', { input: fromJSON({ ns: 0, tz: 'UTC' }) })).to.equal('1970-01-01T00:00:00Z');
    });

    it('reports parse errors with file, line and column', () => {
      const err = compileError('package t\np if {\n  x := \n}');
      expect(err.code).to.equal('rego_parse_error');
      expect(err.errors[0].location?.file).to.equal('policy.rego');
    });
  });

  describe('rule indexing', () => {
    it('gives the same answers as trying every definition', () => {
      const e = engineWith(`package t
allow if { input.method == "GET"; input.path == "/public" }
allow if { input.method == "POST"; input.user == "admin" }
allow if { "DELETE" = input.method; input.user == "root" }
allow if input.user == "superuser"
`);
      const cases: [unknown, boolean | undefined][] = [
        [{ method: 'GET', path: '/public' }, true],
        [{ method: 'GET', path: '/private' }, undefined],
        [{ method: 'POST', user: 'admin' }, true],
        [{ method: 'DELETE', user: 'root' }, true],
        [{ method: 'PATCH', user: 'superuser' }, true],
        [{ user: 'superuser' }, true],
        [{ method: 'PATCH' }, undefined],
      ];
      for (const [input, want] of cases) expect(e.evalRef('data.t.allow', { input: fromJSON(input) }), JSON.stringify(input)).to.equal(want);
    });
  });

  describe('limits', () => {
    it('stops runaway evaluation with eval_limit_error', () => {
      const e = new Engine({ limits: { maxSteps: 10_000 } });
      e.addModule('p.rego', 'package t\nn := count([x | some x in numbers.range(1, 100000); x > 0])');
      expect(() => e.evalRef('data.t.n')).to.throw(EvalError).with.property('code', 'eval_limit_error');
    });

    it('stops oversized collections with eval_limit_error', () => {
      const e = new Engine({ limits: { maxCollectionSize: 1000 } });
      e.addModule('p.rego', 'package t\nxs := {x | some x in numbers.range(1, 5000)}');
      expect(() => e.evalRef('data.t.xs')).to.throw(EvalError).with.property('code', 'eval_limit_error');
    });

    it('stops evaluation that runs past its time limit', () => {
      const e = new Engine({ limits: { maxMillis: 50, maxSteps: 1e12, maxCollectionSize: 1e12 } });
      e.addModule('p.rego', 'package t\nn := count([1 | some x in numbers.range(1, 3000); some y in numbers.range(1, 3000)])');
      const start = Date.now();
      expect(() => e.evalRef('data.t.n')).to.throw(EvalError).with.property('code', 'eval_cancel_error');
      expect(Date.now() - start).to.be.lessThan(5_000);
    });
  });
});

describe('string interpolation (OPA 1.12 template strings)', () => {
  it('renders values, undefined expressions and escaped braces', () => {
    const e = new Engine();
    e.addModule('t.rego', 'package t\nname := "world"\nmsg := $"Hello {name}! n={1 + 1} missing={input.nope} obj={ {"a": [1]} } \\{literal\\}"');
    expect(e.evalRef('data.t.msg')).to.equal('Hello world! n=2 missing=<undefined> obj={"a":[1]} {literal}');
  });

  it('accepts `with` inside an expression', () => {
    const e = new Engine();
    e.addModule('t.rego', 'package t\nmsg := $"Hi {input.name with input as {"name": "ann"}}"');
    expect(e.evalRef('data.t.msg')).to.equal('Hi ann');
  });
});

describe('builtin results across queries', () => {
  it('never carries a non-deterministic or clock-reading builtin over from another query', () => {
    const e = new Engine();
    e.addModule('t.rego', 'package t\nid := uuid.rfc4122("k")\nnow := time.now_ns()\nsame if uuid.rfc4122("k") == id');
    const a = e.evalRef('data.t.id');
    const b = e.evalRef('data.t.id');
    expect(a).to.be.a('string');
    expect(a).to.not.equal(b);
    expect(e.evalRef('data.t.same')).to.equal(true);
    expect(e.evalRef('data.t.now', { nowNs: 5n })).to.equal(5);
    expect(e.evalRef('data.t.now', { nowNs: 6n })).to.equal(6);
  });

  it('gives the same answer when a pure builtin is called again with new arguments', () => {
    const e = new Engine();
    e.addModule('t.rego', 'package t\nn := time.parse_duration_ns(input.d)');
    expect(e.evalRef('data.t.n', { input: fromJSON({ d: '1s' }) })).to.equal(1e9);
    expect(e.evalRef('data.t.n', { input: fromJSON({ d: '2s' }) })).to.equal(2e9);
    expect(e.evalRef('data.t.n', { input: fromJSON({ d: '1s' }) })).to.equal(1e9);
  });
});

describe('collection-building builtins', () => {
  it('check the collection limit before allocating (numbers.range, net.cidr_expand)', () => {
    const e = new Engine({ limits: { maxCollectionSize: 10_000 } });
    e.addModule('t.rego', 'package t\nr := numbers.range(1, 1000000000)\nc := net.cidr_expand("10.0.0.0/8")\nsmall := count(numbers.range(1, 100))');
    expect(() => e.evalRef('data.t.r')).to.throw(EvalError).with.property('code', 'eval_limit_error');
    expect(() => e.evalRef('data.t.c')).to.throw(EvalError).with.property('code', 'eval_limit_error');
    expect(e.evalRef('data.t.small')).to.equal(100);
  });
});
