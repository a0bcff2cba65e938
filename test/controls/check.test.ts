import { expect } from 'chai';
import { buildRegistry, checkRegistry, controlStatus, coverage, renderCoverage, renderMap, renderProblems, UnknownFrameworkError } from '../../src/controls/index.js';
import type { EnforcementPointInfo, Registry } from '../../src/controls/index.js';

const CATALOGUE = {
  file: 'frameworks/demo.yaml',
  text: `framework: demo
name: Demo framework
version: "1"
groups:
  - id: G
    title: Group
    requirements:
      - { id: R1, title: "Access, with a comma" }
      - { id: R2, title: Second }
      - { id: R3, title: Third }
      - { id: R4, title: Fourth }
      - { id: Art.5, title: Article five }
`,
};
const OTHER = {
  file: 'frameworks/other.yaml',
  text: 'framework: other\nname: Other\nversion: "2"\ngroups:\n  - id: O\n    title: O\n    requirements:\n      - { id: O1, title: Other one }\n',
};

/** An automated control file citing `requirements` and listing `eps`. */
function automated(id: string, requirements: string[], eps: string[]): { file: string; text: string } {
  const evidence = eps.map((ep) => `  - { enforcement_point: ${ep}, outcomes: [deny] }`).join('\n');
  return {
    file: `controls/${id.toLowerCase()}.yaml`,
    text: `id: ${id}
title: ${id}
objective: o
owner: sec
type: preventive
implementation: automated
operation: { mode: continuous }
requirements: [${requirements.join(', ')}]
enforcement_points: [${eps.join(', ')}]
tests: [data.t.test_${id.toLowerCase().replace(/-/g, '_')}]
runtime_evidence:
${evidence}
`,
  };
}

function manual(id: string, requirements: string[]): { file: string; text: string } {
  return {
    file: `controls/${id.toLowerCase()}.yaml`,
    text: `id: ${id}\ntitle: ${id}\nobjective: o\nowner: sec\ntype: detective\nimplementation: manual\noperation: { mode: periodic, cadence: quarterly }\nrequirements: [${requirements.join(', ')}]\nenforcement_points: []\nmanual_evidence:\n  - { what: sign-off, cadence: quarterly }\n`,
  };
}

function registryOf(...controls: { file: string; text: string }[]): Registry {
  const { registry, errors } = buildRegistry([CATALOGUE, OTHER], controls);
  expect(errors.map((e) => e.message)).to.deep.equal([]);
  return registry;
}

const ep = (id: string, controls: string[], tested = true, line = 3): EnforcementPointInfo => ({ id, controls, tested, location: { file: 'policies/p.rego', line, col: 1 } });

describe('controls check', () => {
  it('passes a consistent registry', () => {
    const r = registryOf(automated('CTL-A', ['demo:R1', 'other:O1'], ['access.a']), manual('CTL-M', ['demo:R2']));
    expect(checkRegistry(r, [ep('access.a', ['CTL-A'])])).to.deep.equal([]);
  });

  it('finds a requirement missing from its catalogue, and an unknown framework, at the line citing it', () => {
    const r = registryOf(automated('CTL-A', ['demo:R1', 'demo:R9', 'nist:X1'], ['access.a']));
    const problems = checkRegistry(r, [ep('access.a', ['CTL-A'])]);
    expect(problems.map((p) => p.code)).to.deep.equal(['unknown_requirement', 'unknown_requirement']);
    expect(problems[0].message).to.equal('controls/ctl-a.yaml:8:25: control CTL-A cites requirement demo:R9, but it is not in the demo catalogue; did you mean "R1"?');
    expect(problems[1].message).to.equal('controls/ctl-a.yaml:8:34: control CTL-A cites requirement nist:X1, but there is no catalogue for framework "nist" (known: demo, other)');
    expect(problems[0]).to.include({ control: 'CTL-A', requirement: 'demo:R9' });
  });

  it('accepts a finer point of a catalogue requirement', () => {
    const r = registryOf(manual('CTL-M', ['demo:Art.5(1)(c)']));
    expect(checkRegistry(r, [])).to.deep.equal([]);
    expect(r.controlsFor('demo:Art.5')).to.deep.equal(['CTL-M']);
    expect(r.resolve('demo:Art.5(1)(c)')?.ref).to.equal('demo:Art.5');
    expect(r.resolve('demo:Art.50')).to.equal(undefined);
  });

  it('finds an enforcement point that no policy declares', () => {
    const r = registryOf(automated('CTL-A', ['demo:R1'], ['access.a', 'access.mfa']));
    const problems = checkRegistry(r, [ep('access.a', ['CTL-A']), ep('access.mfa_required', ['CTL-A'])]);
    const missing = problems.filter((p) => p.code === 'missing_enforcement_point');
    expect(missing.map((p) => p.message)).to.deep.equal([
      'controls/ctl-a.yaml:9:32: control CTL-A lists enforcement point access.mfa, but no loaded policy rule has custom.id "access.mfa"; did you mean "access.mfa_required"?',
    ]);
  });

  it('finds one-sided links in both directions', () => {
    const r = registryOf(automated('CTL-A', ['demo:R1'], ['access.a']), automated('CTL-B', ['demo:R2'], ['access.b']));
    // access.a names CTL-B, which does not list it; CTL-A lists access.a, which does not name CTL-A.
    const problems = checkRegistry(r, [ep('access.a', ['CTL-B'], true, 7), ep('access.b', ['CTL-B'])]);
    expect(problems.map((p) => [p.code, p.message])).to.deep.equal([
      ['unlinked_enforcement_point', 'controls/ctl-a.yaml:9:22: control CTL-A lists enforcement point access.a, but rule access.a does not name CTL-A in its custom.controls'],
      ['unlisted_enforcement_point', 'policies/p.rego:7:1: rule access.a names control CTL-B in custom.controls, but CTL-B does not list access.a in its enforcement_points'],
    ]);
  });

  it('finds rules naming unknown controls, and rules linked to nothing', () => {
    const r = registryOf(automated('CTL-A', ['demo:R1'], ['access.a']));
    const problems = checkRegistry(r, [ep('access.a', ['CTL-A', 'CTL-AA']), ep('access.lonely', [], true, 9)]);
    expect(problems.map((p) => [p.code, p.message])).to.deep.equal([
      ['unknown_control', 'policies/p.rego:3:1: rule access.a names control CTL-AA in custom.controls, but no such control exists; did you mean "CTL-A"?'],
      ['orphan_enforcement_point', 'policies/p.rego:9:1: rule access.lonely is linked to no control: name one in its custom.controls and list the rule in that control'],
    ]);
  });

  it('finds an untested enforcement point', () => {
    const r = registryOf(automated('CTL-A', ['demo:R1'], ['access.a']));
    const problems = checkRegistry(r, [ep('access.a', ['CTL-A'], false)]);
    expect(problems).to.deep.equal([
      {
        code: 'untested_enforcement_point',
        message: 'policies/p.rego:3:1: enforcement point access.a has no passing policy test',
        location: { file: 'policies/p.rego', line: 3, col: 1 },
        enforcementPoint: 'access.a',
      },
    ]);
  });

  it('renders problems as lines with their codes, or as JSON', () => {
    const r = registryOf(automated('CTL-A', ['demo:R1'], ['access.a']));
    const problems = checkRegistry(r, [ep('access.a', ['CTL-A'], false)]);
    expect(renderProblems(problems)).to.equal('policies/p.rego:3:1: enforcement point access.a has no passing policy test [untested_enforcement_point]\n\ncontrols check: 1 problem\n');
    expect(JSON.parse(renderProblems(problems, 'json')).ok).to.equal(false);
    expect(renderProblems([])).to.equal('controls check: no problems\n');
  });
});

describe('controls coverage', () => {
  const r = (): Registry =>
    registryOf(
      automated('CTL-A', ['demo:R1', 'other:O1'], ['access.a']),
      automated('CTL-B', ['demo:R2'], ['access.b', 'access.c']),
      manual('CTL-M', ['demo:R3', 'demo:R1']),
    );
  const points = [ep('access.a', ['CTL-A']), ep('access.b', ['CTL-B']), ep('access.c', ['CTL-B'], false)];

  it('gives each requirement once, with its controls, enforcement points, tests and status', () => {
    const report = coverage(r(), 'demo', points);
    expect(report.rows.map((row) => [row.requirement, row.status, row.controls])).to.deep.equal([
      ['demo:R1', 'covered', ['CTL-A', 'CTL-M']],
      ['demo:R2', 'partial', ['CTL-B']],
      ['demo:R3', 'manual', ['CTL-M']],
      ['demo:R4', 'gap', []],
      ['demo:Art.5', 'gap', []],
    ]);
    expect(report.rows[1].enforcementPoints).to.deep.equal([
      { id: 'access.b', present: true, tested: true },
      { id: 'access.c', present: true, tested: false },
    ]);
    expect(report.rows[0].tests).to.deep.equal(['data.t.test_ctl_a']);
    expect(report.rows[0].manualEvidence).to.deep.equal(['sign-off (quarterly)']);
    expect(report.totals).to.deep.equal({ covered: 1, partial: 1, manual: 1, gap: 2, total: 5 });
    expect(report.framework).to.deep.equal({ id: 'demo', name: 'Demo framework', version: '1' });
  });

  it('marks a control partial when an enforcement point is missing from the policies', () => {
    const control = r().control('CTL-A')!;
    expect(controlStatus(control, new Map())).to.equal('partial');
    expect(coverage(r(), 'other', []).rows.map((row) => row.status)).to.deep.equal(['partial']);
  });

  it('rejects an unknown framework, naming the known ones', () => {
    expect(() => coverage(r(), 'iso', [])).to.throw(UnknownFrameworkError, 'unknown framework "iso" (known: demo, other)');
  });

  it('renders table, json and csv', () => {
    const report = coverage(r(), 'demo', points);
    const table = renderCoverage(report, 'table');
    expect(table).to.match(/^Demo framework \(1\)\n\nREQUIREMENT +TITLE +STATUS +EPS +TESTS +CONTROLS\n/);
    expect(table).to.contain('\ndemo:R2      Second                partial  2 (1 untested)  1      CTL-B\n');
    expect(table.trimEnd().split('\n').at(-1)).to.equal('demo: 5 requirements — 1 covered, 1 partial, 1 manual, 2 gap');
    expect(JSON.parse(renderCoverage(report, 'json'))).to.deep.equal(JSON.parse(JSON.stringify(report)));
    const csv = renderCoverage(report, 'csv').split('\r\n');
    expect(csv[0]).to.equal('requirement,title,group,status,controls,enforcement_points,tests,manual_evidence');
    expect(csv[1]).to.equal('demo:R1,"Access, with a comma",G,covered,CTL-A;CTL-M,access.a,data.t.test_ctl_a,sign-off (quarterly)');
    expect(csv[2]).to.equal('demo:R2,Second,G,partial,CTL-B,access.b;access.c (untested),data.t.test_ctl_b,');
    expect(csv).to.have.length(report.rows.length + 2); // header, rows, trailing empty string after the last CRLF
  });

  it('renders a requirement map', () => {
    const m = r().map('demo:R1')!;
    expect(m.related.map((x) => [x.requirement.ref, x.via])).to.deep.equal([['other:O1', ['CTL-A']]]);
    expect(renderMap(m)).to.equal(
      'demo:R1 Access, with a comma\ncontrols: CTL-A, CTL-M\n\nREQUIREMENT  TITLE      VIA\n-----------  ---------  -----\nother:O1     Other one  CTL-A\n',
    );
  });
});
