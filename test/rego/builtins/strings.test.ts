import { expect } from 'chai';
import { RObject } from '../../../src/rego/value.js';
import { call, expectError, run, set } from './helpers.js';

describe('string builtins', () => {
  it('concat joins arrays and sets (sets in sorted order)', () => {
    expect(call('concat', ', ', ['Hello', 'world'])).to.equal('Hello, world');
    expect(call('concat', ', ', set('world', 'Hello'))).to.equal('Hello, world');
    expect(call('concat', ',', [])).to.equal('');
    expectError('eval_type_error', 'concat: operand 2 must be array of strings but got array containing number', 'concat', ',', ['a', 1]);
    expectError('eval_type_error', 'concat: operand 2 must be one of {set, array} but got string', 'concat', ',', 'ab');
  });

  it('contains, startswith, endswith', () => {
    expect(call('contains', 'Hello, world', ', ')).to.equal(true);
    expect(call('contains', '', '')).to.equal(true);
    expect(call('startswith', 'abc', 'ab')).to.equal(true);
    expect(call('endswith', 'abc', 'bc')).to.equal(true);
    expect(call('endswith', '', 'x')).to.equal(false);
    expectError('eval_type_error', 'contains: operand 1 must be string but got number', 'contains', 1, 'a');
  });

  it('format_int truncates floats and checks the base', () => {
    expect(run('format_int', 10, 2)).to.equal('"1010"');
    expect(call('format_int', -10.765, 16)).to.equal('-a');
    expect(call('format_int', 10.7, 8)).to.equal('12');
    expect(call('format_int', 2n ** 70n, 16)).to.equal('400000000000000000');
    expectError('eval_type_error', 'format_int: operand 2 must be one of {2, 8, 10, 16}', 'format_int', 10, 4);
  });

  it('indexof and indexof_n count code points', () => {
    expect(call('indexof', 'μx', 'x')).to.equal(1);
    expect(call('indexof', 'skön var våren', 'vår')).to.equal(9);
    expect(call('indexof', 'μ', 'μμ')).to.equal(-1);
    expect(call('indexof', '😀a', 'a')).to.equal(1);
    expect(run('indexof_n', 'aaa', 'aa')).to.equal('[0,1]');
    expect(run('indexof_n', 'abc', 'x')).to.equal('[]');
    expectError('eval_builtin_error', 'indexof: empty search character', 'indexof', 'abc', '');
  });

  it('substring follows OPA: code points, negative length = rest, errors on negative offset', () => {
    expect(call('substring', 'abcdef', 1, 3)).to.equal('bcd');
    expect(call('substring', 'abcdef', 2, -1)).to.equal('cdef');
    expect(call('substring', 'abc', 5, 1)).to.equal('');
    expect(call('substring', 'abc', 1, 100)).to.equal('bc');
    expect(call('substring', 'åäö😀z', 3, 2)).to.equal('😀z');
    expectError('eval_builtin_error', 'substring: negative offset', 'substring', 'abc', -1, 1);
    expectError('eval_type_error', 'substring: operand 2 must be integer number but got floating-point number', 'substring', 'abc', 1.5, 1);
  });

  it('lower and upper use per-rune case mapping, as Go does', () => {
    expect(call('lower', 'AbC')).to.equal('abc');
    expect(call('upper', 'straße')).to.equal('STRAßE');
    expect(call('lower', 'ΟΔΟΣ')).to.equal('οδοσ');
  });

  it('split and replace', () => {
    expect(run('split', 'a,b,,c', ',')).to.equal('["a","b","","c"]');
    expect(run('split', 'abc', '')).to.equal('["a","b","c"]');
    expect(run('split', '', '')).to.equal('[]');
    expect(run('split', '', ',')).to.equal('[""]');
    expect(call('replace', 'a.b.c', '.', '$&')).to.equal('a$&b$&c');
    expect(call('replace', 'ab', '', '-')).to.equal('-a-b-');
  });

  it('strings.replace_n applies pairs in key order without overlapping', () => {
    expect(call('strings.replace_n', RObject.fromEntries([['a', 'b'], ['b', 'a'], ['ab', 'X']]), 'abab')).to.equal('baba');
    expect(call('strings.replace_n', RObject.fromEntries([['ab', 'X'], ['b', 'a']]), 'abab')).to.equal('XX');
    expect(call('strings.replace_n', RObject.fromEntries([['', '-'], ['a', 'X']]), 'aa')).to.equal('-X-X-');
    expect(call('strings.replace_n', RObject.fromEntries([['a', 'b'], ['b', 'c']]), 'ab')).to.equal('bc');
    expectError('eval_type_error', 'strings.replace_n: operand 1 non-string value found in pattern object',
      'strings.replace_n', RObject.fromEntries([['a', 1]]), 'a');
  });

  it('trims by cutset, prefix, suffix and Unicode white space', () => {
    expect(call('trim', '  xx hello xx  ', ' x')).to.equal('hello');
    expect(call('trim_left', 'aabca', 'a')).to.equal('bca');
    expect(call('trim_right', 'aabca', 'a')).to.equal('aabc');
    expect(call('trim_prefix', 'foobar', 'foo')).to.equal('bar');
    expect(call('trim_suffix', 'foobar', 'bar')).to.equal('foo');
    expect(call('trim_space', '\u00a0\t hi \n\u3000')).to.equal('hi');
    expect(call('trim_space', '\ufeffhi')).to.equal('\ufeffhi');
  });

  it('strings.reverse, count and prefix/suffix matching', () => {
    expect(call('strings.reverse', 'a😀b')).to.equal('b😀a');
    expect(call('strings.count', 'cheese', 'e')).to.equal(3);
    expect(call('strings.count', 'five', '')).to.equal(5);
    expect(call('strings.any_prefix_match', ['foo/bar', 'baz'], 'foo/')).to.equal(true);
    expect(call('strings.any_prefix_match', set('a', 'b'), [])).to.equal(false);
    expect(call('strings.any_suffix_match', 'foo.txt', set('.md', '.txt'))).to.equal(true);
    expectError('eval_type_error', 'strings.any_prefix_match: operand 2 must be one of {string, set, array} but got number',
      'strings.any_prefix_match', 'a', 1);
    expectError('eval_type_error', 'strings.any_suffix_match: operand 1 must be set of strings but got set containing number',
      'strings.any_suffix_match', set(1), 'a');
  });
});

describe('strings.render_template', () => {
  const vars = RObject.fromEntries([
    ['user', RObject.fromEntries([['name', 'bob']])], ['n', 1.5], ['l', [1, 'a']],
    ['m', RObject.fromEntries([['b', 2], ['a', true]])], ['z', null], ['x', 1],
  ]);

  it('renders field actions as Go text/template prints them', () => {
    expect(call('strings.render_template', 'Hi {{ .user.name }}! n={{.n}} {{.l}} {{.m}} {{.z}}', vars))
      .to.equal('Hi bob! n=1.5 [1 a] map[a:true b:2] <no value>');
    expect(call('strings.render_template', 'a  {{- .x -}}  b', vars)).to.equal('a1b');
  });

  it('fails on missing keys (missingkey=error) and unsupported actions', () => {
    expectError('eval_builtin_error',
      'strings.render_template: template: template:2:5: executing "template" at <.foo>: map has no entry for key "foo"',
      'strings.render_template', 'line1\n  {{ .foo }}', vars);
    expectError('eval_builtin_error', 'strings.render_template: unsupported template action {{range .l}}',
      'strings.render_template', '{{range .l}}{{.}}{{end}}', vars);
  });
});
