/**
 * `fromJSON` converts objects lazily (members on first read). A lazily
 * converted value must behave exactly like one built eagerly, in the value
 * layer and in policies.
 */
import { expect } from 'chai';
import { Engine, RObject, RSet, compare, equals, fromJSON, stringifyJSON, toJSON, type Value } from '../../src/rego/index.js';
import { keyOf } from '../../src/rego/value.js';

/** The eager conversion, built member by member with `set` (the reference behaviour). */
function eager(x: unknown): Value {
  if (Array.isArray(x)) return x.map(eager);
  if (x !== null && typeof x === 'object') {
    const o = new RObject();
    for (const [k, v] of Object.entries(x)) o.set(k, eager(v));
    return o;
  }
  return fromJSON(x);
}

const DOC = {
  zeta: 1, alpha: { b: [1, 'x', null, true], a: { deep: 'y' } }, '\u0000nul': 'n', '1': 'one',
  '\u{1F600}': 'emoji', '\uffff': 'ffff', list: [{ k: 2 }, { k: 1 }], empty: {}, big: 9007199254740993n,
};

describe('lazily converted input', () => {
  it('reads members like an eager object, including keys that need escaping', () => {
    const lazy = fromJSON(DOC) as RObject;
    expect(lazy.get('zeta')).to.equal(1);
    expect(lazy.get('\u0000nul')).to.equal('n');
    expect(lazy.get('1')).to.equal('one');
    expect(lazy.get(1)).to.equal(undefined);
    expect(lazy.get('missing')).to.equal(undefined);
    expect(lazy.get('toString')).to.equal(undefined);
    expect((lazy.get('big'))).to.equal(9007199254740993n);
    expect(lazy.size).to.equal(Object.keys(DOC).length);
  });

  it('keeps OPA key order, equality, set keys and JSON output', () => {
    const lazy = fromJSON(DOC);
    const ref = eager(DOC);
    expect(equals(lazy, ref)).to.equal(true);
    expect(equals(ref, fromJSON(DOC))).to.equal(true);
    expect(compare(fromJSON(DOC), ref)).to.equal(0);
    expect(keyOf(fromJSON(DOC))).to.equal(keyOf(ref));
    expect((fromJSON(DOC) as RObject).keys()).to.deep.equal((ref as RObject).keys());
    expect(stringifyJSON(fromJSON(DOC))).to.equal(stringifyJSON(ref));
    expect(toJSON(fromJSON(DOC))).to.deep.equal(toJSON(ref));
    expect(new RSet([fromJSON(DOC), ref]).size).to.equal(1);
  });

  it('hands out the same converted member on every read, before and after full conversion', () => {
    const lazy = fromJSON(DOC) as RObject;
    const alpha = lazy.get('alpha');
    lazy.entries();
    expect(lazy.get('alpha')).to.equal(alpha);
    expect(lazy.entries().find(([k]) => k === 'alpha')?.[1]).to.equal(alpha);
  });

  it('copies on clone, set and delete without touching the source', () => {
    const src = { a: 1, b: { c: 2 } };
    const lazy = fromJSON(src) as RObject;
    const copy = lazy.clone().set('a', 3);
    copy.delete('b');
    expect(toJSON(copy)).to.deep.equal({ a: 3 });
    expect(toJSON(lazy)).to.deep.equal({ a: 1, b: { c: 2 } });
    expect(src).to.deep.equal({ a: 1, b: { c: 2 } });
    const own = fromJSON({ x: 1, y: 2 }) as RObject;
    own.delete('x');
    expect(own.get('x')).to.equal(undefined);
    expect(own.size).to.equal(1);
  });

  it('uses arrays of scalars as they are and converts arrays holding objects or bigints', () => {
    const scalars = ['a', 1, true, null];
    expect(fromJSON(scalars)).to.equal(scalars);
    const mixed = [{ a: 1 }, 2n];
    const converted = fromJSON(mixed) as Value[];
    expect(converted).to.not.equal(mixed);
    expect(converted[0]).to.be.instanceOf(RObject);
    expect(converted[1]).to.equal(2);
  });

  it('raises the conversion error when an unconvertible member is read', () => {
    const lazy = fromJSON({ ok: 1, bad: () => 1 }) as RObject;
    expect(lazy.get('ok')).to.equal(1);
    expect(() => lazy.get('bad')).to.throw(TypeError, /cannot convert function/);
  });

  it('evaluates policies over lazy input exactly as over eager input', () => {
    const e = new Engine();
    e.addModule('p.rego', `package p
walked := [[p, v] | walk(input, [p, v])]
marshalled := json.marshal(input)
unioned := object.union(input, {"zeta": 2, "new": {"x": 1}})
removed := object.remove(input, ["alpha"])
keys := {k | some k, _ in input}
as_set := {input, input.alpha}
cmp := input == {"x": 1}
count_in := count(input)
got := object.get(input, ["alpha", "a", "deep"], "none")
filtered := object.filter(input, ["zeta", "1"])
`);
    e.compile();
    const doc = { ...DOC, big: 5 };
    for (const rule of ['walked', 'marshalled', 'unioned', 'removed', 'keys', 'as_set', 'cmp', 'count_in', 'got', 'filtered']) {
      const lazy = e.evalRef(`data.p.${rule}`, { input: fromJSON(doc) });
      const ref = e.evalRef(`data.p.${rule}`, { input: eager(doc) });
      expect(lazy, rule).to.not.equal(undefined);
      expect(stringifyJSON(lazy!), rule).to.equal(stringifyJSON(ref!));
    }
  });
});
