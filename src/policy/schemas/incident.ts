/**
 * IncidentPolicy: from incident facts (personal data involved, data classes,
 * tenants and regions affected, severity, discovered_at) decide whether an
 * incident is reportable, to whom, and by when.
 *
 * Each notification rule fires when all of its `when` conditions hold and
 * none of its `unless` conditions hold. Deadlines count from `from` (the
 * incident fact) by a fixed duration, or by a duration held in data (a
 * customer's contractual window), falling back to `within`.
 */
import type { JsonSchema } from '../yaml-schema.js';
import { RISK_LEVELS, boolean, dataClass, duration, enumOf, envelope, listOf, mapOf, region, severity, slug, str, strictObject } from './common.js';

export const RECIPIENTS = ['supervisory_authority', 'data_subjects', 'customers'] as const;

const conditions = strictObject(
  {
    personal_data: boolean,
    min_severity: severity,
    min_risk: enumOf(RISK_LEVELS),
    data_classes_any: listOf(dataClass),
    regions_any: listOf(region),
    tenants_affected: boolean,
    // The affected data was unintelligible to the attacker (GDPR Art. 34(3)(a)).
    data_encrypted: boolean,
  },
  [],
  { minProperties: 1 },
);

const dataPath = {
  type: 'string',
  pattern: '^[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)*$',
  'x-expected': 'a data path such as "contracts.notification_window"',
};

const deadline = strictObject(
  {
    within: duration,
    // Path under `data` to a per-tenant duration; `within` is the fallback.
    within_data: dataPath,
    from: enumOf(['discovered_at', 'confirmed_at']),
  },
  ['from'],
  {
    anyOf: [{ required: ['within'] }, { required: ['within_data'] }],
    'x-expected': 'a deadline with "within" (a duration) or "within_data" (a data path)',
  },
);

const notification = strictObject(
  {
    id: slug,
    to: enumOf(RECIPIENTS),
    when: conditions,
    unless: conditions,
    deadline,
    reference: str,
  },
  ['id', 'to', 'when', 'deadline', 'reference'],
);

const risk = strictObject(
  {
    // Risk is high when any of these condition sets holds, none when any of `none_when` holds, else low.
    high_when: { type: 'array', items: conditions, minItems: 1 },
    none_when: { type: 'array', items: conditions },
  },
  ['high_when'],
);

export const incidentSpec: JsonSchema = strictObject(
  {
    risk,
    notifications: { type: 'array', items: notification, minItems: 1 },
    // Who receives authority notifications, per region of the affected data subjects.
    authorities: mapOf('region', region, str, 0),
  },
  ['risk', 'notifications'],
);

export const incidentPolicySchema = envelope('IncidentPolicy', incidentSpec);
