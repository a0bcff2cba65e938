import { expect } from 'chai';
import { compare, equals, keyOf, parseJSON, RObject, RSet, stringifyJSON, toJSON, type Value } from '../../src/rego/value.js';

describe('rego values', () => {
  it('orders values across types as OPA does', () => {
    const ordered: Value[] = [null, false, true, -1, 2.5, 3, 'a', 'b', [], [1], new RObject(), RObject.fromEntries([['a', 1]]), new RSet(), new RSet([1])];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        expect(Math.sign(compare(ordered[i], ordered[j])), `${i} vs ${j}`).to.equal(Math.sign(i - j));
      }
    }
  });

  it('compares strings by code point, not UTF-16 unit', () => {
    expect(compare('\uffff', '\u{1F600}')).to.be.lessThan(0);
  });

  it('treats 1 and 1.0 as equal and keeps big integers exact', () => {
    expect(equals(1, 1.0)).to.equal(true);
    const big = parseJSON('{"n": 9223372036854775807}') as RObject;
    expect(big.get('n')).to.equal(9223372036854775807n);
    expect(stringifyJSON(big)).to.equal('{"n":9223372036854775807}');
  });

  it('keys objects by any value and sets by value', () => {
    const o = RObject.fromEntries([[[1, 2], 'x'], ['k', 'y'], [1, 'z']]);
    expect(o.get([1, 2])).to.equal('x');
    expect(o.get(1)).to.equal('z');
    expect(o.get('1')).to.equal(undefined);
    const s = new RSet([1, 1.0, 'a', [1]]);
    expect(s.size).to.equal(3);
    expect(keyOf('\u0000x')).to.not.equal(keyOf('x'));
  });

  it('converts to JSON the way OPA does', () => {
    const o = RObject.fromEntries([[1, new RSet([3, 2])], ['<', true]]);
    expect(toJSON(o)).to.deep.equal({ 1: [2, 3], '<': true });
    expect(stringifyJSON(o)).to.equal('{"1":[2,3],"\\u003c":true}');
  });

  it('orders small and large sets and objects alike (insertion sort below 13 members)', () => {
    const pool: Value[] = [null, false, true, -1, 0, 2.5, 10, 'a', 'B', '\u{1F600}', '\uffff', '', [1], [0, 1], new RSet([2])];
    for (let n = 0; n <= pool.length; n++) {
      const members = pool.slice(0, n).reverse();
      expect(new RSet(members).values()).to.deep.equal([...members].sort(compare));
      const keys = members.filter((m): m is string => typeof m === 'string');
      const o = RObject.fromEntries(members.map((m, i) => [m, i] as [Value, Value]));
      expect(o.keys()).to.deep.equal([...members].sort(compare));
      const strs = RObject.fromEntries(keys.map((k) => [k, 1] as [Value, Value]));
      expect(strs.keys()).to.deep.equal([...keys].sort(compare));
    }
  });
});
