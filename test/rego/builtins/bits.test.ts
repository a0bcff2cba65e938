import { expect } from 'chai';
import { call, expectError } from './helpers.js';

describe('builtins: bits', () => {
  it('computes bitwise results', () => {
    expect(call('bits.or', 7, 9)).to.equal(15);
    expect(call('bits.and', 7, 9)).to.equal(1);
    expect(call('bits.xor', 42, 3)).to.equal(41);
    expect(call('bits.negate', 42)).to.equal(-43);
    expect(call('bits.negate', -50)).to.equal(49);
    expect(call('bits.lsh', 9, 2)).to.equal(36);
    expect(call('bits.rsh', 8, 3)).to.equal(1);
    expect(call('bits.rsh', -8, 100)).to.equal(-1);
  });

  it('stays exact beyond 64 bits', () => {
    expect(call('bits.lsh', 2147483647, 1)).to.equal(4294967294);
    expect(call('bits.lsh', 9223372036854775807n, 1)).to.equal(18446744073709551614n);
    expect(call('bits.and', 18446744073709551615n, 255)).to.equal(255);
  });

  it('rejects floats and negative shifts with OPA wording', () => {
    expectError('eval_type_error', 'bits.or: operand 1 must be integer number but got floating-point number', 'bits.or', 7.2, 42);
    expectError('eval_type_error', 'bits.lsh: operand 2 must be an unsigned integer number but got a negative integer', 'bits.lsh', 7, -1);
    expectError('eval_type_error', 'bits.rsh: operand 2 must be an unsigned integer number but got a negative integer', 'bits.rsh', 7, -1);
  });
});
