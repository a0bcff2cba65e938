import { expect } from 'chai';
import { call, expectError } from './helpers.js';

describe('units builtins', () => {
  it('units.parse handles SI and binary suffixes, m vs M, quotes and exponents', () => {
    expect(call('units.parse', '10K')).to.equal(10000);
    expect(call('units.parse', '10KI')).to.equal(10240);
    expect(call('units.parse', '"100TI"')).to.equal(109951162777600);
    expect(call('units.parse', '1.1Ki')).to.equal(1126.4);
    expect(call('units.parse', '500m')).to.equal(0.5);
    expect(call('units.parse', '0.0000005M')).to.equal(0.5);
    expect(call('units.parse', '.5K')).to.equal(500);
    expect(call('units.parse', '5.K')).to.equal(5000);
    expect(call('units.parse', '1.5e-2K')).to.equal(15);
    expect(call('units.parse', '10e')).to.equal(10000000000000000000n);
    expect(call('units.parse', '10Ei')).to.equal(11529215046068469760n);
    expect(call('units.parse', '1G')).to.equal(1000000000);
  });

  it('units.parse errors carry OPA wording', () => {
    expectError('eval_builtin_error', 'units.parse: no amount provided', 'units.parse', '');
    expectError('eval_builtin_error', 'units.parse: no amount provided', 'units.parse', 'eK');
    expectError('eval_builtin_error', 'units.parse: could not parse amount to a number', 'units.parse', '0.0.0');
    expectError('eval_builtin_error', 'units.parse: could not parse amount to a number', 'units.parse', '1e+K');
    expectError('eval_builtin_error', 'units.parse: spaces not allowed in resource strings', 'units.parse', ' 327Mi ');
    expectError('eval_builtin_error', 'units.parse: unit Kib not recognized', 'units.parse', '1KiB');
    expectError('eval_builtin_error', 'units.parse: exponent too large', 'units.parse', '1e1234567');
    expectError('eval_type_error', 'units.parse: operand 1 must be string but got number', 'units.parse', 1);
  });

  it('units.parse_bytes is case-insensitive and truncates to whole bytes', () => {
    expect(call('units.parse_bytes', '"100TIB"')).to.equal(109951162777600);
    expect(call('units.parse_bytes', '10KB')).to.equal(10000);
    expect(call('units.parse_bytes', '10Kib')).to.equal(10240);
    expect(call('units.parse_bytes', '1.1KiB')).to.equal(1126);
    expect(call('units.parse_bytes', '100m')).to.equal(100000000);
    expect(call('units.parse_bytes', '.0')).to.equal(0);
    expect(call('units.parse_bytes', '10eib')).to.equal(11529215046068469760n);
    expect(call('units.parse_bytes', '0.7eib')).to.equal(807045053224792883n); // big.Float's 64-bit rounding
  });

  it('units.parse_bytes errors carry OPA wording', () => {
    expectError('eval_builtin_error', 'units.parse_bytes: no byte amount provided', 'units.parse_bytes', 'GB');
    expectError('eval_builtin_error', 'units.parse_bytes: could not parse byte amount to a number', 'units.parse_bytes', '.5.2');
    expectError('eval_builtin_error', 'units.parse_bytes: spaces not allowed in resource strings', 'units.parse_bytes', '100 kb');
    expectError('eval_builtin_error', 'units.parse_bytes: byte unit foo not recognized', 'units.parse_bytes', '1foo');
  });
});
