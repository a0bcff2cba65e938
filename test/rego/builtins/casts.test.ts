import { expect } from 'chai';
import { BUILTINS } from '../../../src/rego/builtins/index.js';
import { call, expectError, run, set } from './helpers.js';

describe('builtins: casts', () => {
  it('converts to numbers as OPA does', () => {
    expect([call('to_number', '-42.0'), call('to_number', false), call('to_number', 100.1), call('to_number', null), call('to_number', true)])
      .to.deep.equal([-42, 0, 100.1, 0, 1]);
    expect(call('to_number', '3')).to.equal(3);
    expect(call('to_number', '+1.5e3')).to.equal(1500);
    expect(call('to_number', '.5')).to.equal(0.5);
    expect(call('to_number', '12345678901234567890')).to.equal(12345678901234567890n);
  });

  it('rejects strings that are not decimal numbers', () => {
    expectError('eval_builtin_error', 'to_number: strconv.ParseFloat: parsing "broken": invalid syntax', 'to_number', 'broken');
    expectError('eval_builtin_error', 'to_number: strconv.ParseFloat: parsing "1_000": invalid syntax', 'to_number', '1_000');
    expectError('eval_type_error', 'to_number: operand 1 must be valid number string but got string', 'to_number', '-Inf');
    expectError('eval_type_error', 'to_number: operand 1 must be valid number string but got string', 'to_number', 'NaN');
    expectError('eval_builtin_error', 'to_number: strconv.ParseFloat: parsing "1e400": value out of range', 'to_number', '1e400');
    expectError('eval_type_error', 'to_number: operand 1 must be one of {null, boolean, number, string} but got array', 'to_number', []);
  });

  it('keeps the deprecated casts for v0: pass-through or array/set conversion', () => {
    for (const name of ['cast_array', 'cast_set', 'cast_string', 'cast_boolean', 'cast_null', 'cast_object']) {
      expect(BUILTINS.get(name)!.deprecated, name).to.equal(true);
    }
    expect(run('cast_array', set(2, 1))).to.equal('[1,2]');
    expect(run('cast_set', [1, 1, 2])).to.equal('[1,2]');
    expect(call('cast_string', 'x')).to.equal('x');
    expectError('eval_type_error', 'cast_string: operand 1 must be string but got number', 'cast_string', 1);
    expectError('eval_type_error', 'cast_array: operand 1 must be one of {array, set} but got string', 'cast_array', 'x');
  });
});
