import { expect } from 'chai';
import { mkdtemp, mkdir, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRegistry, catalogueSchema, checkRegistry, controlSchema, coverage, loadRegistry } from '../../src/controls/index.js';
import type { EnforcementPointInfo, Registry } from '../../src/controls/index.js';

// Tests run from dist/test/controls; the shipped registry is in the source tree.
const shipped = fileURLToPath(new URL('../../../controls', import.meta.url));

/** Enforcement points exactly as the shipped controls expect them: linked both ways and tested. */
function consistentPoints(registry: Registry): EnforcementPointInfo[] {
  const byId = new Map<string, string[]>();
  for (const c of registry.controls()) for (const id of c.enforcement_points) byId.set(id, [...(byId.get(id) ?? []), c.id]);
  return [...byId].map(([id, controls]) => ({ id, controls, tested: true }));
}

describe('shipped control registry', () => {
  let registry: Registry;
  before(async () => {
    const loaded = await loadRegistry(shipped);
    expect(loaded.errors.map((e) => e.message)).to.deep.equal([]);
    registry = loaded.registry;
  });

  it('has the three catalogues with every requirement', () => {
    expect(registry.frameworks()).to.deep.equal(['gdpr', 'iso27001', 'soc2']);
    expect(registry.requirements('soc2')).to.have.length(61);
    const iso = registry.requirements('iso27001');
    expect(iso.filter((r) => r.id.startsWith('A.'))).to.have.length(93);
    expect(iso.filter((r) => r.id.startsWith('cl.'))).to.have.length(25);
    expect(iso.filter((r) => r.tags.includes('new-in-2022')).map((r) => r.id)).to.have.length(11);
    expect(registry.requirements('gdpr').map((r) => r.id)).to.include.members(['Art.5(1)(c)', 'Art.17', 'Art.28', 'Art.32', 'Art.33', 'Art.34']);
    // Optional SOC 2 categories are marked as such.
    expect(registry.resolve('soc2:P4.2')?.group).to.deep.equal({ id: 'P', title: 'Privacy', optional: true });
    expect(registry.resolve('soc2:CC6.1')?.group.optional).to.equal(false);
  });

  it('has a control for every commitment of the security statement', () => {
    const commitments = new Set(registry.controls().map((c) => c.commitment));
    for (const c of [
      'Data minimisation',
      'Tenant segmentation',
      'Least-privilege production access',
      'MFA',
      'Logging of admin actions',
      'TLS in transit',
      'Encryption at rest with managed keys and rotation',
      'Monitoring and review of security logs',
      'Retention schedules with deletion or anonymisation',
      'Incident response and customer notification',
      'Periodic risk assessment, vendor review and security testing',
      'Content is moderated consistently',
    ]) {
      expect(commitments, c).to.include(c);
    }
  });

  it('passes the check when every listed enforcement point exists, links back and is tested', () => {
    expect(checkRegistry(registry, consistentPoints(registry))).to.deep.equal([]);
  });

  it('uses exactly the documented enforcement-point ids', () => {
    const ids = consistentPoints(registry).map((e) => e.id).sort();
    expect(ids).to.deep.equal(
      [
        'access.mfa_required', 'access.tenant_boundary', 'access.environment_segmentation', 'access.break_glass', 'access.jit_grant',
        'access.separation_of_duties', 'access.review_overdue', 'access.role_permission', 'moderation.threshold_action',
        'moderation.tenant_override', 'moderation.human_review', 'moderation.jurisdiction', 'retention.schedule', 'retention.legal_hold',
        'retention.erasure_request', 'retention.erasure_obligation', 'incident.supervisory_authority', 'incident.data_subjects',
        'incident.customer_notice', 'exception.waiver',
      ].sort(),
    );
  });

  for (const fw of ['soc2', 'iso27001', 'gdpr']) {
    it(`lists every ${fw} requirement exactly once in coverage, with totals that add up`, () => {
      const report = coverage(registry, fw, consistentPoints(registry));
      const refs = report.rows.map((r) => r.requirement);
      expect(new Set(refs).size).to.equal(refs.length);
      expect(refs).to.deep.equal(registry.requirements(fw).map((r) => r.ref));
      const t = report.totals;
      expect(t.covered + t.partial + t.manual + t.gap).to.equal(t.total);
      expect(t.total).to.equal(refs.length);
      expect(t.partial).to.equal(0);
    });
  }

  it('maps a requirement to the other frameworks through shared controls', () => {
    const m = registry.map('iso27001:A.8.5');
    expect(m?.controls).to.deep.equal(['CTL-ACCESS-MFA']);
    expect(m?.related.map((r) => r.requirement.ref)).to.deep.equal(['gdpr:Art.32', 'soc2:CC6.1', 'soc2:CC6.6']);
    expect(m?.related.every((r) => r.via.includes('CTL-ACCESS-MFA'))).to.equal(true);
    expect(registry.map('iso27001:A.9.9')).to.equal(undefined);
  });
});

describe('loading registries from a folder', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'attest-controls-'));
    await mkdir(join(dir, 'frameworks'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('adds a framework by dropping in a catalogue file', async () => {
    await writeFile(
      join(dir, 'frameworks', 'nist-csf.yaml'),
      'framework: nist-csf\nname: NIST CSF\nversion: "2.0"\ngroups:\n  - id: PR\n    title: Protect\n    requirements:\n      - { id: PR.AA-03, title: Users are authenticated }\n',
    );
    await writeFile(
      join(dir, 'mfa.yaml'),
      'id: CTL-MFA\ntitle: MFA\nobjective: o\nowner: sec\ntype: preventive\nimplementation: manual\noperation: { mode: continuous }\nrequirements: [nist-csf:PR.AA-03]\nenforcement_points: []\nmanual_evidence: [{ what: report, cadence: quarterly }]\n',
    );
    const { registry, errors } = await loadRegistry(dir);
    expect(errors).to.deep.equal([]);
    expect(registry.frameworks()).to.deep.equal(['nist-csf']);
    expect(registry.controlsFor('nist-csf:PR.AA-03')).to.deep.equal(['CTL-MFA']);
    expect(coverage(registry, 'nist-csf', []).rows.map((r) => r.status)).to.deep.equal(['manual']);
  });

  it('names the file, line and column of a broken file and leaves it out', async () => {
    await writeFile(join(dir, 'bad.yaml'), 'id: CTL-BAD\ntitle: 42\n');
    const { registry, errors } = await loadRegistry(dir);
    expect(registry.controls()).to.deep.equal([]);
    expect(errors.map((e) => e.message)).to.include(`${join(dir, 'bad.yaml')}:2:8: title must be string (got integer 42)`);
    expect(errors.every((e) => e.file === join(dir, 'bad.yaml'))).to.equal(true);
  });

  it('treats a missing folder as empty', async () => {
    const { registry, errors } = await loadRegistry(join(dir, 'nope'));
    expect(errors).to.deep.equal([]);
    expect(registry.frameworks()).to.deep.equal([]);
  });
});

describe('catalogue and control schemas', () => {
  const catalogue = (body: string) => ({ file: 'frameworks/x.yaml', text: body });
  const control = (body: string) => ({ file: 'controls/c.yaml', text: body });
  const goodCatalogue = catalogue('framework: x\nname: X\nversion: "1"\ngroups:\n  - id: G\n    title: G\n    requirements:\n      - { id: R1, title: One }\n      - { id: R2, title: Two }\n');

  it('reports duplicate frameworks and duplicate requirement ids at their place', () => {
    const dup = catalogue('framework: x\nname: X\nversion: "1"\ngroups:\n  - id: G\n    title: G\n    requirements:\n      - { id: R1, title: One }\n      - { id: R1, title: Again }\n');
    expect(buildRegistry([dup], []).errors.map((e) => e.message)).to.deep.equal(['frameworks/x.yaml:9:15: requirement "R1" appears more than once in this catalogue']);
    const twice = buildRegistry([goodCatalogue, { ...goodCatalogue, file: 'frameworks/y.yaml' }], []);
    expect(twice.errors.map((e) => e.message)).to.deep.equal(['frameworks/y.yaml:1:12: framework "x" is already defined by frameworks/x.yaml']);
  });

  it('checks control fields and says what was expected', () => {
    const text = [
      'id: ctl-lower', // 1
      'title: Thing', // 2
      'objective: o', // 3
      'owner: sec', // 4
      'type: preventative', // 5
      'implementation: manual', // 6
      'operation: { mode: continuous, cadence: weekly }', // 7
      'requirements: [soc2-CC6.1]', // 8
      'enforcement_points: [access.mfa_required]', // 9
      'manual_evidence:', // 10
      '  - { what: report, cadence: fortnightly }', // 11
    ].join('\n');
    const { errors } = buildRegistry([], [control(text)]);
    expect(errors.map((e) => `${e.line}:${e.col} ${e.detail}`)).to.deep.equal([
      '1:5 id must be a control id such as "CTL-ACCESS-MFA" (got string "ctl-lower")',
      '5:7 type must be one of preventive, detective, corrective (got string "preventative"); did you mean "preventive"?',
      '7:32 operation must not have property "cadence" (only periodic operation has a cadence)',
      '8:16 requirements[0] must be a requirement reference such as "soc2:CC6.1", "iso27001:A.8.5" or "gdpr:Art.32(1)(b)" (got string "soc2-CC6.1")',
      '9:21 enforcement_points must be empty for a manual control',
      '11:30 manual_evidence[0].cadence must be one of daily, weekly, monthly, quarterly, semiannual, annual, per_change, per_incident, per_request (got string "fortnightly")',
    ]);
  });

  it('requires enforcement points and runtime evidence of automated controls, and a cadence for periodic ones', () => {
    const text = 'id: CTL-A\ntitle: A\nobjective: o\nowner: sec\ntype: detective\nimplementation: automated\noperation:\n  mode: periodic\nrequirements: [x:R1]\nenforcement_points: []\n';
    const { errors } = buildRegistry([goodCatalogue], [control(text)]);
    expect(errors.map((e) => `${e.line}:${e.col} ${e.detail}`)).to.deep.equal([
      '1:1 (document) is missing required property "runtime_evidence"',
      '7:1 operation is missing required property "cadence"',
      '10:21 enforcement_points must be non-empty for an automated or hybrid control',
    ]);
  });

  it('rejects runtime evidence for an enforcement point the control does not list, and duplicate control ids', () => {
    const base = 'title: A\nobjective: o\nowner: sec\ntype: detective\nimplementation: automated\noperation: { mode: continuous }\nrequirements: [x:R1]\nenforcement_points: [access.a]\n';
    const a = control(`id: CTL-A\n${base}runtime_evidence:\n  - { enforcement_point: access.b, outcomes: [deny] }\n`);
    expect(buildRegistry([goodCatalogue], [a]).errors.map((e) => e.message)).to.deep.equal([
      'controls/c.yaml:11:26: runtime evidence names "access.b", which is not in this control\'s enforcement_points',
    ]);
    const ok = `id: CTL-A\n${base}runtime_evidence:\n  - { enforcement_point: access.a, outcomes: [deny] }\n`;
    const dup = buildRegistry([goodCatalogue], [control(ok), { file: 'controls/d.yaml', text: ok }]);
    expect(dup.errors.map((e) => e.message)).to.deep.equal(['controls/d.yaml:1:5: control "CTL-A" is already defined by controls/c.yaml']);
    expect(dup.registry.controls().map((c) => c.id)).to.deep.equal(['CTL-A']);
  });
});

describe('published JSON Schemas', () => {
  // controls/schemas/*.json are for editors (yaml-language-server); the TypeScript objects are the source.
  const regenerate =
    "node --input-type=module -e \"import { catalogueSchema as a, controlSchema as b } from './dist/src/controls/schemas.js'; import { writeFileSync as w } from 'node:fs'; w('controls/schemas/catalogue.schema.json', JSON.stringify(a, null, 2) + '\\n'); w('controls/schemas/control.schema.json', JSON.stringify(b, null, 2) + '\\n');\"";
  for (const [file, schema] of [
    ['catalogue.schema.json', catalogueSchema],
    ['control.schema.json', controlSchema],
  ] as const) {
    it(`controls/schemas/${file} matches src/controls/schemas.ts`, async () => {
      const text = await readFile(join(shipped, 'schemas', file), 'utf8');
      expect(JSON.parse(text), `out of date; regenerate with: ${regenerate}`).to.deep.equal(schema);
    });
  }
});
