import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PolicyError, formatPath, locate, parsePointer, parseYaml, validateYaml } from '../../src/policy/yaml-schema.js';
import { validatePolicyText } from '../../src/policy/schemas/index.js';

// Tests run from dist/test/policy; fixtures stay in the source tree.
const fixtures = fileURLToPath(new URL('../../../test/policy/fixtures/', import.meta.url));
const read = (name: string): string => readFileSync(fixtures + name, 'utf8');
const validate = (name: string) => validatePolicyText(read(name), `fixtures/${name}`);

describe('policy YAML schemas', () => {
  for (const name of readdirSync(fixtures).filter((f) => f.endsWith('.yaml'))) {
    it(`accepts the example ${name}`, () => {
      const { errors, policy } = validate(name);
      expect(errors.map((e) => e.message)).to.deep.equal([]);
      expect(policy?.apiVersion).to.equal('attest/v1');
    });
  }

  it('reports a wrong type at the value with what was expected and what was found', () => {
    const { errors } = validate('broken/wrong-type.yaml');
    expect(errors).to.have.length(1);
    const [e] = errors;
    expect(e).to.be.instanceOf(PolicyError);
    expect(e.code).to.equal('schema_error');
    expect([e.line, e.col]).to.deep.equal([13, 22]);
    expect(e.message).to.equal('fixtures/broken/wrong-type.yaml:13:22: spec.categories.hate.thresholds[1].min_score must be number (got string "high")');
  });

  it('reports an unknown category at its key, with the allowed names and a suggestion', () => {
    const { errors } = validate('broken/unknown-category.yaml');
    expect(errors).to.have.length(1);
    expect([errors[0].line, errors[0].col]).to.deep.equal([12, 5]);
    expect(errors[0].detail).to.match(/^spec\.categories has unknown category "harasment"; expected one of csam, .*; did you mean "harassment"\?$/);
  });

  it('reports every problem of a document, each at its own node, in file order', () => {
    const { errors } = validate('broken/many-errors.yaml');
    const got = errors.map((e) => `${e.line}:${e.col} ${e.detail}`);
    expect(got).to.include('1:13 apiVersion must be "attest/v1" (got string "attest/v2")');
    expect(got).to.include('3:1 metadata is missing required property "description"');
    expect(got).to.include('9:19 spec.environments.production.production must be boolean (got string "yes")');
    expect(got).to.include('13:14 spec.roles.sre.scope must be one of tenant, platform (got string "global")');
    expect(got).to.include('18:14 spec.mfa.max_age must be an ISO 8601 duration such as "P30D", "P7Y" or "PT72H" (got string "12 hours")');
    expect(got.find((m) => m.startsWith('20:5 spec.separation_of_duties has unknown property "no_self_aproval"'))).to.match(/did you mean "no_self_approval"\?$/);
    // break_glass.enabled: true makes the rest of its settings required (if/then), reported at the key.
    expect(got).to.include('25:3 spec.break_glass is missing required property "grants_role"');
    expect(got.some((m) => m.includes('"if"'))).to.equal(false);
    const positions = errors.map((e) => e.line * 1000 + e.col);
    expect(positions).to.deep.equal([...positions].sort((a, b) => a - b));
  });

  it('reports a failed either/or as one error saying which forms are allowed', () => {
    const { errors } = validate('broken/missing-deadline.yaml');
    expect(errors.map((e) => e.message)).to.deep.equal([
      'fixtures/broken/missing-deadline.yaml:15:17: spec.notifications[0].deadline must be a deadline with "within" (a duration) or "within_data" (a data path)',
    ]);
  });

  it('names the allowed kinds when the kind is unknown', () => {
    const { errors } = validate('broken/unknown-kind.yaml');
    expect(errors).to.have.length(1);
    expect(errors[0].message).to.equal(
      'fixtures/broken/unknown-kind.yaml:2:7: kind must be one of ModerationPolicy, AccessPolicy, RetentionSchedule, IncidentPolicy, Exception (got string "ModerationPolcy"); did you mean "ModerationPolicy"?',
    );
  });

  it('gives YAML syntax errors a position and their own code', () => {
    const { errors } = validate('broken/syntax-error.yaml');
    expect(errors).to.have.length.greaterThan(0);
    expect(errors[0].code).to.equal('yaml_syntax_error');
    expect(errors[0].line).to.equal(11);
    expect(errors[0].message).to.match(/^fixtures\/broken\/syntax-error\.yaml:11:\d+: YAML syntax error: /);
  });

  it('treats duplicate keys as syntax errors at the second key', () => {
    const { errors } = validate('broken/duplicate-key.yaml');
    expect(errors.map((e) => [e.code, e.line, e.col])).to.deep.equal([['yaml_syntax_error', 9, 3]]);
    expect(errors[0].detail).to.contain('unique');
  });

  it('rejects a file holding several documents', () => {
    const { errors } = parseYaml('a: 1\n---\nb: 2\n', 'two.yaml');
    expect(errors[0].code).to.equal('yaml_syntax_error');
    expect(errors[0].line).to.equal(2);
  });

  it('validates any YAML against any schema, locating flow-style and nested nodes', () => {
    const schema = {
      type: 'object',
      properties: { items: { type: 'array', items: { type: 'object', properties: { n: { type: 'integer', minimum: 1 } } } } },
    };
    const text = 'items:\n  - { n: 3 }\n  - { n: 0 }\n  - n: "x"\n';
    const { errors } = validateYaml(text, 'f.yaml', schema);
    expect(errors.map((e) => e.message)).to.deep.equal(['f.yaml:3:10: items[1].n must be >= 1 (got integer 0)', 'f.yaml:4:8: items[2].n must be integer (got string "x")']);
  });

  it('points an empty value at its key', () => {
    const { errors } = validateYaml('name:\nother: 1\n', 'e.yaml', { type: 'object', properties: { name: { type: 'string' } } });
    expect(errors.map((e) => [e.line, e.col, e.detail])).to.deep.equal([[1, 1, 'name must be string (got null)']]);
  });

  it('converts JSON pointers and paths', () => {
    expect(parsePointer('/spec/a~1b/0/c~0d')).to.deep.equal(['spec', 'a/b', 0, 'c~d']);
    expect(formatPath(['spec', 'categories', 'hate', 'thresholds', 0, 'action'])).to.equal('spec.categories.hate.thresholds[0].action');
    expect(formatPath(['spec', 'odd key'])).to.equal('spec["odd key"]');
    expect(formatPath([])).to.equal('(document)');
  });

  it('locates the closest existing ancestor of a missing node', () => {
    const { source } = parseYaml('spec:\n  roles:\n    a: 1\n', 'l.yaml');
    expect(locate(source!, ['spec', 'roles', 'b', 'x'])).to.deep.equal({ line: 3, col: 5 });
  });
});
