import { expect } from 'chai';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadRegistry } from '../../src/controls/index.js';
import { attest, copyFixture, edit, fixture, MFA_TEST, root } from './helpers.js';

/** Problem lines of `controls check` (without the summary). */
function problemLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => / \[[a-z_]+\]$/.test(l));
}

describe('attest controls check (CLI)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await copyFixture();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('passes a consistent registry and says what it checked', () => {
    const r = attest(['controls', 'check'], dir);
    expect(r.stdout).to.equal('controls check: no problems\n2 controls, 2 enforcement points, 3 policy tests\n');
    expect(r.status).to.equal(0);
  });

  it('fails on a requirement that is not in its catalogue', async () => {
    await edit(dir, 'controls/access.yaml', '  - demo:A.2\n', '  - demo:A.9\n');
    const r = attest(['controls', 'check'], dir);
    expect(r.status).to.equal(1);
    expect(problemLines(r.stdout)).to.deep.equal([
      'controls/access.yaml:10:5: control CTL-DEMO-ACCESS cites requirement demo:A.9, but it is not in the demo catalogue; did you mean "A.1"? [unknown_requirement]',
    ]);
    expect(r.stdout).to.match(/\ncontrols check: 1 problem\n$/);
  });

  it('fails on an enforcement point that no policy rule declares', async () => {
    await edit(dir, 'controls/access.yaml', '  - demo.mfa_required\ntests', '  - demo.mfa_required\n  - demo.mfa_requird\ntests');
    const r = attest(['controls', 'check', '--format', 'json'], dir);
    expect(r.status).to.equal(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; problems: { code: string; message: string }[] };
    expect(out.ok).to.equal(false);
    expect(out.problems).to.deep.equal([
      {
        code: 'missing_enforcement_point',
        message: 'controls/access.yaml:15:5: control CTL-DEMO-ACCESS lists enforcement point demo.mfa_requird, but no loaded policy rule has custom.id "demo.mfa_requird"; did you mean "demo.mfa_required"?',
        location: { file: 'controls/access.yaml', line: 15, col: 5 },
        control: 'CTL-DEMO-ACCESS',
        enforcementPoint: 'demo.mfa_requird',
      },
    ]);
  });

  it('fails on a rule naming a control that does not list it back', async () => {
    await edit(dir, 'controls/access.yaml', '  - demo.mfa_required\ntests', 'tests');
    await edit(dir, 'controls/access.yaml', '  - enforcement_point: demo.mfa_required\n    outcomes: [deny]\n', '');
    const r = attest(['controls', 'check'], dir);
    expect(r.status).to.equal(1);
    expect(problemLines(r.stdout)).to.deep.equal([
      'policies/demo/authz.rego:13:1: rule demo.mfa_required names control CTL-DEMO-ACCESS in custom.controls, but CTL-DEMO-ACCESS does not list demo.mfa_required in its enforcement_points [unlisted_enforcement_point]',
    ]);
  });

  it('fails on a control listing a rule that does not name it back', async () => {
    await edit(dir, 'policies/demo/authz.rego', '#   id: demo.mfa_required\n#   controls: [CTL-DEMO-ACCESS]', '#   id: demo.mfa_required\n#   controls: []');
    const r = attest(['controls', 'check'], dir);
    expect(r.status).to.equal(1);
    expect(problemLines(r.stdout)).to.deep.equal([
      'controls/access.yaml:14:5: control CTL-DEMO-ACCESS lists enforcement point demo.mfa_required, but rule demo.mfa_required does not name CTL-DEMO-ACCESS in its custom.controls [unlinked_enforcement_point]',
    ]);
  });

  it('fails on a rule without a passing test that reaches it, and on a listed test that is gone', async () => {
    await edit(dir, 'policies/demo/authz_test.rego', MFA_TEST, '');
    const r = attest(['controls', 'check'], dir);
    expect(r.status).to.equal(1);
    expect(problemLines(r.stdout)).to.deep.equal([
      'controls/access.yaml:16:5: control CTL-DEMO-ACCESS lists test data.demo.authz_test.test_mfa_denies_without_factor, but no loaded policy test has that name [unknown_test]',
      'policies/demo/authz.rego:13:1: enforcement point demo.mfa_required has no passing policy test [untested_enforcement_point]',
    ]);
  });

  it('counts a failing test as no test, and reports it', async () => {
    await edit(dir, 'policies/demo/authz_test.rego', '"mfa required" in authz.deny with', '"mfa needed" in authz.deny with');
    const r = attest(['controls', 'check'], dir);
    expect(problemLines(r.stdout)).to.deep.equal([
      'policies/demo/authz_test.rego:9:1: policy test data.demo.authz_test.test_mfa_denies_without_factor fails [failing_test]',
      'policies/demo/authz.rego:13:1: enforcement point demo.mfa_required has no passing policy test [untested_enforcement_point]',
    ]);
  });

  it('reports malformed enforcement-point metadata and schema errors at file:line:col', async () => {
    await edit(dir, 'policies/demo/authz.rego', '#   controls: [CTL-DEMO-ACCESS]\ndeny contains "mfa', '#   controls: CTL-DEMO-ACCESS\ndeny contains "mfa');
    let r = attest(['controls', 'check'], dir);
    expect(problemLines(r.stdout)).to.include(
      'policies/demo/authz.rego:13:1: custom.controls of demo.mfa_required must be a list of control ids, got "CTL-DEMO-ACCESS" [invalid_enforcement_point]',
    );
    await edit(dir, 'controls/review.yaml', 'type: detective', 'type: detect');
    r = attest(['controls', 'check'], dir);
    expect(r.status).to.equal(1);
    expect(problemLines(r.stdout)[0]).to.match(/^controls\/review\.yaml:5:7: .*detect.* \[schema_error\]$/);
  });

  it('reports policies that do not compile', async () => {
    await edit(dir, 'policies/demo/authz.rego', 'allow if count(deny) == 0', 'allow if count(deny) == ');
    const r = attest(['controls', 'check'], dir);
    expect(r.status).to.equal(1);
    expect(problemLines(r.stdout)[0]).to.match(/^policies\/demo\/authz\.rego:\d+:\d+: rego_parse_error: .* \[policy_error\]$/);
  });
});

describe('attest controls coverage and map (CLI)', () => {
  it('lists every requirement of the demo catalogue once, in table, json and csv', () => {
    const args = ['controls', 'coverage', '--framework', 'demo', '--controls', join(fixture, 'controls'), '--policies', join(fixture, 'policies')];
    const json = attest([...args, '--format', 'json']);
    expect(json.status).to.equal(0);
    const report = JSON.parse(json.stdout) as { rows: { requirement: string; status: string; tests: string[] }[]; totals: Record<string, number> };
    expect(report.rows.map((r) => [r.requirement, r.status])).to.deep.equal([
      ['demo:A.1', 'covered'],
      ['demo:A.2', 'covered'],
      ['demo:A.3', 'manual'],
      ['demo:A.4', 'gap'],
    ]);
    expect(report.rows[0].tests).to.include('data.demo.authz_test.test_mfa_denies_without_factor');
    expect(report.totals).to.deep.equal({ covered: 2, partial: 0, manual: 1, gap: 1, total: 4 });
    expect(attest([...args, '--format', 'csv']).stdout.split('\r\n')[0]).to.equal('requirement,title,group,status,controls,enforcement_points,tests,manual_evidence');
    expect(attest(args).stdout.trimEnd().split('\n').at(-1)).to.equal('demo: 4 requirements — 2 covered, 0 partial, 1 manual, 1 gap');
  });

  it('rejects an unknown framework and a missing --framework as usage errors', () => {
    const r = attest(['controls', 'coverage', '--framework', 'nist', '--controls', join(fixture, 'controls'), '--policies', join(fixture, 'policies')]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.contain('attest controls: unknown framework "nist" (known: demo, other)');
    expect(attest(['controls', 'coverage']).stderr).to.contain('--framework is required');
  });

  for (const framework of ['soc2', 'iso27001', 'gdpr']) {
    it(`lists every shipped ${framework} requirement exactly once against the shipped policies`, async () => {
      const { registry } = await loadRegistry(join(root, 'controls'));
      const r = attest(['controls', 'coverage', '--framework', framework, '--format', 'json']);
      expect(r.stderr).to.equal('');
      expect(r.status).to.equal(0);
      const report = JSON.parse(r.stdout) as { rows: { requirement: string; status: string }[]; totals: Record<string, number> };
      expect(report.rows.map((x) => x.requirement)).to.deep.equal(registry.requirements(framework).map((x) => x.ref));
      const counts = { covered: 0, partial: 0, manual: 0, gap: 0 };
      for (const row of report.rows) counts[row.status as keyof typeof counts]++;
      expect(report.totals).to.deep.equal({ ...counts, total: report.rows.length });
    });
  }

  it('maps a requirement to the other frameworks through shared controls', () => {
    const r = attest(['controls', 'map', 'demo:A.2', '--controls', join(fixture, 'controls')]);
    expect(r.status).to.equal(0);
    expect(r.stdout).to.equal(
      'demo:A.2 Strong authentication\ncontrols: CTL-DEMO-ACCESS\n\nREQUIREMENT  TITLE                   VIA\n-----------  ----------------------  ---------------\nother:Art.1  Security of processing  CTL-DEMO-ACCESS\n',
    );
    const shipped = JSON.parse(attest(['controls', 'map', 'iso27001:A.8.5', '--format', 'json']).stdout) as { controls: string[]; related: { requirement: { ref: string } }[] };
    expect(shipped.controls).to.include('CTL-ACCESS-MFA');
    expect(shipped.related.map((x) => x.requirement.ref)).to.include.members(['soc2:CC6.1', 'gdpr:Art.32']);
    const unknown = attest(['controls', 'map', 'iso27001:A.99', '--controls', join(fixture, 'controls')]);
    expect(unknown.status).to.equal(1);
    expect(unknown.stderr).to.equal('attest controls map: unknown requirement iso27001:A.99 (frameworks: demo, other)\n');
  });
});
