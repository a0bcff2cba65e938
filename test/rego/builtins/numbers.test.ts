import { expect } from 'chai';
import { BUILTINS } from '../../../src/rego/builtins/index.js';
import { call, expectError, makeCtx, run, set } from './helpers.js';

describe('builtins: numbers', () => {
  it('keeps integer arithmetic exact at any size', () => {
    expect(call('mul', -55178253689, -54641715256)).to.equal(3015034426397669579384n);
    expect(call('plus', 1000000000000000000000n, 1)).to.equal(1000000000000000000001n);
    expect(call('minus', -1306773870446791, 2135967516916224)).to.equal(-3442741387363015);
    expect(call('plus', 9007199254740991, 1)).to.equal(9007199254740992n);
    expect(call('minus', 9007199254740992n, 1)).to.equal(9007199254740991);
    expect(call('rem', -51123083749, 35648)).to.equal(-1765);
  });

  it('divides as OPA does: exact when divisible, a float quotient otherwise', () => {
    expect(call('div', 12, 1)).to.equal(12);
    expect(call('div', -524, -56)).to.equal(9.357142857142858);
    expect(call('div', 1, 3)).to.equal(0.3333333333333333);
    expect(call('div', 5, 2)).to.equal(2.5);
    expect(call('div', 2, 1e18)).to.equal(2e-18);
    expect(call('div', 6000000000000000000000n, 3)).to.equal(2000000000000000000000n);
  });

  it('computes on decimal values, so 0.1 + 0.2 is 0.3 as in OPA', () => {
    expect(call('plus', 0.1, 0.2)).to.equal(0.3);
    expect(call('mul', 3, 1.1)).to.equal(3.3);
    expect(call('minus', 1.5, 0.5)).to.equal(1);
    expect(call('mul', 1.5, 2)).to.equal(3);
  });

  it('reports OPA errors for division and modulo', () => {
    expectError('eval_builtin_error', 'div: divide by zero', 'div', 1, 0);
    expectError('eval_builtin_error', 'div: divide by zero', 'div', 1.5, 0);
    expectError('eval_builtin_error', 'rem: modulo by zero', 'rem', 7, 0);
    expectError('eval_builtin_error', 'rem: modulo on floating-point number', 'rem', 1.1, 1);
    expectError('eval_builtin_error', 'rem: modulo on floating-point number', 'rem', 1, 1.1);
    expectError('eval_type_error', 'plus: operand 1 must be number but got string', 'plus', '1', 2);
  });

  it('subtracts sets, and names the wrong operand when kinds are mixed', () => {
    expect(run('minus', set(1, 2, 3), set(2))).to.equal('[1,3]');
    expectError('eval_type_error', 'minus: operand 2 must be set but got number', 'minus', set(1), 1);
    expectError('eval_type_error', 'minus: operand 2 must be number but got set', 'minus', 1, set(1));
    expectError('eval_type_error', 'minus: operand 1 must be one of {number, set} but got string', 'minus', 'a', 1);
  });

  it('rounds half away from zero; ceil, floor and abs', () => {
    expect([-9.4, -9.5, -9.6, 9.4, 9.5, 9.6, 8, -8].map((x) => call('round', x))).to.deep.equal([-9, -10, -10, 9, 10, 10, 8, -8]);
    expect(Object.is(call('round', -0.4), 0)).to.equal(true);
    expect([call('ceil', 1.01), call('ceil', -1.99999), call('floor', 99.99999), call('floor', -1.001)]).to.deep.equal([2, -1, 99, -2]);
    expect(call('abs', -4)).to.equal(4);
    expect(call('abs', -3015034426397669579384n)).to.equal(3015034426397669579384n);
    expect(call('round', 3015034426397669579384n)).to.equal(3015034426397669579384n);
  });

  it('builds ranges in either direction, with steps', () => {
    expect(run('numbers.range', 0, 0)).to.equal('[0]');
    expect(run('numbers.range', 2, -3)).to.equal('[2,1,0,-1,-2,-3]');
    expect(run('numbers.range_step', 0, 10, 3)).to.equal('[0,3,6,9]');
    expect(run('numbers.range_step', 10, 0, 4)).to.equal('[10,6,2]');
    expectError('eval_type_error', 'numbers.range: operand 1 must be integer number but got floating-point number', 'numbers.range', 3.14, 4);
    expectError('eval_type_error', 'numbers.range: operand 2 must be integer number but got floating-point number', 'numbers.range', 3, 3.14);
    expectError('eval_builtin_error', 'numbers.range_step: numbers.range_step: step must be a positive integer', 'numbers.range_step', 1, 5, 0);
  });

  it('rand.intn is in range and stable per (string, n) within a query', () => {
    const def = BUILTINS.get('rand.intn')!;
    expect(def.nondeterministic).to.equal(true);
    const ctx = makeCtx();
    const first = def.fn(['seed', 1000], ctx) as number;
    expect(first).to.be.within(0, 999);
    for (let i = 0; i < 5; i++) expect(def.fn(['seed', 1000], ctx)).to.equal(first);
    expect(def.fn(['seed', -1000], ctx)).to.equal(first);
    expect(def.fn(['x', 0], ctx)).to.equal(0);
    expectError('eval_type_error', 'rand.intn: operand 2 must be integer number but got floating-point number', 'rand.intn', 'a', 10.3);
  });

  it('declares operand types for the compiler', () => {
    expect(BUILTINS.get('plus')!.args).to.deep.equal(['number', 'number']);
    expect(BUILTINS.get('minus')!.args).to.deep.equal([['number', 'set'], ['number', 'set']]);
    expect(BUILTINS.get('round')!.args).to.deep.equal(['number']);
  });
});
