import { expect } from 'chai';
import { RObject, type Value } from '../../../src/rego/value.js';
import { call, set } from './helpers.js';

describe('builtins: type checks', () => {
  const samples: [Value, string][] = [
    [null, 'null'], [true, 'boolean'], [1.5, 'number'], [12345678901234567890n, 'number'], ['s', 'string'],
    [[], 'array'], [new RObject(), 'object'], [set(), 'set'],
  ];

  it('names every type as OPA does', () => {
    for (const [v, name] of samples) expect(call('type_name', v)).to.equal(name);
  });

  it('answers true or false (never undefined) for each predicate', () => {
    for (const type of ['null', 'boolean', 'number', 'string', 'array', 'object', 'set']) {
      for (const [v, name] of samples) expect(call(`is_${type}`, v), `is_${type}(${name})`).to.equal(name === type);
    }
  });
});
