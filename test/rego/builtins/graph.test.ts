import { expect } from 'chai';
import { BUILTINS } from '../../../src/rego/builtins/index.js';
import { stringifyJSON, type Value } from '../../../src/rego/value.js';
import { expectError, j, makeCtx, run, set } from './helpers.js';

function walkAll(v: Value): string[] {
  return [...BUILTINS.get('walk')!.gen!([v], makeCtx())].map((x) => stringifyJSON(x));
}

describe('builtins: graph', () => {
  it('walk yields [path, value] pairs pre-order, objects and sets sorted', () => {
    expect(walkAll(1)).to.deep.equal(['[[],1]']);
    expect(walkAll(j('{"b":{"c":3},"a":[1,2]}'))).to.deep.equal([
      '[[],{"a":[1,2],"b":{"c":3}}]', '[["a"],[1,2]]', '[["a",0],1]', '[["a",1],2]', '[["b"],{"c":3}]', '[["b","c"],3]',
    ]);
    expect(walkAll(set('y', 'x'))).to.deep.equal(['[[],["x","y"]]', '[["x"],"x"]', '[["y"],"y"]']);
  });

  it('graph.reachable follows edges from the initial nodes', () => {
    const g = j('{"a":["b"],"b":["c"],"c":["a"],"d":[],"e":["f"]}');
    expect(run('graph.reachable', g, ['a'])).to.equal('["a","b","c"]');
    expect(run('graph.reachable', g, set('d', 'e'))).to.equal('["d","e"]');
    expect(run('graph.reachable', g, ['zzz'])).to.equal('[]');
    expect(run('graph.reachable', j('{"a":{"b":1}}'), ['a'])).to.equal('["a"]');
    expectError('eval_type_error', 'graph.reachable: operand 2 must be {array, set} but got string', 'graph.reachable', g, 'a');
  });

  it('graph.reachable_paths lists maximal paths, stopping at cycles and unknown nodes', () => {
    const g = j('{"a":["b","c"],"b":["d"],"c":["a"],"d":[],"e":["x"]}');
    expect(run('graph.reachable_paths', g, ['a'])).to.equal('[["a","b","d"],["a","c"]]');
    expect(run('graph.reachable_paths', g, ['d', 'e'])).to.equal('[["d"],["e"]]');
  });
});
