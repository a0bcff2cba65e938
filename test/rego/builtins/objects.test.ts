import { expect } from 'chai';
import { RObject } from '../../../src/rego/value.js';
import { call, expectError, j, run, set } from './helpers.js';

describe('builtins: objects', () => {
  const obj = RObject.fromEntries([
    ['a', 5], ['b', j('{"c":8}')], ['c', 7], [set(1), 8], [j('{"a":5}'), 9], ['arr', j('[{"x":1}]')],
  ]);

  it('object.get: keys of any type, array paths, defaults', () => {
    expect(call('object.get', obj, 'a', 'default')).to.equal(5);
    expect(call('object.get', obj, ['b', 'c'], 'default')).to.equal(8);
    expect(call('object.get', obj, ['a', 'b'], 'default')).to.equal('default');
    expect(call('object.get', obj, j('{"a":5}'), 'default')).to.equal(9);
    expect(call('object.get', obj, set(1), 'default')).to.equal(8);
    expect(call('object.get', obj, ['arr', 0, 'x'], 'default')).to.equal(1);
    expect(call('object.get', obj, ['arr', '0'], 'default')).to.equal('default');
    expect(call('object.get', obj, [], 'default')).to.equal(obj);
    expect(call('object.get', obj, 'missing', null)).to.equal(null);
    expectError('eval_type_error', 'object.get: operand 1 must be object but got array', 'object.get', [], 'a', 1);
  });

  it('object.keys, object.remove and object.filter', () => {
    const o = j('{"a":1,"b":2,"c":3}');
    expect(run('object.keys', o)).to.equal('["a","b","c"]');
    expect(run('object.remove', o, ['a', 'x'])).to.equal('{"b":2,"c":3}');
    expect(run('object.remove', o, set('b'))).to.equal('{"a":1,"c":3}');
    expect(run('object.remove', o, j('{"c":0}'))).to.equal('{"a":1,"b":2}');
    expect(run('object.filter', o, ['a', 'c', 'x'])).to.equal('{"a":1,"c":3}');
    expectError('eval_type_error', 'object.filter: operand 2 must be one of {object, set, array} but got string', 'object.filter', o, 'a');
  });

  it('object.union merges recursively, the right side winning', () => {
    expect(run('object.union', j('{"a":{"b":1,"c":2},"d":1}'), j('{"a":{"b":3},"d":{"e":1}}'))).to.equal('{"a":{"b":3,"c":2},"d":{"e":1}}');
    expect(run('object.union_n', j('[{"a": {"b": 2}}, {"a": 4}, {"a": {"c": 3}}]'))).to.equal('{"a":{"c":3}}');
    expect(run('object.union_n', j('[{"a": 1}, {"a": {"b": 2}}, {"a": {"c": 3}}]'))).to.equal('{"a":{"b":2,"c":3}}');
    expect(run('object.union_n', [])).to.equal('{}');
    expectError('eval_type_error', 'object.union_n: operand 1 must be array of objects but got array containing number', 'object.union_n', [1]);
  });

  it('object.subset over objects, sets, arrays and array-with-set', () => {
    expect(call('object.subset', j('{"a":[1,2,3],"b":{"c":1,"d":2}}'), j('{"a":[2,3],"b":{"d":2}}'))).to.equal(true);
    expect(call('object.subset', j('{"a":[1,2,3]}'), j('{"a":[1,3]}'))).to.equal(false);
    expect(call('object.subset', set(1, 2, 3), set(1, 3))).to.equal(true);
    expect(call('object.subset', [1, 2, 3], [2, 3])).to.equal(true);
    expect(call('object.subset', [1, 2, 3], set(3, 1))).to.equal(true);
    expect(call('object.subset', [1, 1], set(1, 2))).to.equal(false);
    expectError('eval_type_error', 'object.subset: both arguments object.subset must be of the same type or array and set', 'object.subset', set(1), [1]);
  });

  it('json.filter keeps only the given paths', () => {
    const doc = j('{"a":{"b":1,"c":2},"d":[1,2,3],"e":{"f":1}}');
    expect(run('json.filter', doc, ['a/b', '/d/1'])).to.equal('{"a":{"b":1},"d":[2]}');
    expect(run('json.filter', doc, set(['a', 'c'], 'e'))).to.equal('{"a":{"c":2},"e":{"f":1}}');
    expect(run('json.filter', doc, ['a', 'a/b'])).to.equal('{"a":{"b":1,"c":2}}');
    expect(run('json.filter', j('{"a/b":1,"c~":2}'), ['a~1b', 'c~0'])).to.equal('{"a/b":1,"c~":2}');
    expectError('eval_type_error', 'json.filter: operand 2 must be one of {set, array} but got string', 'json.filter', doc, 'a');
    expectError('eval_type_error', 'json.filter: operand 2 must be one of {set, array} containing string paths or array of path segments but got number', 'json.filter', doc, [1]);
  });

  it('json.remove drops the given paths', () => {
    const doc = j('{"a":{"b":1,"c":2},"d":[1,2,3]}');
    expect(run('json.remove', doc, ['a/b', '/d/1'])).to.equal('{"a":{"c":2},"d":[1,3]}');
    expect(run('json.remove', doc, set(['a']))).to.equal('{"d":[1,2,3]}');
    expect(run('json.remove', j('{"s":1}'), [])).to.equal('{"s":1}');
  });
});
