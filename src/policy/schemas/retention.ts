/**
 * RetentionSchedule: per data class, how long it is kept, from which event,
 * and what happens at the end; holds that suspend the end action; regional
 * overrides; and erasure requests (GDPR Art. 17) with the obligations that
 * require restricting instead of erasing.
 */
import type { JsonSchema } from '../yaml-schema.js';
import { boolean, dataClass, duration, enumOf, envelope, listOf, mapOf, region, slug, str, strictObject } from './common.js';

export const RETENTION_EVENTS = ['creation', 'case_closure', 'account_deletion', 'last_activity'] as const;
export const END_ACTIONS = ['delete', 'anonymize', 'archive'] as const;
export const OBLIGATION_CONDITIONS = ['always', 'open_security_investigation', 'open_legal_claim', 'unpaid_balance'] as const;

const classRule = strictObject(
  {
    description: str,
    period: duration,
    from: enumOf(RETENTION_EVENTS),
    action: enumOf(END_ACTIONS),
    // Where an archived copy goes (only meaningful with action: archive).
    archive_to: str,
  },
  ['period', 'from', 'action'],
  {
    if: { properties: { action: { const: 'archive' } }, required: ['action'] },
    then: { required: ['archive_to'] },
  },
);

const classOverride = strictObject(
  { period: duration, from: enumOf(RETENTION_EVENTS), action: enumOf(END_ACTIONS), archive_to: str },
  [],
  { minProperties: 1 },
);

const hold = strictObject(
  {
    description: str,
    // Data classes the hold can suspend; omitted means every class.
    applies_to: listOf(dataClass),
    require_ticket: boolean,
    approver_roles: listOf(slug),
    // A hold lapses unless renewed within this period.
    review_every: duration,
  },
  ['description', 'require_ticket'],
);

const regionalOverride = strictObject(
  {
    regions: listOf(region),
    classes: mapOf('data class', dataClass, classOverride),
    legal_basis: str,
  },
  ['regions', 'classes', 'legal_basis'],
);

const obligation = strictObject(
  {
    id: slug,
    classes: listOf(dataClass),
    condition: enumOf(OBLIGATION_CONDITIONS),
    reason: str,
    legal_basis: str,
    // How long the restricted record may be kept; omitted means the class's own period.
    keep_for: duration,
  },
  ['id', 'classes', 'condition', 'reason', 'legal_basis'],
);

const erasure = strictObject(
  {
    // Time allowed to complete an erasure request (GDPR Art. 12(3): one month).
    deadline: duration,
    // Classes an erasure request reaches (the data subject's personal data).
    classes: listOf(dataClass),
    obligations: { type: 'array', items: obligation },
    // Recipients to tell about the erasure (GDPR Art. 19).
    notify_recipients: boolean,
  },
  ['deadline', 'classes'],
);

export const retentionSpec: JsonSchema = strictObject(
  {
    classes: mapOf('data class', dataClass, classRule),
    holds: mapOf('hold', slug, hold, 0),
    regional_overrides: { type: 'array', items: regionalOverride },
    erasure,
  },
  ['classes', 'erasure'],
);

export const retentionScheduleSchema = envelope('RetentionSchedule', retentionSpec);
