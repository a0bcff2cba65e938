import { expect } from 'chai';
import { BUILTINS } from '../../../src/rego/builtins/index.js';
import type { Value } from '../../../src/rego/value.js';
import { call, expectError, run } from './helpers.js';

// Expected values were checked against Go's regexp package (OPA's engine).
describe('regex builtins', () => {
  it('regex.match uses RE2 semantics', () => {
    expect(call('regex.match', '^[a-z]+\\d*$', 'abc123')).to.equal(true);
    expect(call('regex.match', 'a.c', 'a\nc')).to.equal(false); // . excludes \n
    expect(call('regex.match', 'a.c', 'a\rc')).to.equal(true); // …but nothing else
    expect(call('regex.match', '(?s)a.c', 'a\nc')).to.equal(true);
    expect(call('regex.match', '^b$', 'a\nb')).to.equal(false);
    expect(call('regex.match', '(?m)^b$', 'a\nb')).to.equal(true);
    expect(call('regex.match', '\\s', '\u00a0')).to.equal(false); // \s is ASCII in RE2
    expect(call('regex.match', '^\\w+$', 'héllo')).to.equal(false);
    expect(call('regex.match', '^\\pL+$', 'héllo')).to.equal(true);
    expect(call('regex.match', '^\\p{Greek}+$', 'αβγ')).to.equal(true);
    expect(call('regex.match', '^[[:alpha:]]+[[:digit:]]$', 'abc1')).to.equal(true);
    expect(call('regex.match', '\\Aab\\z', 'ab')).to.equal(true);
    expect(call('regex.match', 'x{', 'x{')).to.equal(true); // a { that is not a repeat is literal
  });

  it('supports inline flags, including scoped ones', () => {
    expect(call('regex.match', '(?i)^abc$', 'ABC')).to.equal(true);
    expect(call('regex.match', '^a(?i)b$', 'aB')).to.equal(true);
    expect(call('regex.match', '^a(?i)b$', 'AB')).to.equal(false);
    expect(call('regex.match', '^(?i:a)b$', 'Ab')).to.equal(true);
    expect(call('regex.match', '^(?i:a)b$', 'AB')).to.equal(false);
    expect(call('regex.match', '^x(?i:[k-m])y$', 'xLy')).to.equal(true);
    expect(run('regex.find_n', '(?U)a+', 'aaa', -1)).to.equal('["a","a","a"]');
  });

  it('re_match is the deprecated v0 alias', () => {
    expect(BUILTINS.get('re_match')!.deprecated).to.equal(true);
    expect(call('re_match', '^a', 'abc')).to.equal(true);
  });

  it('rejects what RE2 rejects, with Go error messages', () => {
    expect(call('regex.is_valid', '(a|b)*')).to.equal(true);
    expect(call('regex.is_valid', 5)).to.equal(false);
    for (const bad of ['[', '(?=a)', '(?<=a)b', '(a)\\1', 'a**', 'a{1001}', '\\Z', '(?>a)']) {
      expect(call('regex.is_valid', bad), bad).to.equal(false);
    }
    expectError('eval_builtin_error', 'regex.match: error parsing regexp: missing closing ]: `[a`', 'regex.match', '[a', 'x');
    expectError('eval_builtin_error', 'regex.match: error parsing regexp: invalid or unsupported Perl syntax: `(?=`', 'regex.match', '(?=a)', 'x');
    expectError('eval_builtin_error', 'regex.match: error parsing regexp: invalid escape sequence: `\\1`', 'regex.match', '(a)\\1', 'x');
    expectError('eval_builtin_error', 'regex.match: error parsing regexp: invalid nested repetition operator: `**`', 'regex.match', 'a**', 'x');
    expectError('eval_builtin_error', 'regex.match: error parsing regexp: invalid repeat count: `{1001}`', 'regex.match', 'a{1001}', 'x');
    expectError('eval_builtin_error', 'regex.match: error parsing regexp: missing argument to repetition operator: `*`', 'regex.match', '*a', 'x');
    expectError('eval_builtin_error', 'regex.match: error parsing regexp: invalid character class range: `z-a`', 'regex.match', '[z-a]', 'x');
    expectError('eval_builtin_error', 'regex.match: error parsing regexp: unexpected ): `a)`', 'regex.match', 'a)', 'x');
  });

  it('regex.split, find_n and find_all_string_submatch_n follow Go, including empty matches', () => {
    expect(run('regex.split', 'a', 'banana')).to.equal('["b","n","n",""]');
    expect(run('regex.split', 'x*', 'axbxc')).to.equal('["a","b","c"]');
    expect(run('regex.split', ',', '')).to.equal('[""]');
    expect(run('regex.find_n', 'a*', 'baaab', -1)).to.equal('["","aaa",""]');
    expect(run('regex.find_n', '[0-9]+', 'a1b22c333', 2)).to.equal('["1","22"]');
    expect(run('regex.find_n', '[0-9]+', 'a1', 0)).to.equal('[]');
    expect(run('regex.find_all_string_submatch_n', '(\\w)(\\d)?', 'a1b', -1)).to.equal('[["a1","a","1"],["b","b",""]]');
    expect(run('regex.find_all_string_submatch_n', '(?:)', 'café', -1)).to.equal('[[""],[""],[""],[""],[""]]');
    expect(run('regex.find_n', '.', 'a😀', -1)).to.equal('["a","😀"]');
  });

  it('regex.replace expands $n, ${n} and $name like Go', () => {
    expect(call('regex.replace', '-wy-wxxy-', 'w(x*)y', '0')).to.equal('-0-0-');
    expect(call('regex.replace', 'foo', '(foo)', '$1$1')).to.equal('foofoo');
    expect(call('regex.replace', 'John Smith', '(?P<first>\\w+) (?P<last>\\w+)', '${last}, ${first}')).to.equal('Smith, John');
    expect(call('regex.replace', 'ab', '(a)', '$1x')).to.equal('b'); // $1x names group "1x"
    expect(call('regex.replace', 'ab', '(a)', '${1}x')).to.equal('axb');
    expect(call('regex.replace', 'abc', 'x*', '-')).to.equal('-a-b-c-');
    expect(call('regex.replace', 'a', 'a', '$$')).to.equal('$');
    expectError('eval_builtin_error', 'regex.replace: error parsing regexp: missing closing ]: `[`', 'regex.replace', 'foo', '[', '$1');
  });

  it('regex.template_match', () => {
    expect(call('regex.template_match', 'urn:foo:{.*}', 'urn:foo:bar:baz', '{', '}')).to.equal(true);
    expect(call('regex.template_match', 'urn:foo:<[a-z]+>:<\\d+>', 'urn:foo:bar:123', '<', '>')).to.equal(true);
    expect(call('regex.template_match', 'urn:foo.<\\d+>', 'urn:fooX1', '<', '>')).to.equal(false);
    expectError('eval_builtin_error', 'regex.template_match: unbalanced braces in "{a"', 'regex.template_match', '{a', 'x', '{', '}');
    expectError('eval_builtin_error', 'regex.template_match: start delimiter has to be exactly one character long but is 2 long',
      'regex.template_match', 'a', 'a', '<<', '>');
  });

  it('regex.globs_match intersects glob-like patterns as OPA does', () => {
    expect(call('regex.globs_match', 'a.a.[0-9]+z', '.b.b2359825792*594823z')).to.equal(true);
    expect(call('regex.globs_match', '[a-z]+', '[0-9]*')).to.equal(false);
    expect(call('regex.globs_match', 'b.*', 'bar')).to.equal(true);
    expect(call('regex.globs_match', '[a-z]+\\[[0-9]+\\]', 'foo["bar"]')).to.equal(false);
    expect(call('regex.globs_match', '[a-c]+', '[b-d]+')).to.equal(true);
    expect(call('regex.globs_match', 'a+', 'a*')).to.equal(true);
    expectError('eval_builtin_error',
      "regex.globs_match: input:[z-a], pos:4, range is out of order: 'a' comes before 'z' in Unicode: the input provided is invalid",
      'regex.globs_match', '[z-a]', 'a');
    expectError('eval_builtin_error', 'regex.globs_match: input:[abc, pos:4, found [ without matching ]: the input provided is invalid',
      'regex.globs_match', '[abc', 'a');
    expectError('eval_builtin_error', "regex.globs_match: input:], pos:1, set-close ']' with no preceding '[': the input provided is invalid",
      'regex.globs_match', ']', 'a');
  });

  it('matches in linear time: patterns that make a backtracking engine explode finish quickly', () => {
    // A backtracking engine needs about a minute for the first and half a minute for the second.
    const hostile: [string, string][] = [
      ['(a+)+$', 'a'.repeat(30) + '!'],
      ['(a|aa)+$', 'a'.repeat(40) + '!'],
      ['(.*a){20}', 'a'.repeat(19) + 'x'.repeat(21)],
    ];
    for (const [pattern, input] of hostile) {
      const calls: [string, Value[], string][] = [
        ['regex.match', [pattern, input], 'false'],
        ['regex.find_n', [pattern, input, -1], '[]'],
        ['regex.find_all_string_submatch_n', [pattern, input, -1], '[]'],
        ['regex.split', [pattern, input], JSON.stringify([input])],
        ['regex.replace', [input, pattern, '$1'], JSON.stringify(input)],
        ['regex.template_match', [`{${pattern}}`, input, '{', '}'], 'false'],
      ];
      for (const [name, args, want] of calls) {
        const start = performance.now();
        expect(run(name, ...args), `${name} ${pattern}`).to.equal(want);
        expect(performance.now() - start, `${name} ${pattern} took too long`).to.be.below(1000);
      }
    }
  });

  it('gives the same results as before on ordinary patterns', () => {
    expect(run('regex.find_all_string_submatch_n', '^(\\w+)@([a-z0-9.-]+)\\.([a-z]{2,})$', 'alice@example.co.uk', -1))
      .to.equal('[["alice@example.co.uk","alice","example.co","uk"]]');
    expect(call('regex.replace', 'from 2024-01-31 to 2024-02-29', '(\\d{4})-(\\d{2})-(\\d{2})', '$3/$2/$1'))
      .to.equal('from 31/01/2024 to 29/02/2024');
    expect(run('regex.find_all_string_submatch_n', '^arn:aws:s3:::([a-z0-9.-]+)(/.*)?$', 'arn:aws:s3:::my-bucket/some/key.txt', -1))
      .to.equal('[["arn:aws:s3:::my-bucket/some/key.txt","my-bucket","/some/key.txt"]]');
    expect(run('regex.split', '\\s*,\\s*', 'a , b,c ,d')).to.equal('["a","b","c","d"]');
    expect(run('regex.find_n', '[A-Z][a-z]+', 'Alice and Bob met Carol', -1)).to.equal('["Alice","Bob","Carol"]');
    expect(call('regex.match', '^/api/v[0-9]+/users/[^/]+$', '/api/v1/users/alice')).to.equal(true);
  });

  it('follows Go where a backtracking engine differs', () => {
    // A group inside a repeat keeps its last match instead of being reset by a later iteration.
    expect(run('regex.find_all_string_submatch_n', '(?:(a)|b)+', 'ab', -1)).to.equal('[["ab","a"]]');
    // A repeated group that can match empty prefers the empty match (golang.org/issue/46123).
    expect(run('regex.find_n', '(|a)*', 'aa', -1)).to.equal('["","",""]');
    // Empty-width matches never fall inside a character outside the BMP.
    expect(run('regex.split', '\\B', 'a😀😁b')).to.equal('["a😀","😁b"]');
    // (?i) uses Unicode simple case folding.
    expect(call('regex.match', '(?i)k', '\u212a')).to.equal(true); // Kelvin sign
    expect(call('regex.match', '(?i)^σ+$', 'Σσς')).to.equal(true);
    expect(call('regex.match', '(?i)^straße$', 'STRASSE')).to.equal(false);
    // Only nesting that builds the parse tree counts towards Go's depth limit of 1000.
    expect(call('regex.is_valid', '('.repeat(1001) + ')'.repeat(1001))).to.equal(false);
    expect(call('regex.is_valid', '(?:'.repeat(1001) + 'a' + ')'.repeat(1001))).to.equal(true);
    expectError('eval_builtin_error', 'regex.match: error parsing regexp: trailing backslash at end of expression: ``', 'regex.match', 'a\\', 'x');
  });

  it('allows duplicate group names, as Go does; $name expands the one that matched', () => {
    expect(run('regex.find_all_string_submatch_n', '(?P<n>a)|(?P<n>b)', 'ab', -1)).to.equal('[["a","a",""],["b","","b"]]');
    expect(call('regex.replace', 'ab', '(?P<n>a)|(?P<n>b)', '<$n>')).to.equal('<a><b>');
    // Errors after the duplicate still quote the pattern as written.
    expectError('eval_builtin_error', 'regex.match: error parsing regexp: missing closing ): `(?P<n>x)(?P<n>y)(`', 'regex.match', '(?P<n>x)(?P<n>y)(', 'x');
  });

  it('checks operand types', () => {
    expectError('eval_type_error', 'regex.match: operand 2 must be string but got number', 'regex.match', 'a', 1);
    expectError('eval_type_error', 'regex.find_n: operand 3 must be integer number but got floating-point number', 'regex.find_n', 'a', 'a', 1.5);
  });
});
