import { expect } from 'chai';
import { RObject, RSet } from '../../../src/rego/value.js';
import { call, errorOf } from './helpers.js';

describe('encoding builtins', () => {
  describe('base64', () => {
    it('encodes and decodes UTF-8 text', () => {
      expect(call('base64.encode', 'hello')).to.equal('aGVsbG8=');
      expect(call('base64.decode', 'dGhlcmU=')).to.equal('there');
      expect(call('base64.decode', 'aGVs\nbG8=')).to.equal('hello');
      expect(call('base64.decode', call('base64.encode', 'é ✓')!)).to.equal('é ✓');
    });

    it("is as strict as Go's decoder, with its error texts", () => {
      expect(errorOf('base64.decode', 'aGVsbG8')).to.equal('base64.decode: illegal base64 data at input byte 4');
      expect(errorOf('base64.decode', 'aGVsbA==x')).to.equal('base64.decode: illegal base64 data at input byte 8');
      expect(errorOf('base64.decode', 'aGV=bA==')).to.equal('base64.decode: illegal base64 data at input byte 4');
      expect(call('base64.is_valid', 'aGVsbG8=')).to.equal(true);
      expect(call('base64.is_valid', "{'not':'base64'}")).to.equal(false);
      expect(call('base64.is_valid', 1)).to.equal(false);
    });

    it('base64url with and without padding', () => {
      expect(call('base64url.encode', 'hello?>')).to.equal('aGVsbG8_Pg==');
      expect(call('base64url.encode_no_pad', 'hello?>')).to.equal('aGVsbG8_Pg');
      expect(call('base64url.decode', 'aGVsbG8_Pg')).to.equal('hello?>');
      expect(call('base64url.decode', 'aGVsbG8_Pg==')).to.equal('hello?>');
      expect(errorOf('base64url.decode', 'a')).to.equal('base64url.decode: illegal base64url string: a');
    });
  });

  it('hex', () => {
    expect(call('hex.encode', 'hello')).to.equal('68656c6c6f');
    expect(call('hex.decode', '68656C6c6f')).to.equal('hello');
    expect(errorOf('hex.decode', '6g')).to.equal("hex.decode: encoding/hex: invalid byte: U+0067 'g'");
    expect(errorOf('hex.decode', '686')).to.equal('hex.decode: encoding/hex: odd length hex string');
  });

  describe('json', () => {
    const value = RObject.fromEntries([['b', [1, 2]], ['a', new RSet([3, 1])], [1, 'x'], ['big', 12345678901234567890n], ['h', '<&>']]);

    it('marshals as OPA does: sorted keys, sets as arrays, exact big integers, HTML escapes', () => {
      expect(call('json.marshal', value)).to.equal('{"1":"x","a":[1,3],"b":[1,2],"big":12345678901234567890,"h":"\\u003c\\u0026\\u003e"}');
    });

    it('marshals with options', () => {
      const small = RObject.fromEntries([['a', [1]], ['e', []]]);
      expect(call('json.marshal_with_options', small, RObject.fromEntries([['prefix', '--'], ['indent', '  ']])))
        .to.equal('--{\n--  "a": [\n--    1\n--  ],\n--  "e": []\n--}');
      expect(call('json.marshal_with_options', small, RObject.fromEntries([['pretty', true]]))).to.equal('{\n\t"a": [\n\t\t1\n\t],\n\t"e": []\n}');
      expect(call('json.marshal_with_options', small, RObject.fromEntries([['pretty', false], ['indent', ' ']]))).to.equal('{"a":[1],"e":[]}');
      expect(errorOf('json.marshal_with_options', small, RObject.fromEntries([['bad', 1]])))
        .to.equal('json.marshal_with_options: operand 2 object contained unknown key bad');
    });

    it('unmarshals keeping big integers exact', () => {
      const v = call('json.unmarshal', '{"a":[1,2.5,12345678901234567890]}') as RObject;
      expect(v.get('a')).to.deep.equal([1, 2.5, 12345678901234567890n]);
      expect(call('json.unmarshal', '')).to.equal(null);
      expect(errorOf('json.unmarshal', '{')).to.match(/^json\.unmarshal: /);
    });

    it('json.is_valid', () => {
      expect(call('json.is_valid', '{"a": [1]}')).to.equal(true);
      expect(call('json.is_valid', '{')).to.equal(false);
      expect(call('json.is_valid', "{'a': 1}")).to.equal(false);
    });
  });

  describe('yaml', () => {
    it('marshals block style with sorted keys', () => {
      const v = RObject.fromEntries([['b', [1, 2]], ['a', 'true'], ['c', new RSet(['x'])]]);
      expect(call('yaml.marshal', v)).to.equal('a: "true"\nb:\n- 1\n- 2\nc:\n- x\n');
    });

    it('unmarshals YAML 1.1 scalars as Go does', () => {
      const v = call('yaml.unmarshal', 'a: yes\nb: [1, 2]\nc: 2001-12-14\nd: 0x1F\ne: ~\n') as RObject;
      expect(v.get('a')).to.equal(true);
      expect(v.get('b')).to.deep.equal([1, 2]);
      expect(v.get('c')).to.equal('2001-12-14');
      expect(v.get('d')).to.equal(31);
      expect(v.get('e')).to.equal(null);
      expect(errorOf('yaml.unmarshal', 'a: [1')).to.match(/^yaml\.unmarshal: /);
      expect(call('yaml.is_valid', 'a: b: c')).to.equal(false);
      expect(call('yaml.is_valid', 'a: 1')).to.equal(true);
    });
  });

  describe('urlquery', () => {
    it('escapes as url.QueryEscape', () => {
      expect(call('urlquery.encode', 'a b&c=d/é!*~')).to.equal('a+b%26c%3Dd%2F%C3%A9%21%2A~');
      expect(call('urlquery.decode', 'a+b%26c%3Dd%2F%C3%A9')).to.equal('a b&c=d/é');
      expect(errorOf('urlquery.decode', '%zz')).to.equal('urlquery.decode: invalid URL escape "%zz"');
    });

    it('encodes and decodes objects', () => {
      const o = RObject.fromEntries([['b', ['2', '1']], ['a', 'x y'], ['c', new RSet(['z'])]]);
      expect(call('urlquery.encode_object', o)).to.equal('a=x+y&b=2&b=1&c=z');
      expect(errorOf('urlquery.encode_object', RObject.fromEntries([['a', 1]])))
        .to.equal('urlquery.encode_object: operand 1 values must be string, array[string], or set[string]');
      const d = call('urlquery.decode_object', 'a=1&b=2&a=3&c') as RObject;
      expect(d.get('a')).to.deep.equal(['1', '3']);
      expect(d.get('c')).to.deep.equal(['']);
      expect(errorOf('urlquery.decode_object', 'a=1;b=2')).to.equal('urlquery.decode_object: invalid semicolon separator in query');
    });
  });
});
