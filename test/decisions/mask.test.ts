import { expect } from 'chai';
import { applyMask, applyMaskRules, MaskRuleError, parseMaskRules, type Json, type MaskableEvent } from '../../src/decisions/index.js';

type Event = MaskableEvent & { decision_id?: string };

function mask(event: Event, rules: Json): Event {
  return applyMask(event, rules);
}

describe('decision log masking (OPA semantics)', () => {
  const docInput = { resource: 'user', name: 'bob', password: 'passw0rd', ssn: '123' };

  it('erases pointers and lists them in erased (OPA docs example)', () => {
    const out = mask({ decision_id: 'x', input: docInput, result: true }, ['/input/password', '/input/ssn']);
    expect(out).to.deep.equal({ decision_id: 'x', input: { resource: 'user', name: 'bob' }, result: true, erased: ['/input/password', '/input/ssn'] });
  });

  it('upserts values and lists them in masked (OPA docs example)', () => {
    const out = mask({ input: docInput, result: true }, ['/input/ssn', { op: 'upsert', path: '/input/password', value: '**REDACTED**' }]);
    expect(out.input).to.deep.equal({ resource: 'user', name: 'bob', password: '**REDACTED**' });
    expect(out.erased).to.deep.equal(['/input/ssn']);
    expect(out.masked).to.deep.equal(['/input/password']);
  });

  it('leaves the original event untouched', () => {
    const event = { input: { a: { b: 1 } }, result: { secret: 's', ok: true } };
    const out = mask(event, ['/input/a/b', '/result/secret']);
    expect(event).to.deep.equal({ input: { a: { b: 1 } }, result: { secret: 's', ok: true } });
    expect(out.input).to.deep.equal({ a: {} });
    expect(out.result).to.deep.equal({ ok: true });
  });

  it('erases or replaces the whole input or result', () => {
    expect(mask({ input: { a: 1 } }, ['/input'])).to.deep.equal({ erased: ['/input'] });
    expect(mask({ result: 'foo' }, [{ op: 'remove', path: '/result' }])).to.deep.equal({ erased: ['/result'] });
    expect(mask({ result: 'foo' }, [{ op: 'upsert', path: '/result', value: 'upserted' }])).to.deep.equal({ result: 'upserted', masked: ['/result'] });
  });

  it('ignores pointers that do not resolve, without recording them', () => {
    expect(mask({}, ['/input/foo', { op: 'upsert', path: '/input/foo', value: 1 }])).to.deep.equal({});
    expect(mask({ input: { bar: 1 } }, ['/input/foo'])).to.deep.equal({ input: { bar: 1 } });
    expect(mask({ input: { foo: 1 } }, ['/input/foo/bar'])).to.deep.equal({ input: { foo: 1 } });
    expect(mask({ input: { foo: 1 } }, [{ op: 'upsert', path: '/input/foo/bar' }])).to.deep.equal({ input: { foo: 1 } });
    expect(mask({ input: { foo: [{ baz: 1 }] } }, ['/input/foo/bar/baz', '/input/foo/-1/baz', '/input/foo/1/baz'])).to.deep.equal({ input: { foo: [{ baz: 1 }] } });
  });

  it('creates missing objects on upsert, null when no value is given', () => {
    expect(mask({ input: { foo: {} } }, [{ op: 'upsert', path: '/input/foo/bar/baz', value: 100 }])).to.deep.equal({ input: { foo: { bar: { baz: 100 } } }, masked: ['/input/foo/bar/baz'] });
    expect(mask({ input: { bar: 1 } }, [{ op: 'upsert', path: '/input/foo' }])).to.deep.equal({ input: { bar: 1, foo: null }, masked: ['/input/foo'] });
  });

  it('walks arrays by index', () => {
    expect(mask({ input: { foo: [{ bar: 1, baz: 2 }] } }, ['/input/foo/0/bar'])).to.deep.equal({ input: { foo: [{ baz: 2 }] }, erased: ['/input/foo/0/bar'] });
    expect(mask({ input: { foo: [1, 2, 3] } }, ['/input/foo/1'])).to.deep.equal({ input: { foo: [1, 3] }, erased: ['/input/foo/1'] });
    expect(mask({ input: { foo: [1, 2] } }, [{ op: 'upsert', path: '/input/foo/0', value: 'x' }])).to.deep.equal({ input: { foo: ['x', 2] }, masked: ['/input/foo/0'] });
    expect(mask({ input: { foo: [1] } }, [{ op: 'upsert', path: '/input/foo/3', value: 'x' }])).to.deep.equal({ input: { foo: [1] } });
  });

  it('applies rules parsed once to many events', () => {
    const rules = parseMaskRules(['/input/password']);
    expect(applyMaskRules({ input: { password: 'a', u: 1 } }, rules)).to.deep.equal({ input: { u: 1 }, erased: ['/input/password'] });
    expect(applyMaskRules({ input: { u: 2 } }, rules)).to.deep.equal({ input: { u: 2 } });
  });

  it('masks nd_builtin_cache too', () => {
    const out = mask({ nd_builtin_cache: { 'time.now_ns': { '[]': 1 } } }, ['/nd_builtin_cache/time.now_ns']);
    expect(out).to.deep.equal({ nd_builtin_cache: {}, erased: ['/nd_builtin_cache/time.now_ns'] });
  });

  it('appends to erased/masked already on the event', () => {
    expect(mask({ input: { bar: 1 }, erased: ['/input/foo'] }, ['/input/bar'])).to.deep.equal({ input: {}, erased: ['/input/foo', '/input/bar'] });
  });

  it('matches segments in URL-escaped form, as OPA does', () => {
    expect(mask({ input: { ':path': 'token', bar: 1 } }, ['/input/:path'])).to.deep.equal({ input: { bar: 1 }, erased: ['/input/:path'] });
    // OPA escapes "a b" to "a%20b" and so never finds the key.
    expect(mask({ input: { 'a b': 1 } }, ['/input/a b'])).to.deep.equal({ input: { 'a b': 1 } });
  });

  it('rejects malformed rules with OPA messages', () => {
    const err = (rules: Json) => {
      try {
        mask({ input: {} }, rules);
      } catch (e) {
        expect(e).to.be.instanceOf(MaskRuleError);
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err([''])).to.equal('mask must be non-empty');
    expect(err(['input/x'])).to.equal('mask must be slash-prefixed');
    expect(err(['/labels/foo'])).to.equal('mask prefix not allowed: labels');
    expect(err(['/'])).to.equal('mask prefix not allowed: ');
    expect(err(['/input/a/%F/b'])).to.equal('invalid URL escape "%F"');
    expect(err([{ op: 'undefinedOP', path: '/input/a' }])).to.equal('mask op is not supported: undefinedOP');
    expect(err([{ path: '/input/a' }])).to.equal('mask op is not supported: ');
    expect(err([{ op: 'remove' }])).to.equal('mask must be non-empty');
    expect(err([[1, 2]])).to.equal('invalid mask rule format encountered: []interface {}');
    expect(err({ invalid: 1 })).to.match(/^unexpected rule format/);
  });
});
