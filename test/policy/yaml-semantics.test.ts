import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { actionForScore, checkPolicyText, durationMs, firstLooserScore, parseDate } from '../../src/policy/yaml-semantics.js';
import type { SemanticOptions } from '../../src/policy/yaml-semantics.js';

const fixtures = fileURLToPath(new URL('../../../test/policy/fixtures/', import.meta.url));
const read = (name: string): string => readFileSync(fixtures + name, 'utf8');
const NOW = new Date('2025-02-01T00:00:00Z');
const check = (name: string, opts: SemanticOptions = {}) => checkPolicyText(read(name), `fixtures/${name}`, { now: NOW, ...opts });
/** A fixture with one textual edit, checked as if it were that file. */
const edited = (name: string, from: string, to: string, opts: SemanticOptions = {}) => {
  const text = read(name);
  expect(text).to.contain(from);
  return checkPolicyText(text.replace(from, to), `fixtures/${name}`, { now: NOW, ...opts });
};

describe('policy semantic checks', () => {
  for (const name of readdirSync(fixtures).filter((f) => f.endsWith('.yaml'))) {
    it(`accepts the example ${name}`, () => {
      expect(check(name).errors.map((e) => e.message)).to.deep.equal([]);
    });
  }

  it('rejects a tenant override looser than the platform for a non-overridable category', () => {
    const { errors } = check('broken/looser-override.yaml');
    expect(errors.map((e) => [e.code, e.rule, e.line, e.col])).to.deep.equal([['semantic_error', 'override-not-looser', 22, 13]]);
    expect(errors[0].message).to.equal(
      'fixtures/broken/looser-override.yaml:22:13: spec.tenant_overrides.acme.categories.hate.thresholds: tenant override "acme" is looser than the platform for non-overridable category "hate": at score 0.9 it gives label where the platform gives block; overrides of this category may only be stricter',
    );
  });

  it('applies the same rule to jurisdiction rules and to turning off human review', () => {
    const { errors } = edited('moderation.yaml', 'csam:\n          human_review: true', 'csam:\n          human_review: false');
    expect(errors.map((e) => e.rule)).to.deep.equal(['override-not-looser']);
    expect(errors[0].detail).to.contain('jurisdiction rule "us_csam_reporting" turns off human review');
  });

  it('rejects an expired exception at its expiry date', () => {
    const { errors } = check('broken/expired-exception.yaml');
    expect(errors.map((e) => [e.rule, e.line, e.col])).to.deep.equal([['exception-expired', 16, 12]]);
    expect(errors[0].detail).to.match(/^spec\.expires: exception for access\.mfa_required expired on 2024-12-31/);
  });

  it('checks exception dates, length, approver independence and rule id', () => {
    expect(edited('exception.yaml', 'expires: 2025-04-15', 'expires: 2025-02-30').errors.map((e) => e.rule)).to.deep.equal(['invalid-date']);
    expect(edited('exception.yaml', 'expires: 2025-04-15', 'expires: 2027-01-01').errors.map((e) => e.rule)).to.deep.equal(['exception-too-long']);
    expect(edited('exception.yaml', 'approver: ciso@example.com', 'approver: platform-team@example.com').errors.map((e) => e.rule)).to.deep.equal([
      'exception-approver-independent',
    ]);
    const unknown = check('exception.yaml', { enforcementPoints: new Set(['access.mfa_requirement']) }).errors;
    expect(unknown.map((e) => e.detail)).to.deep.equal(['spec.rule: no loaded policy has enforcement point "access.mfa_required"; did you mean "access.mfa_requirement"?']);
  });

  it('rejects an authority deadline beyond GDPR Art. 33', () => {
    const { errors } = check('broken/slow-authority-notice.yaml');
    expect(errors.map((e) => [e.rule, e.line, e.col])).to.deep.equal([['gdpr-art33-deadline', 15, 27]]);
  });

  it('rejects references to undeclared categories, roles, environments and data classes', () => {
    const mod = edited('moderation.yaml', 'categories: [csam, violent_extremism, self_harm]', 'categories: [csam, violence]').errors;
    expect(mod.map((e) => [e.rule, e.detail])).to.deep.equal([
      ['unknown-reference', 'spec.human_review.categories[1]: category "violence" is not defined in spec.categories (defined: csam, violent_extremism, hate, harassment, self_harm, sexual, spam, pii)'],
    ]);
    const acc = edited('access.yaml', 'grants_role: sre_elevated', 'grants_role: sre_elevatd').errors;
    expect(acc.map((e) => e.detail)).to.deep.equal([
      'spec.break_glass.grants_role: unknown role "sre_elevatd" (defined: moderator, tenant_admin, policy_author, policy_approver, sre, sre_elevated); did you mean "sre_elevated"?',
    ]);
    const env = edited('access.yaml', 'environments: [production, staging] }', 'environments: [production, stage] }').errors;
    expect(env.map((e) => e.rule)).to.deep.equal(['unknown-reference']);
    const ret = edited('retention.yaml', 'applies_to: [moderation_content, moderation_decision, appeal]', 'applies_to: [moderation_content]\n      review_every: P1Y').errors;
    expect(ret).to.deep.equal([]);
    const obl = edited('retention.yaml', 'classes: [security_logs]', 'classes: [admin_audit_log]').errors;
    expect(obl.map((e) => e.detail)).to.deep.equal([
      'spec.erasure.obligations[1].classes[0]: obligation "security_investigation" keeps data class "admin_audit_log", which erasure requests do not reach (add it to spec.erasure.classes)',
    ]);
  });

  it('requires MFA for production environments and forbids JIT self-approval', () => {
    // production sets mfa_required itself and is listed under spec.mfa.required_for: either is enough.
    expect(edited('access.yaml', '      mfa_required: true\n      jit_required: true', '      jit_required: true').errors).to.deep.equal([]);
    const neither = checkPolicyText(
      read('access.yaml').replace('      mfa_required: true\n      jit_required: true', '      jit_required: true').replace('environments: [production]\n      actions:', 'actions:'),
      'a.yaml',
    ).errors;
    expect(neither.map((e) => [e.rule, e.line, e.col])).to.deep.equal([['production-mfa', 9, 5]]);
    const jit = edited('access.yaml', 'approver_roles: [policy_approver]', 'approver_roles: [sre_elevated]').errors;
    expect(jit.map((e) => e.rule)).to.deep.equal(['jit-self-approval']);
  });

  it('requires thresholds in increasing order with non-decreasing actions', () => {
    const { errors } = edited('moderation.yaml', '{ min_score: 0.97, action: block }', '{ min_score: 0.97, action: allow }');
    expect(errors.map((e) => [e.rule, e.detail])).to.deep.equal([
      ['threshold-order', 'spec.categories.spam.thresholds[1].action: a higher score must not get a milder action: allow at 0.97 is milder than label at 0.8'],
    ]);
  });

  it('computes actions, looseness, durations and dates', () => {
    const t = [
      { min_score: 0.5, action: 'label' as const },
      { min_score: 0.9, action: 'block' as const },
    ];
    expect([0.1, 0.5, 0.89, 0.9, 1].map((s) => actionForScore(t, s))).to.deep.equal(['allow', 'label', 'label', 'block', 'block']);
    expect(firstLooserScore(t, [{ min_score: 0.4, action: 'block' }])).to.equal(undefined);
    expect(firstLooserScore(t, [{ min_score: 0.6, action: 'block' }])).to.equal(0.5);
    expect(durationMs('PT72H')).to.equal(72 * 3600_000);
    expect(durationMs('P1Y2M3W4DT5H6M7S')).to.equal(((365 + 60 + 21 + 4) * 24 + 5) * 3600_000 + 6 * 60_000 + 7000);
    expect(durationMs('P')).to.equal(undefined);
    expect(parseDate('2024-02-29')?.toISOString()).to.equal('2024-02-29T00:00:00.000Z');
    expect(parseDate('2023-02-29')).to.equal(undefined);
  });
});
