import { expect } from 'chai';
import { BUILTINS } from '../../../src/rego/builtins/index.js';
import { call, expectError, j, run, set } from './helpers.js';

describe('builtins: aggregates', () => {
  it('counts arrays, sets, objects and string code points', () => {
    expect([call('count', []), call('count', [1, 2, 3]), call('count', j('{"a":1,"b":2}')), call('count', set(1, 1.0, 2))]).to.deep.equal([0, 3, 2, 2]);
    expect(call('count', 'abc')).to.equal(3);
    expect(call('count', 'h\u00e9llo\u{1F600}')).to.equal(6);
    expectError('eval_type_error', 'count: operand 1 must be one of {array, object, set, string} but got number', 'count', 1);
  });

  it('sums and multiplies exactly, falling back to decimals for floats', () => {
    expect(call('sum', [1, 2, 3])).to.equal(6);
    expect(call('sum', set(1, 2.5))).to.equal(3.5);
    expect(call('sum', [0.1, 0.2])).to.equal(0.3);
    expect(call('sum', [9007199254740991, 9007199254740991])).to.equal(18014398509481982n);
    expect(call('product', [])).to.equal(1);
    expect(call('product', [-55178253689, -54641715256])).to.equal(3015034426397669579384n);
    expectError('eval_type_error', 'sum: operand 1 must be array of numbers but got array containing string', 'sum', [1, 'a']);
    expectError('eval_type_error', 'product: operand 1 must be set of numbers but got set containing string', 'product', set('a'));
    expectError('eval_type_error', 'sum: operand 1 must be one of {set, array} but got string', 'sum', 'abc');
  });

  it('finds max and min in OPA order; undefined when empty', () => {
    expect(call('max', [1, 3, 2])).to.equal(3);
    expect(call('min', set(3, 1, 2))).to.equal(1);
    expect(call('max', [1, 'a', null])).to.equal('a');
    expect(call('min', [1, 'a', null])).to.equal(null);
    expect(call('max', [])).to.equal(undefined);
    expect(call('min', set())).to.equal(undefined);
  });

  it('sorts arrays and sets into a new array', () => {
    const input = [3, 'a', null, [1], 1.5];
    expect(run('sort', input)).to.equal('[null,1.5,3,"a",[1]]');
    expect(input[0]).to.equal(3);
    expect(run('sort', set('b', 'a'))).to.equal('["a","b"]');
  });

  it('keeps the deprecated all/any for v0', () => {
    expect(BUILTINS.get('all')!.deprecated).to.equal(true);
    expect(BUILTINS.get('any')!.deprecated).to.equal(true);
    expect([call('all', [true, true]), call('all', [true, 1]), call('all', [])]).to.deep.equal([true, false, true]);
    expect([call('any', set(false, true)), call('any', [false]), call('any', [])]).to.deep.equal([true, false, false]);
  });
});
