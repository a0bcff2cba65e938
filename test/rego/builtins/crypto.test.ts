import { expect } from 'chai';
import { BUILTINS } from '../../../src/rego/builtins/index.js';
import { call, errorOf } from './helpers.js';

describe('crypto builtins', () => {
  it('hex digests of the UTF-8 bytes', () => {
    expect(call('crypto.md5', 'hello')).to.equal('5d41402abc4b2a76b9719d911017c592');
    expect(call('crypto.sha1', 'hello')).to.equal('aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d');
    expect(call('crypto.sha256', 'hello')).to.equal('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    expect(call('crypto.md5', '\u00e9')).to.equal('66ddcd97cfdeabb2f6fb8a999b4bc76f'); // bytes c3 a9
    expect(errorOf('crypto.sha256', 1)).to.equal('crypto.sha256: operand 1 must be string but got number');
  });

  it('HMACs (message, key)', () => {
    expect(call('crypto.hmac.sha256', 'hello', 'secret')).to.equal('88aab3ede8d3adf94d26ab90d3bafd4a2083070c3bcce9c014ee04a443847c0b');
    expect(call('crypto.hmac.md5', 'hello', 'secret')).to.equal('bade63863c61ed0b3165806ecd6acefc');
    expect(call('crypto.hmac.sha1', 'hello', 'secret')).to.equal('5112055c05f944f85755efc5cd8970e194e9f45b');
    expect(call('crypto.hmac.sha512', 'hello', 'secret')).to.have.length(128);
  });

  it('crypto.hmac.equal compares exactly', () => {
    expect(call('crypto.hmac.equal', 'abc', 'abc')).to.equal(true);
    expect(call('crypto.hmac.equal', 'abc', 'abd')).to.equal(false);
    expect(call('crypto.hmac.equal', 'abc', 'abcd')).to.equal(false);
  });

  it('does not offer crypto.x509.* (see crypto.ts)', () => {
    expect(BUILTINS.has('crypto.x509.parse_certificates')).to.equal(false);
  });
});
