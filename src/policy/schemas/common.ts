/**
 * Building blocks shared by the policy-kind schemas. Each kind's schema is a
 * self-contained draft 2020-12 document assembled from these constants (no
 * cross-document $ref), so ajv error paths stay simple to locate.
 */
import type { JsonSchema } from '../yaml-schema.js';

export const API_VERSION = 'attest/v1';

/** Classifier output categories (the moderation taxonomy). */
export const MODERATION_CATEGORIES = [
  'csam',
  'violent_extremism',
  'hate',
  'harassment',
  'self_harm',
  'sexual',
  'violence',
  'spam',
  'pii',
] as const;

/** Moderation actions, mildest first; the order is the strictness order. */
export const MODERATION_ACTIONS = ['allow', 'label', 'hold_for_review', 'block', 'block_and_report'] as const;

/** Data classes known to retention, incident and exception policies. */
export const DATA_CLASSES = [
  'moderation_content',
  'moderation_decision',
  'appeal',
  'account_pii',
  'auth_logs',
  'usage_metrics',
  'billing_records',
  'security_logs',
  'decision_log',
  'admin_audit_log',
] as const;

/** Resources that access policies grant permissions on. */
export const RESOURCES = ['moderation_content', 'account_data', 'usage_metrics', 'policies', 'reports', 'production_systems'] as const;

export const ACCESS_ACTIONS = ['read', 'write', 'delete', 'export', 'approve', 'deploy', 'admin'] as const;

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

export const RISK_LEVELS = ['none', 'low', 'high'] as const;

export const str: JsonSchema = { type: 'string', minLength: 1 };

export const boolean: JsonSchema = { type: 'boolean' };

export const slug: JsonSchema = {
  type: 'string',
  pattern: '^[a-z][a-z0-9_]*$',
  'x-expected': 'a lower-case identifier such as "trust_safety" (letters, digits, _)',
};

export const tenantId: JsonSchema = {
  type: 'string',
  pattern: '^[a-z0-9][a-z0-9_-]*$',
  'x-expected': 'a tenant id such as "acme" (lower-case letters, digits, - and _)',
};

/** ISO 3166-1 alpha-2 country (optionally with a subdivision), or EU / EEA. */
export const region: JsonSchema = {
  type: 'string',
  pattern: '^([A-Z]{2}(-[A-Z0-9]{1,3})?|EU|EEA)$',
  'x-expected': 'a region code such as "DE", "US-CA", "EU" or "EEA"',
};

/** ISO 8601 durations without fractions: P30D, P7Y, PT72H, P1DT12H. */
export const duration: JsonSchema = {
  type: 'string',
  pattern: '^P(?=\\d|T\\d)(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+S)?)?$',
  'x-expected': 'an ISO 8601 duration such as "P30D", "P7Y" or "PT72H"',
};

/** A date (2025-06-30) or an RFC 3339 timestamp; calendar validity is a semantic check. */
export const dateOrTimestamp: JsonSchema = {
  type: 'string',
  pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$',
  'x-expected': 'a date "2025-06-30" or a timestamp "2025-06-30T12:00:00Z"',
};

/** Enforcement-point ids: `<domain>.<rule>`, as in a Rego rule's `custom.id`. */
export const enforcementPointId: JsonSchema = {
  type: 'string',
  pattern: '^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$',
  'x-expected': 'an enforcement-point id such as "access.mfa_required"',
};

export const score: JsonSchema = { type: 'number', minimum: 0, maximum: 1 };

export function enumOf(values: readonly string[], expected?: string): JsonSchema {
  return expected ? { type: 'string', enum: [...values], 'x-expected': expected } : { type: 'string', enum: [...values] };
}

export function listOf(item: JsonSchema, minItems = 1): JsonSchema {
  return { type: 'array', items: item, minItems, uniqueItems: true };
}

/** A mapping whose keys are checked by `keys` (named `name` in messages) and whose values match `value`. */
export function mapOf(name: string, keys: JsonSchema, value: JsonSchema, minProperties = 1): JsonSchema {
  return { type: 'object', propertyNames: { ...keys, 'x-name': name }, additionalProperties: value, minProperties };
}

export function strictObject(properties: Record<string, JsonSchema>, required: string[] = [], extra: JsonSchema = {}): JsonSchema {
  return { type: 'object', properties, required, additionalProperties: false, ...extra };
}

export const category = enumOf(MODERATION_CATEGORIES);
export const moderationAction = enumOf(MODERATION_ACTIONS);
export const dataClass = enumOf(DATA_CLASSES);
export const resource = enumOf(RESOURCES);
export const accessAction = enumOf(ACCESS_ACTIONS);
export const severity = enumOf(SEVERITIES);

export const metadata = strictObject(
  {
    name: {
      type: 'string',
      pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$',
      maxLength: 63,
      'x-expected': 'a name such as "platform-moderation" (lower-case letters, digits and -)',
    },
    owner: str,
    description: str,
    labels: { type: 'object', additionalProperties: { type: 'string' } },
  },
  ['name', 'owner', 'description'],
);

export const POLICY_KINDS = ['ModerationPolicy', 'AccessPolicy', 'RetentionSchedule', 'IncidentPolicy', 'Exception'] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

/** The envelope every policy file shares; `spec` is checked by the kind's schema. */
export function envelope(kind: PolicyKind | null, spec: JsonSchema): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://attest.dev/schemas/policy/${kind ?? 'envelope'}.json`,
    type: 'object',
    properties: {
      apiVersion: { const: API_VERSION, 'x-expected': `"${API_VERSION}"` },
      kind: kind ? { const: kind, 'x-expected': `"${kind}"` } : enumOf(POLICY_KINDS),
      metadata,
      spec,
    },
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    additionalProperties: false,
  };
}
