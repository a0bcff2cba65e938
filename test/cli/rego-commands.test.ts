/**
 * The Rego commands as a user runs them: exit codes, OPA-shaped JSON output
 * and the closing lines that scripts and CI read.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = join(repo, 'bin/attest.js');

function attest(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: repo, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'attest-cli-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('attest eval / check / test / conformance (CLI)', function () {
  this.timeout(30_000);

  const policy = 'package authz\n\ndefault allow := false\n\nallow if input.user == data.admins[_]\n';
  const dir = tree({
    'authz.rego': policy,
    'config/data.json': '{"region": "eu"}',
    'data.json': '{"admins": ["alice"]}',
    'authz_test.rego': 'package authz\n\ntest_alice if allow with input as {"user": "alice"}\ntest_bob_denied if not allow with input as {"user": "bob"}\n',
    'input.json': '{"user": "alice"}',
  });

  it('eval prints OPA\'s result shape and reads -d and -i', () => {
    const r = attest('eval', '-d', dir, '-i', join(dir, 'input.json'), 'data.authz.allow');
    expect(r.status).to.equal(0);
    const out = JSON.parse(r.stdout);
    expect(out.result[0].expressions[0]).to.deep.include({ value: true, text: 'data.authz.allow' });
  });

  it('eval prints {} for an undefined result, and --fail turns that into exit 1', () => {
    expect(JSON.parse(attest('eval', '-d', dir, 'data.authz.nothing').stdout)).to.deep.equal({});
    expect(attest('eval', '--fail', '-d', dir, 'data.authz.nothing').status).to.equal(1);
  });

  it('check exits 1 and names file:line:col on a broken policy', () => {
    const bad = tree({ 'bad.rego': 'package bad\n\np if {\n  x > 1\n}\n' });
    const r = attest('check', bad);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/bad\.rego:4:3: rego_unsafe_var_error: var x is unsafe/);
    const json = JSON.parse(attest('check', '--format', 'json', bad).stdout);
    expect(json.errors[0]).to.deep.include({ code: 'rego_unsafe_var_error' });
    expect(attest('check', dir).status).to.equal(0);
  });

  it('test passes with exit 0, and fails with exit 2 naming the failing test', () => {
    const ok = attest('test', dir);
    expect(ok.status).to.equal(0);
    expect(ok.stdout).to.contain('PASS: 2/2');
    const failing = tree({ 'p.rego': policy, 'p_test.rego': 'package authz\n\ntest_wrong if allow with input as {"user": "mallory"}\n' });
    const r = attest('test', failing);
    expect(r.status).to.equal(2);
    expect(r.stdout).to.contain('data.authz.test_wrong: FAIL');
    const json = JSON.parse(attest('test', '--format', 'json', failing).stdout);
    expect(json.tests[0]).to.deep.include({ name: 'data.authz.test_wrong', status: 'fail' });
  });

  it('test --coverage reports covered and uncovered lines', () => {
    const r = attest('test', '--coverage', '--format', 'json', dir);
    const report = JSON.parse(r.stdout);
    expect(report.percent).to.be.greaterThan(0);
    expect(report.files[0].file).to.match(/authz\.rego$/);
  });

  it('conformance ends with the "N passed, M failed" line', () => {
    const cases = tree({
      'cases.yaml': `cases:
  - note: ok
    query: data.t.p = x
    modules: ["package t\\np := 1"]
    want_result: [{x: 1}]
  - note: wrong
    query: data.t.p = x
    modules: ["package t\\np := 1"]
    want_result: [{x: 2}]
`,
    });
    const r = attest('conformance', cases);
    expect(r.status).to.equal(1);
    expect(r.stdout.trim().split('\n').pop()).to.equal('1 passed, 1 failed');
    expect(r.stdout).to.contain('FAIL cases.yaml: wrong');
  });
});
