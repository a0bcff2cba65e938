import { expect } from 'chai';
import { expectError, run, set } from './helpers.js';

describe('builtins: arrays', () => {
  it('concatenates and reverses without touching the inputs', () => {
    const a = [1, 2];
    expect(run('array.concat', a, [3])).to.equal('[1,2,3]');
    expect(run('array.reverse', a)).to.equal('[2,1]');
    expect(a).to.deep.equal([1, 2]);
  });

  it('slices with OPA clamping', () => {
    const a = [1, 2, 3];
    const cases: [number, number, string][] = [
      [0, 1, '[1]'], [0, 2, '[1,2]'], [2, 3, '[3]'], [0, 5, '[1,2,3]'], [5, 5, '[]'],
      [-5, 5, '[1,2,3]'], [-5, 0, '[]'], [-5, 1, '[1]'], [2, 1, '[]'],
    ];
    for (const [start, stop, want] of cases) expect(run('array.slice', a, start, stop), `${start}:${stop}`).to.equal(want);
    expect(run('array.slice', [], -5, 1)).to.equal('[]');
  });

  it('rejects non-integer indexes and non-arrays', () => {
    expectError('eval_type_error', 'array.slice: operand 2 must be integer number but got floating-point number', 'array.slice', [5], 1.1, 2);
    expectError('eval_type_error', 'array.concat: operand 2 must be array but got set', 'array.concat', [], set(1));
  });
});
