/**
 * Checks on validated policy documents that JSON Schema cannot express:
 * references between parts of a document, overrides that would loosen a
 * non-overridable category, legal deadlines, expired exceptions. Errors are
 * the same located PolicyErrors as schema errors, with `rule` naming the
 * check that failed.
 */
import type { PathSegment, PolicyError, YamlSource } from './yaml-schema.js';
import { errorAt, suggest } from './yaml-schema.js';
import { MODERATION_ACTIONS } from './schemas/common.js';
import { validatePolicyText } from './schemas/index.js';
import type {
  AccessPolicy,
  AnyPolicy,
  CategoryOverride,
  IncidentPolicy,
  ModerationAction,
  ModerationPolicy,
  PolicyException,
  RetentionSchedule,
  Threshold,
} from './schemas/types.js';

export interface SemanticOptions {
  /** The time exceptions are judged against (default: now). */
  now?: Date;
  /** Longest allowed exception, as an ISO 8601 duration (default P1Y). */
  maxExceptionDuration?: string;
  /** Enforcement-point ids of the loaded policies; when given, an exception must name one. */
  enforcementPoints?: ReadonlySet<string>;
}

/** Semantic rule ids, as they appear in `PolicyError.rule`. */
export const SEMANTIC_RULES = {
  unknownReference: 'unknown-reference',
  thresholdOrder: 'threshold-order',
  overrideNotLooser: 'override-not-looser',
  productionMfa: 'production-mfa',
  invalidPattern: 'invalid-pattern',
  selfApprovedJit: 'jit-self-approval',
  art33Deadline: 'gdpr-art33-deadline',
  duplicateId: 'duplicate-id',
  invalidDate: 'invalid-date',
  exceptionExpired: 'exception-expired',
  exceptionTooLong: 'exception-too-long',
  exceptionApprover: 'exception-approver-independent',
} as const;

export function checkPolicySemantics(source: YamlSource, policy: AnyPolicy, options: SemanticOptions = {}): PolicyError[] {
  switch (policy.kind) {
    case 'ModerationPolicy':
      return checkModeration(source, policy);
    case 'AccessPolicy':
      return checkAccess(source, policy);
    case 'RetentionSchedule':
      return checkRetention(source, policy);
    case 'IncidentPolicy':
      return checkIncident(source, policy);
    case 'Exception':
      return checkException(source, policy, options);
  }
}

// --- durations and dates

const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/**
 * An ISO 8601 duration in milliseconds, counting a year as 365 days and a
 * month as 30 days (good enough to compare periods; calendar arithmetic
 * belongs to the evaluator). Undefined when the text is not a duration.
 */
export function durationMs(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return undefined;
  const [y, mo, w, d, h, mi, s] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  const day = 86_400_000;
  return y * 365 * day + mo * 30 * day + w * 7 * day + d * day + h * 3_600_000 + mi * 60_000 + s * 1000;
}

/** A date or RFC 3339 timestamp as a Date; undefined when the calendar date does not exist. */
export function parseDate(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (!m) return undefined;
  const date = new Date(text.length === 10 ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(date.getTime())) return undefined;
  const check = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return check.getUTCMonth() === Number(m[2]) - 1 && check.getUTCDate() === Number(m[3]) ? date : undefined;
}

// --- ModerationPolicy

const severityOf = (a: ModerationAction): number => MODERATION_ACTIONS.indexOf(a);

/** The action the thresholds give a score: the highest `min_score` not above it wins. */
export function actionForScore(thresholds: readonly Threshold[], score: number, fallback: ModerationAction = 'allow'): ModerationAction {
  let best: Threshold | undefined;
  for (const t of thresholds) if (t.min_score <= score && (!best || t.min_score >= best.min_score)) best = t;
  return best ? best.action : fallback;
}

/** The first score at which `candidate` is milder than `base`, if any. */
export function firstLooserScore(base: readonly Threshold[], candidate: readonly Threshold[], fallback: ModerationAction = 'allow'): number | undefined {
  const points = [...new Set([0, ...base.map((t) => t.min_score), ...candidate.map((t) => t.min_score)])].sort((a, b) => a - b);
  return points.find((s) => severityOf(actionForScore(candidate, s, fallback)) < severityOf(actionForScore(base, s, fallback)));
}

function checkThresholdOrder(source: YamlSource, path: PathSegment[], thresholds: readonly Threshold[]): PolicyError[] {
  const errors: PolicyError[] = [];
  for (let i = 1; i < thresholds.length; i++) {
    const prev = thresholds[i - 1];
    const cur = thresholds[i];
    if (cur.min_score <= prev.min_score) {
      errors.push(errorAt(source, [...path, i, 'min_score'], `thresholds must be listed by increasing min_score (${cur.min_score} follows ${prev.min_score})`, SEMANTIC_RULES.thresholdOrder));
    } else if (severityOf(cur.action) < severityOf(prev.action)) {
      errors.push(
        errorAt(source, [...path, i, 'action'], `a higher score must not get a milder action: ${cur.action} at ${cur.min_score} is milder than ${prev.action} at ${prev.min_score}`, SEMANTIC_RULES.thresholdOrder),
      );
    }
  }
  return errors;
}

function checkModeration(source: YamlSource, policy: ModerationPolicy): PolicyError[] {
  const spec = policy.spec;
  const fallback = spec.default_action ?? 'allow';
  const declared = Object.keys(spec.categories);
  const errors: PolicyError[] = [];
  const unknownCategory = (path: PathSegment[], name: string, target: 'key' | 'value'): void => {
    if (!declared.includes(name)) {
      errors.push(
        errorAt(source, path, `category "${name}" is not defined in spec.categories (defined: ${declared.join(', ')})${suggest(name, declared)}`, SEMANTIC_RULES.unknownReference, 'semantic_error', target),
      );
    }
  };

  for (const [name, cat] of Object.entries(spec.categories)) {
    if (cat) errors.push(...checkThresholdOrder(source, ['spec', 'categories', name, 'thresholds'], cat.thresholds));
  }

  const checkOverrides = (base: PathSegment[], overrides: Partial<Record<string, CategoryOverride>>, who: string): void => {
    for (const [name, ov] of Object.entries(overrides)) {
      if (!ov) continue;
      const path = [...base, name];
      unknownCategory(path, name, 'key');
      const platform = spec.categories[name as keyof typeof spec.categories];
      if (ov.thresholds) errors.push(...checkThresholdOrder(source, [...path, 'thresholds'], ov.thresholds));
      if (!platform || platform.overridable !== false) continue;
      if (ov.thresholds) {
        const s = firstLooserScore(platform.thresholds, ov.thresholds, fallback);
        if (s !== undefined) {
          const mine = actionForScore(ov.thresholds, s, fallback);
          const theirs = actionForScore(platform.thresholds, s, fallback);
          errors.push(
            errorAt(
              source,
              [...path, 'thresholds'],
              `${who} is looser than the platform for non-overridable category "${name}": at score ${s} it gives ${mine} where the platform gives ${theirs}; overrides of this category may only be stricter`,
              SEMANTIC_RULES.overrideNotLooser,
            ),
          );
        }
      }
      if (ov.human_review === false && platform.human_review === true) {
        errors.push(
          errorAt(source, [...path, 'human_review'], `${who} turns off human review for non-overridable category "${name}", which the platform requires`, SEMANTIC_RULES.overrideNotLooser),
        );
      }
    }
  };
  for (const [tenant, ov] of Object.entries(spec.tenant_overrides ?? {})) {
    checkOverrides(['spec', 'tenant_overrides', tenant, 'categories'], ov.categories, `tenant override "${tenant}"`);
  }
  (spec.jurisdictions ?? []).forEach((j, i) => checkOverrides(['spec', 'jurisdictions', i, 'categories'], j.categories, `jurisdiction rule "${j.id}"`));

  (spec.human_review.categories ?? []).forEach((c, i) => unknownCategory(['spec', 'human_review', 'categories', i], c, 'value'));
  (spec.appeals.routes ?? []).forEach((r, i) => (r.categories ?? []).forEach((c, j) => unknownCategory(['spec', 'appeals', 'routes', i, 'categories', j], c, 'value')));
  errors.push(...duplicateIds(source, ['spec', 'jurisdictions'], spec.jurisdictions ?? []));
  return errors;
}

function duplicateIds(source: YamlSource, path: PathSegment[], items: readonly { id: string }[]): PolicyError[] {
  const seen = new Set<string>();
  const errors: PolicyError[] = [];
  items.forEach((item, i) => {
    if (seen.has(item.id)) errors.push(errorAt(source, [...path, i, 'id'], `id "${item.id}" is used more than once`, SEMANTIC_RULES.duplicateId));
    seen.add(item.id);
  });
  return errors;
}

// --- AccessPolicy

function checkAccess(source: YamlSource, policy: AccessPolicy): PolicyError[] {
  const spec = policy.spec;
  const roles = Object.keys(spec.roles);
  const envs = Object.keys(spec.environments);
  const errors: PolicyError[] = [];
  const ref = (kind: 'role' | 'environment', known: string[]) => (path: PathSegment[], name: string | undefined): void => {
    if (name !== undefined && !known.includes(name)) {
      errors.push(errorAt(source, path, `unknown ${kind} "${name}" (defined: ${known.join(', ')})${suggest(name, known)}`, SEMANTIC_RULES.unknownReference));
    }
  };
  const role = ref('role', roles);
  const env = ref('environment', envs);
  const roleList = (path: PathSegment[], names: readonly string[] | undefined): void => (names ?? []).forEach((n, i) => role([...path, i], n));

  for (const [name, r] of Object.entries(spec.roles)) {
    r.permissions.forEach((p, i) => p.environments.forEach((e, j) => env(['spec', 'roles', name, 'permissions', i, 'environments', j], e)));
  }
  (spec.mfa.required_for.environments ?? []).forEach((e, i) => env(['spec', 'mfa', 'required_for', 'environments', i], e));
  for (const [name, e] of Object.entries(spec.environments)) {
    const mfa = e.mfa_required === true || (spec.mfa.required_for.environments ?? []).includes(name);
    if (e.production && !mfa) {
      errors.push(errorAt(source, ['spec', 'environments', name], `production environment "${name}" must require MFA (set mfa_required: true or list it in spec.mfa.required_for.environments)`, SEMANTIC_RULES.productionMfa, 'semantic_error', 'key'));
    }
  }

  const bg = spec.break_glass;
  if (bg) {
    roleList(['spec', 'break_glass', 'eligible_roles'], bg.eligible_roles);
    role(['spec', 'break_glass', 'grants_role'], bg.grants_role);
    if (bg.ticket_pattern !== undefined) {
      try {
        new RegExp(bg.ticket_pattern);
      } catch (e) {
        errors.push(errorAt(source, ['spec', 'break_glass', 'ticket_pattern'], `ticket_pattern is not a valid regular expression: ${(e as Error).message}`, SEMANTIC_RULES.invalidPattern));
      }
    }
  }
  const jit = spec.jit;
  if (jit) {
    roleList(['spec', 'jit', 'grantable_roles'], jit.grantable_roles);
    roleList(['spec', 'jit', 'approver_roles'], jit.approver_roles);
    (jit.approver_roles ?? []).forEach((r, i) => {
      if ((jit.grantable_roles ?? []).includes(r)) {
        errors.push(errorAt(source, ['spec', 'jit', 'approver_roles', i], `role "${r}" may both receive and approve JIT grants; approvers must not approve grants of their own role`, SEMANTIC_RULES.selfApprovedJit));
      }
    });
  }
  (spec.separation_of_duties.conflicting_roles ?? []).forEach((c, i) => roleList(['spec', 'separation_of_duties', 'conflicting_roles', i, 'roles'], c.roles));
  roleList(['spec', 'review', 'reviewer_roles'], spec.review.reviewer_roles);
  return errors;
}

// --- RetentionSchedule

function checkRetention(source: YamlSource, policy: RetentionSchedule): PolicyError[] {
  const spec = policy.spec;
  const declared = Object.keys(spec.classes);
  const errors: PolicyError[] = [];
  const cls = (path: PathSegment[], name: string, target: 'key' | 'value' = 'value'): void => {
    if (!declared.includes(name)) {
      errors.push(errorAt(source, path, `data class "${name}" has no retention rule in spec.classes${suggest(name, declared)}`, SEMANTIC_RULES.unknownReference, 'semantic_error', target));
    }
  };
  for (const [name, hold] of Object.entries(spec.holds ?? {})) (hold.applies_to ?? []).forEach((c, i) => cls(['spec', 'holds', name, 'applies_to', i], c));
  (spec.regional_overrides ?? []).forEach((o, i) => Object.keys(o.classes).forEach((c) => cls(['spec', 'regional_overrides', i, 'classes', c], c, 'key')));
  spec.erasure.classes.forEach((c, i) => cls(['spec', 'erasure', 'classes', i], c));
  (spec.erasure.obligations ?? []).forEach((o, i) =>
    o.classes.forEach((c, j) => {
      const path = ['spec', 'erasure', 'obligations', i, 'classes', j];
      cls(path, c);
      if (declared.includes(c) && !spec.erasure.classes.includes(c)) {
        errors.push(errorAt(source, path, `obligation "${o.id}" keeps data class "${c}", which erasure requests do not reach (add it to spec.erasure.classes)`, SEMANTIC_RULES.unknownReference));
      }
    }),
  );
  errors.push(...duplicateIds(source, ['spec', 'erasure', 'obligations'], spec.erasure.obligations ?? []));
  return errors;
}

// --- IncidentPolicy

const ART33_MS = 72 * 3_600_000;

function checkIncident(source: YamlSource, policy: IncidentPolicy): PolicyError[] {
  const errors = duplicateIds(source, ['spec', 'notifications'], policy.spec.notifications);
  policy.spec.notifications.forEach((n, i) => {
    const within = n.deadline.within;
    if (n.to === 'supervisory_authority' && within !== undefined && (durationMs(within) ?? 0) > ART33_MS) {
      errors.push(
        errorAt(source, ['spec', 'notifications', i, 'deadline', 'within'], `supervisory-authority notification deadline ${within} exceeds the 72 hours of GDPR Art. 33(1)`, SEMANTIC_RULES.art33Deadline),
      );
    }
  });
  return errors;
}

// --- Exception

function checkException(source: YamlSource, policy: PolicyException, options: SemanticOptions): PolicyError[] {
  const spec = policy.spec;
  const errors: PolicyError[] = [];
  const granted = parseDate(spec.granted);
  const expires = parseDate(spec.expires);
  if (!granted) errors.push(errorAt(source, ['spec', 'granted'], `"${spec.granted}" is not a valid calendar date`, SEMANTIC_RULES.invalidDate));
  if (!expires) errors.push(errorAt(source, ['spec', 'expires'], `"${spec.expires}" is not a valid calendar date`, SEMANTIC_RULES.invalidDate));
  const now = options.now ?? new Date();
  if (expires && expires.getTime() <= now.getTime()) {
    errors.push(
      errorAt(source, ['spec', 'expires'], `exception for ${spec.rule} expired on ${spec.expires}; it no longer applies — renew it with a new ticket and approval, or delete the file`, SEMANTIC_RULES.exceptionExpired),
    );
  }
  if (granted && expires) {
    const max = options.maxExceptionDuration ?? 'P1Y';
    const span = expires.getTime() - granted.getTime();
    if (span <= 0) errors.push(errorAt(source, ['spec', 'expires'], `expires (${spec.expires}) must be after granted (${spec.granted})`, SEMANTIC_RULES.invalidDate));
    else if (span > (durationMs(max) ?? Infinity)) {
      errors.push(errorAt(source, ['spec', 'expires'], `exception lasts longer than the allowed ${max} (granted ${spec.granted}, expires ${spec.expires})`, SEMANTIC_RULES.exceptionTooLong));
    }
  }
  if (spec.approver.toLowerCase() === policy.metadata.owner.toLowerCase()) {
    errors.push(errorAt(source, ['spec', 'approver'], `the approver must not be the exception's owner (${policy.metadata.owner})`, SEMANTIC_RULES.exceptionApprover));
  }
  if (options.enforcementPoints && !options.enforcementPoints.has(spec.rule)) {
    const known = [...options.enforcementPoints];
    errors.push(errorAt(source, ['spec', 'rule'], `no loaded policy has enforcement point "${spec.rule}"${suggest(spec.rule, known)}`, SEMANTIC_RULES.unknownReference));
  }
  return errors;
}

/** Parse, schema-check and semantically check one policy file: every located error, in position order. */
export function checkPolicyText(text: string, file: string, options: SemanticOptions = {}): { policy?: AnyPolicy; errors: PolicyError[] } {
  const { source, policy, errors } = validatePolicyText(text, file);
  if (!source || !policy) return { errors };
  const semantic = checkPolicySemantics(source, policy, options).sort((a, b) => a.line - b.line || a.col - b.col);
  return semantic.length === 0 ? { policy, errors: [] } : { errors: semantic };
}
