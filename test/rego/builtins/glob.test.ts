import { expect } from 'chai';
import { call, expectError } from './helpers.js';

describe('glob builtins', () => {
  it('matches with the default "." delimiter for [] and no delimiter for null', () => {
    expect(call('glob.match', '*.github.com', [], 'api.github.com')).to.equal(true);
    expect(call('glob.match', '*.github.com', [], 'api.cdn.github.com')).to.equal(false);
    expect(call('glob.match', '*hub.com', null, 'api.cdn.github.com')).to.equal(true);
    expect(call('glob.match', 'api://*/appId', null, 'api://foo.com/appId')).to.equal(true);
    expect(call('glob.match', '*:github:com', [':'], 'api:github:com')).to.equal(true);
    expect(call('glob.match', 'a.b*', ['.'], 'a.bc.d')).to.equal(false);
  });

  it('supports **, ?, classes, negated classes, alternatives and escapes', () => {
    expect(call('glob.match', 'api.**.com', [], 'api.cdn.github.com')).to.equal(true);
    expect(call('glob.match', '?at', [], 'cat')).to.equal(true);
    expect(call('glob.match', '?at', [], 'at')).to.equal(false);
    expect(call('glob.match', '[abc]at', [], 'lat')).to.equal(false);
    expect(call('glob.match', '[!a-c]at', [], 'lat')).to.equal(true);
    expect(call('glob.match', '{cat,bat,[fr]at}', [], 'rat')).to.equal(true);
    expect(call('glob.match', '{a,{b,c}}', [], 'c')).to.equal(true);
    expect(call('glob.match', '[a\\-z]', [], '-')).to.equal(true);
    expect(call('glob.match', '[a\\-z]', [], 'm')).to.equal(false);
    expect(call('glob.match', '\\*', [], '*')).to.equal(true);
    expect(call('glob.match', '', [], '')).to.equal(true);
  });

  it('stays fast with many wildcards', () => {
    const started = Date.now();
    expect(call('glob.match', '*a*a*a*a*a*a*a*a*b', null, 'a'.repeat(20000))).to.equal(false);
    expect(Date.now() - started).to.be.lessThan(1000);
  });

  it('reports bad patterns and operands', () => {
    expectError('eval_builtin_error', 'glob.match: syntax error in pattern: unexpected end of input', 'glob.match', '[abc', [], 'a');
    expectError('eval_builtin_error', "glob.match: syntax error in pattern: hi character 'a' should be greater than lo 'z'", 'glob.match', '[z-a]', [], 'm');
    expectError('eval_type_error', 'glob.match: operand 2 must be one of {array, null} but got string', 'glob.match', 'a', 'x', 'a');
    expectError('eval_type_error', 'glob.match: operand 2 must be array of runes but got array containing string', 'glob.match', 'a', ['ab'], 'a');
  });

  it('glob.quote_meta escapes the glob metacharacters', () => {
    expect(call('glob.quote_meta', 'hello*world?[test]')).to.equal('hello\\*world\\?\\[test\\]');
    expect(call('glob.quote_meta', '{a}\\')).to.equal('\\{a\\}\\\\');
    expect(call('glob.quote_meta', 'hello\nworld')).to.equal('hello\nworld');
  });
});
