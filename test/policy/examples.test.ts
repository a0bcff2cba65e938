import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine, parseJSON, toJSON } from '../../src/rego/index.js';
import { compileDocuments, loadPolicyTree } from '../../src/policy/index.js';

// Tests run from dist/test/policy; the policies and examples stay in the source tree.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const examples = join(root, 'examples');
const cases = readdirSync(examples).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
const readJSON = (p: string): unknown => JSON.parse(readFileSync(p, 'utf8'));

function policyEngine(): Engine {
  const tree = loadPolicyTree([join(root, 'policies')]);
  const engine = new Engine();
  for (const m of [...tree.modules, ...compileDocuments(tree.documents, { modules: tree.modules })]) engine.addParsedModule(m);
  engine.setData(tree.data);
  engine.compile();
  return engine;
}

describe('policy examples', () => {
  const engine = policyEngine();

  it('has examples and an expected decision for each, for every domain', () => {
    expect(cases.length).to.be.greaterThan(10);
    const domains = new Set(cases.map((c) => c.split('-')[0]));
    expect([...domains].sort()).to.deep.equal(['access', 'incident', 'moderation', 'retention']);
    for (const c of cases) expect(() => readJSON(join(examples, 'expected', `${c}.json`)), c).not.to.throw();
  });

  for (const c of cases) {
    it(`${c} gives the documented decision`, () => {
      const domain = c.split('-')[0];
      const input = parseJSON(readFileSync(join(examples, `${c}.json`), 'utf8'));
      const got = engine.evalRef(`data.${domain}.decision`, { input });
      expect(got, 'decision is defined').not.to.equal(undefined);
      expect(toJSON(got!)).to.deep.equal(readJSON(join(examples, 'expected', `${c}.json`)));
    });
  }

  it('every reason names an enforcement point', () => {
    for (const c of cases) {
      const expected = readJSON(join(examples, 'expected', `${c}.json`)) as { reasons: { id: string }[] };
      for (const r of expected.reasons) expect(r.id, c).to.match(/^(access|moderation|retention|incident|exception)\.[a-z_]+$/);
    }
  });

  it('gives the same decision through `attest eval` on the command line', () => {
    const out = execFileSync(
      process.execPath,
      ['bin/attest.js', 'eval', '-d', 'policies/', '-i', 'examples/access-production-no-mfa.json', 'data.access.decision'],
      { cwd: root, encoding: 'utf8' },
    );
    const result = JSON.parse(out) as { result: { expressions: { value: unknown }[] }[] };
    expect(result.result[0].expressions[0].value).to.deep.equal(readJSON(join(examples, 'expected', 'access-production-no-mfa.json')));
  });

  it('fails closed: access denies and moderation holds when the request is empty', () => {
    expect(toJSON(engine.evalRef('data.access.decision', { input: parseJSON('{}') })!)).to.include({ allow: false });
    expect(toJSON(engine.evalRef('data.moderation.decision', { input: parseJSON('{}') })!)).to.include({ action: 'hold_for_review', review_required: true });
  });
});

describe('attest check / test on policies/', () => {
  it('`attest check policies/` passes', () => {
    execFileSync(process.execPath, ['bin/attest.js', 'check', 'policies/'], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
  });

  it('`attest test policies/` passes and reports every enforcement point as tested', () => {
    const out = execFileSync(process.execPath, ['bin/attest.js', 'test', 'policies/'], { cwd: root, encoding: 'utf8' });
    expect(out).to.match(/^PASS: (\d+)\/\1$/m);
    const m = /^Enforcement points: (\d+); with at least one passing test: (\d+)\/(\d+) \(every enforcement point is tested\)$/m.exec(out);
    expect(m, out).not.to.equal(null);
    expect(Number(m![1])).to.equal(20);
    expect(out).not.to.contain('untested:');
  });
});
