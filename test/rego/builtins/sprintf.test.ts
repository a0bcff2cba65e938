import { expect } from 'chai';
import { RObject } from '../../../src/rego/value.js';
import type { Value } from '../../../src/rego/value.js';
import { call, expectError, set } from './helpers.js';

const sprintf = (format: string, ...args: Value[]): Value | undefined => call('sprintf', format, args);

// Expected strings were checked against Go's fmt.Sprintf with OPA's argument conversion.
describe('sprintf', () => {
  it('formats strings, integers and the percent sign', () => {
    expect(sprintf('User %s from %s has access', 'alice', 'engineering')).to.equal('User alice from engineering has access');
    expect(sprintf('String: %s, Number: %d, Percent: %%', 'hello', 123)).to.equal('String: hello, Number: 123, Percent: %');
    expect(sprintf('%5d|%-5d|%05d|%+d|% d', 42, 42, 42, 42, 42)).to.equal('   42|42   |00042|+42| 42');
    expect(sprintf('%x %X %#x %o %#o %O %b %c %U %q', 255, 255, 255, 8, 8, 8, 5, 65, 0x1f600, 65)).to.equal(
      "ff FF 0xff 10 010 0o10 101 A U+1F600 'A'");
  });

  it('formats floats with Go precision and rounding (ties to even)', () => {
    expect(sprintf('Decimal: %.2f', 3.14159)).to.equal('Decimal: 3.14');
    expect(sprintf('%-10.3f|', 3.14159)).to.equal('3.142     |');
    expect(sprintf('%08.3f', -3.14159)).to.equal('-003.142');
    expect(sprintf('%.0f %.0f %.0f', 0.5, 1.5, 2.5)).to.equal('0 2 2');
    expect(sprintf('%v %v %v %v', 0.1, 1e-5, 1234567.5, 1e21)).to.equal('0.1 1e-05 1.2345675e+06 1e+21');
    expect(sprintf('%e %E %g %.3g', 1234.5678, 0.00012, 0.000012345, 2.0 / 3)).to.equal('1.234568e+03 1.200000E-04 1.2345e-05 0.667');
  });

  it('prints big integers exactly', () => {
    expect(sprintf('%s', 123456789123456789123n)).to.equal('123456789123456789123');
    expect(sprintf('%d', 1208925819614629174706175n)).to.equal('1208925819614629174706175');
    expect(sprintf('%x', 2n ** 64n)).to.equal('10000000000000000');
    expect(sprintf('%c', 2n ** 64n)).to.equal('%!c(big.Int=18446744073709551616)');
  });

  it('prints composite values and booleans as OPA prints them', () => {
    expect(sprintf('Value: %v', RObject.fromEntries([['key', 'value']]))).to.equal('Value: {"key": "value"}');
    expect(sprintf('%v %v %v', [1, 'a', null], set(), set(2, 1))).to.equal('[1, "a", null] set() {1, 2}');
    expect(sprintf('%v %s', true, false)).to.equal('true false');
    expect(sprintf('%v', ['tab\there'])).to.equal('["tab\\there"]');
  });

  it("reports mismatches the way Go's fmt does", () => {
    expect(sprintf('%d', 'x')).to.equal('%!d(string=x)');
    expect(sprintf('%s', 1)).to.equal('%!s(int=1)');
    expect(sprintf('%t', true)).to.equal('%!t(string=true)');
    expect(sprintf('%d %d', 1)).to.equal('1 %!d(MISSING)');
    expect(sprintf('hi', 1, 'a')).to.equal('hi%!(EXTRA int=1, string=a)');
    expect(sprintf('%[2]s %[1]s', 'a', 'b')).to.equal('b a');
    expect(sprintf('%*d|', 4, 7)).to.equal('   7|');
    expect(sprintf('%')).to.equal('%!(NOVERB)');
  });

  it('quotes with %q like strconv.Quote', () => {
    expect(sprintf('%q', 'a"b\n\u00e9\u200b')).to.equal('"a\\"b\\n\u00e9\\u200b"');
    expect(sprintf('%+q', 'é')).to.equal('"\\u00e9"');
    expect(sprintf('%.2s|%5.1s|', 'héllo', 'xyz')).to.equal('hé|    x|');
  });

  it('checks its operands', () => {
    expectError('eval_type_error', 'sprintf: operand 2 must be array but got string', 'sprintf', '%s', 'x');
    expectError('eval_type_error', 'sprintf: operand 1 must be string but got number', 'sprintf', 1, []);
  });
});
