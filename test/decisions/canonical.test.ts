import { expect } from 'chai';
import { canonicalJson, parseJson, RawJson, sha256Hex } from '../../src/decisions/index.js';

describe('canonical JSON', () => {
  it('sorts keys, drops whitespace and is independent of insertion order', () => {
    const a = canonicalJson({ b: 1, a: [true, null, { z: 'x', y: 2 }] });
    const b = canonicalJson({ a: [true, null, { y: 2, z: 'x' }], b: 1 });
    expect(a).to.equal('{"a":[true,null,{"y":2,"z":"x"}],"b":1}');
    expect(b).to.equal(a);
  });

  it('sorts keys by UTF-16 code units as RFC 8785 does', () => {
    // RFC 8785 §3.2.3 example ordering: "\r" < "1" < "\u0080" < "ö" < "€" < "😀" < "\ufb33"
    const keys = ['\u20ac', '\r', '\ufb33', '1', '\u{1F600}', '\u0080', '\u00f6'];
    const obj = Object.fromEntries(keys.map((k, i) => [k, i]));
    const text = canonicalJson(obj);
    const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\u{1F600}', '\ufb33'].map((k) => text.indexOf(JSON.stringify(k) + ':'));
    expect(order.every((pos, i) => pos >= 0 && (i === 0 || pos > order[i - 1])), text).to.equal(true);
  });

  it('prints numbers as ECMAScript does and big integers exactly', () => {
    expect(canonicalJson([0, -0, 1.5, 1e21, 1e-7, 333333333.3333333, 9007199254740991])).to.equal('[0,0,1.5,1e+21,1e-7,333333333.3333333,9007199254740991]');
    expect(canonicalJson({ n: 123456789012345678901234567890n })).to.equal('{"n":123456789012345678901234567890}');
    expect(() => canonicalJson(Number.NaN)).to.throw(TypeError);
    expect(() => canonicalJson([Number.POSITIVE_INFINITY])).to.throw(/\/0/);
  });

  it('escapes strings minimally', () => {
    expect(canonicalJson('a"b\\c\n\u0001é€<>&')).to.equal('"a\\"b\\\\c\\n\\u0001é€<>&"');
  });

  it('skips undefined members and splices raw canonical text', () => {
    expect(canonicalJson({ a: undefined, b: new RawJson('{"x":1}') })).to.equal('{"b":{"x":1}}');
  });

  it('parses JSON keeping big integers exact and round-trips', () => {
    const text = '{"a":[1,2.5,-3e2],"big":-98765432109876543210,"s":"\\u00e9\\n","t":true,"z":null}';
    const v = parseJson(text);
    expect(v).to.deep.equal({ a: [1, 2.5, -300], big: -98765432109876543210n, s: 'é\n', t: true, z: null });
    expect(canonicalJson(v)).to.equal('{"a":[1,2.5,-300],"big":-98765432109876543210,"s":"é\\n","t":true,"z":null}');
    expect(() => parseJson('{"a":1,}')).to.throw(SyntaxError);
    expect(() => parseJson('[1] x')).to.throw(SyntaxError);
  });

  it('hashes with SHA-256', () => {
    expect(sha256Hex('abc')).to.equal('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
