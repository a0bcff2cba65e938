import { expect } from 'chai';
import { canonicalJson, parseJson, RawJson, sha256Hex, type Json } from '../../src/decisions/index.js';

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

  it('gives the same text whether or not the keys already stand in canonical order', () => {
    // JS puts integer-like keys first in numeric order: "9" before "10", which is not JCS order.
    expect(canonicalJson({ 9: 'a', 10: 'b', x: 1 })).to.equal('{"10":"b","9":"a","x":1}');
    expect(canonicalJson({ a: 1, b: { c: [1, 'x', { d: null }] } })).to.equal('{"a":1,"b":{"c":[1,"x",{"d":null}]}}');
    // Sorted by code point is not sorted by UTF-16 code unit: U+FB33 comes after an astral character here.
    expect(canonicalJson({ '\u{1F600}': 1, '\ufb33': 2 })).to.equal('{"\u{1F600}":1,"\ufb33":2}');
    expect(canonicalJson({ '\ufb33': 2, '\u{1F600}': 1 })).to.equal('{"\u{1F600}":1,"\ufb33":2}');
    expect(canonicalJson({ a: -0, b: [-0] })).to.equal('{"a":0,"b":[0]}');
    expect(() => canonicalJson({ a: [1, Number.NaN] })).to.throw(/\/a\/1/);
    expect(canonicalJson({ when: new RawJson('"now"') })).to.equal('{"when":"now"}');

    // Against a plain sort-and-print reference, on random documents built in both key orders.
    const reference = (v: unknown): string => {
      if (Array.isArray(v)) return `[${v.map(reference).join(',')}]`;
      if (v !== null && typeof v === 'object') {
        return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${reference((v as Record<string, unknown>)[k])}`).join(',')}}`;
      }
      return typeof v === 'number' && Object.is(v, -0) ? '0' : JSON.stringify(v);
    };
    let seed = 42;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
    const KEYS = ['a', 'b', 'z', '0', '1', '10', '9', '01', '\u00e9', '\u20ac', '\ufb33', '\u{1F600}', '"q"', 'a b', ''];
    const gen = (depth: number, sorted: boolean): unknown => {
      const kind = depth > 3 ? rand(4) : rand(6);
      if (kind === 0) return rand(2) === 0 ? -0 : rand(1000) / 8 - 50;
      if (kind === 1) return ['x', 'line\nbreak', 'quote"', '\u0001', '\ud800 lone', ''][rand(6)];
      if (kind === 2) return [true, false, null][rand(3)];
      if (kind === 3) return rand(5);
      if (kind === 4) return Array.from({ length: rand(4) }, () => gen(depth + 1, sorted));
      const keys = [...new Set(Array.from({ length: rand(6) }, () => KEYS[rand(KEYS.length)]))];
      if (sorted) keys.sort();
      return Object.fromEntries(keys.map((k) => [k, gen(depth + 1, sorted)]));
    };
    for (let i = 0; i < 500; i++) {
      const doc = gen(0, i % 2 === 0);
      expect(canonicalJson(doc as Json), JSON.stringify(doc)).to.equal(reference(doc));
    }
  });

  it('hashes with SHA-256', () => {
    expect(sha256Hex('abc')).to.equal('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
