import { expect } from 'chai';
import { expectError, run, set } from './helpers.js';

describe('builtins: sets', () => {
  it('intersects and unites two sets (& and |)', () => {
    expect(run('and', set(1, 2, 3), set(2, 3, 4))).to.equal('[2,3]');
    expect(run('or', set(1, 2), set(2, 'a'))).to.equal('[1,2,"a"]');
    expect(run('and', set([1]), set([1.0]))).to.equal('[[1]]');
    expectError('eval_type_error', 'and: operand 2 must be set but got array', 'and', set(), []);
  });

  it('intersects and unites a set of sets', () => {
    expect(run('intersection', set(set(1, 2, 3), set(2, 3), set(3, 2, 9)))).to.equal('[2,3]');
    expect(run('intersection', set())).to.equal('[]');
    expect(run('union', set(set(1), set(2, 3), set()))).to.equal('[1,2,3]');
    expect(run('union', set())).to.equal('[]');
    expectError('eval_type_error', 'union: operand 1 must be set but got number', 'union', set(1));
  });
});
