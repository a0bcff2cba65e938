import { expect } from 'chai';
import { RObject } from '../../../src/rego/value.js';
import { call, j, set } from './helpers.js';

describe('builtins: comparison', () => {
  it('compares numbers by value across int, float and bigint', () => {
    expect(call('equal', 1, 1.0)).to.equal(true);
    expect(call('neq', 1, 1.0001)).to.equal(true);
    expect(call('lt', 1, 1.0001)).to.equal(true);
    expect(call('lte', 1.0, 1)).to.equal(true);
    expect(call('gt', 28857836529306024611913n, 28857836529306024611912n)).to.equal(true);
    expect(call('gte', -1, 0)).to.equal(false);
  });

  it('orders values of different types by OPA type rank', () => {
    const ordered = [null, false, 0, '', [], new RObject(), set()];
    for (let i = 0; i + 1 < ordered.length; i++) {
      expect(call('lt', ordered[i], ordered[i + 1])).to.equal(true);
      expect(call('gt', ordered[i + 1], ordered[i])).to.equal(true);
    }
  });

  it('compares composites structurally', () => {
    expect(call('equal', j('{"a":[1,{"b":2}]}'), j('{"a":[1,{"b":2.0}]}'))).to.equal(true);
    expect(call('equal', set(1, 2), set(2, 1))).to.equal(true);
    expect(call('lt', [1, 2], [1, 3])).to.equal(true);
    expect(call('lt', 'a', 'b')).to.equal(true);
  });
});
