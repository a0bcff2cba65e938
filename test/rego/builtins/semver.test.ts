import { expect } from 'chai';
import { call, expectError } from './helpers.js';

describe('semver builtins', () => {
  it('semver.compare orders by SemVer 2.0.0 precedence', () => {
    expect(call('semver.compare', '1.0.0', '2.0.0')).to.equal(-1);
    expect(call('semver.compare', '1.0.0', '1.0.0')).to.equal(0);
    expect(call('semver.compare', '1.10.0', '1.9.0')).to.equal(1);
    expect(call('semver.compare', '1.0.0-alpha', '1.0.0')).to.equal(-1);
    expect(call('semver.compare', '1.0.0+build.1', '1.0.0+build.2')).to.equal(0);
    const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];
    for (let i = 0; i + 1 < ordered.length; i++) {
      expect(call('semver.compare', ordered[i], ordered[i + 1]), `${ordered[i]} < ${ordered[i + 1]}`).to.equal(-1);
      expect(call('semver.compare', ordered[i + 1], ordered[i])).to.equal(1);
    }
    expect(call('semver.compare', 'v1.2.3', '1.2.3')).to.equal(0);
  });

  it('semver.compare rejects invalid versions with OPA wording', () => {
    expectError('eval_builtin_error', 'semver.compare: operand 1: string 1.0 is not a valid SemVer', 'semver.compare', '1.0', '1.0.0');
    expectError('eval_builtin_error', 'semver.compare: operand 2: string x is not a valid SemVer', 'semver.compare', '1.0.0', 'x');
    expectError('eval_type_error', 'semver.compare: operand 2 must be string but got number', 'semver.compare', '1.0.0', 1);
  });

  it('semver.is_valid answers false for anything that is not a valid version', () => {
    expect(call('semver.is_valid', '1.2.3-rc.1+build.5')).to.equal(true);
    expect(call('semver.is_valid', 'v1.2.3')).to.equal(true);
    expect(call('semver.is_valid', '1.2')).to.equal(false);
    expect(call('semver.is_valid', '1.2.3-')).to.equal(true); // OPA treats an empty pre-release as none
    expect(call('semver.is_valid', '1.2.3-a..b')).to.equal(false);
    expect(call('semver.is_valid', '1.2.99999999999999999999')).to.equal(false);
    expect(call('semver.is_valid', 1)).to.equal(false);
    expect(call('semver.is_valid', null)).to.equal(false);
  });
});
