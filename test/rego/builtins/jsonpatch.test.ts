import { expect } from 'chai';
import { RObject, type Value } from '../../../src/rego/value.js';
import { call, expectError, j, run, set } from './helpers.js';

const op = (o: string, path: Value, extra: Record<string, Value> = {}): RObject =>
  RObject.fromEntries([['op', o], ['path', path], ...Object.entries(extra)]);

describe('builtins: json.patch', () => {
  it('applies the RFC 6902 operations', () => {
    expect(run('json.patch', j('{"a":{"foo":1}}'), [op('add', '/a/bar', { value: 2 })])).to.equal('{"a":{"bar":2,"foo":1}}');
    expect(run('json.patch', j('{"a":{"foo":1,"bar":2}}'), [op('remove', '/a/bar')])).to.equal('{"a":{"foo":1}}');
    expect(run('json.patch', j('{"a":{"foo":1}}'), [op('replace', '/a/foo', { value: 42 })])).to.equal('{"a":{"foo":42}}');
    expect(run('json.patch', j('{"a":{"foo":1},"b":{}}'), [op('move', '/b/foo', { from: '/a/foo' })])).to.equal('{"a":{},"b":{"foo":1}}');
    expect(run('json.patch', j('{"a":{"foo":1},"b":{}}'), [op('copy', '/b/foo', { from: '/a/foo' })])).to.equal('{"a":{"foo":1},"b":{"foo":1}}');
    expect(run('json.patch', j('{"a":{"foo":1}}'), [op('test', '/a/foo', { value: 1 })])).to.equal('{"a":{"foo":1}}');
    expect(run('json.patch', j('{"foo/bar":{"baz~":1}}'), [op('add', '/foo~1bar/baz~0test', { value: 2 })])).to.equal('{"foo/bar":{"baz~":1,"baz~test":2}}');
  });

  it('inserts into, appends to and removes from arrays', () => {
    expect(run('json.patch', j('{"arr":[1,2,3]}'), [op('add', '/arr/1', { value: 'x' })])).to.equal('{"arr":[1,"x",2,3]}');
    expect(run('json.patch', j('{"arr":[1,2,3]}'), [op('add', '/arr/-', { value: 4 })])).to.equal('{"arr":[1,2,3,4]}');
    expect(run('json.patch', j('{"arr":[1,2,3]}'), [op('add', '/arr/3', { value: 4 })])).to.equal('{"arr":[1,2,3,4]}');
    expect(run('json.patch', j('{"arr":[1,2,3]}'), [op('remove', '/arr/1')])).to.equal('{"arr":[1,3]}');
    expect(run('json.patch', j('{"arr":[1,2,3]}'), [op('replace', '/arr/0', { value: 9 })])).to.equal('{"arr":[9,2,3]}');
  });

  it('addresses set members by value', () => {
    const doc = RObject.fromEntries([['foo', set('a', 'b', 'c')]]);
    expect(run('json.patch', doc, [op('remove', 'foo/b')])).to.equal('{"foo":["a","c"]}');
    expect(run('json.patch', doc, [op('add', 'foo/d', { value: 'd' })])).to.equal('{"foo":["a","b","c","d"]}');
    expect(run('json.patch', doc, [op('add', 'foo/d', { value: 'e' })])).to.equal('undefined');
    expect(run('json.patch', set([1]), [op('add', [[1], 1], { value: 2 })])).to.equal('[[1,2]]');
    const two = RObject.fromEntries([['foo', set('a', 'b')], ['bar', set('c', 'd')]]);
    expect(run('json.patch', two, [op('move', 'bar/a', { from: 'foo/a' })])).to.equal('{"bar":["a","c","d"],"foo":["b"]}');
  });

  it('patches the root document', () => {
    expect(run('json.patch', j('{"a":1}'), [op('replace', '', { value: [1] })])).to.equal('[1]');
    expect(run('json.patch', 1, [op('add', [], { value: 2 })])).to.equal('2');
  });

  it('is undefined, not an error, when an operation fails', () => {
    const doc = j('{"a":[1,2,3]}');
    const failing: RObject[][] = [
      [op('add', '/a/1.2', { value: 'foo' })],
      [op('remove', '/missing')],
      [op('add', '/a/5', { value: 1 })],
      [op('add', '/a/01', { value: 1 })],
      [op('test', '/a/0', { value: 2 })],
      [op('frob', '/a')],
      [RObject.fromEntries([['op', 'add'], ['path', '/x']])],
      [op('add', '/a/0/x', { value: 1 })],
    ];
    for (const patch of failing) expect(call('json.patch', doc, patch)).to.equal(undefined);
    expect(call('json.patch', doc, [1] as Value[])).to.equal(undefined);
    expect(call('json.patch', [1, 2, 3], [op('add', '1.2', { value: 'foo' })])).to.equal(undefined);
    expect(run('json.patch', doc, [op('remove', '/a/0')])).to.equal('{"a":[2,3]}');
    expect(run('json.patch', doc, [])).to.equal('{"a":[1,2,3]}');
    expectError('eval_type_error', 'json.patch: operand 2 must be array but got object', 'json.patch', doc, op('add', '/x', { value: 1 }));
  });

  it('leaves its input unchanged', () => {
    const doc = j('{"a":[1,2,3],"s":{"k":1}}');
    call('json.patch', doc, [op('remove', '/a/0'), op('add', '/s/k2', { value: 2 })]);
    expect(run('json.patch', doc, [])).to.equal('{"a":[1,2,3],"s":{"k":1}}');
  });
});
