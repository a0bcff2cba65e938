/**
 * Schemas of the YAML policy kinds and validation by kind.
 */
import type { JsonSchema, YamlSource } from '../yaml-schema.js';
import { PolicyError, parseYaml, validateSource } from '../yaml-schema.js';
import { POLICY_KINDS, envelope } from './common.js';
import type { PolicyKind } from './common.js';
import { moderationPolicySchema } from './moderation.js';
import { accessPolicySchema } from './access.js';
import { retentionScheduleSchema } from './retention.js';
import { incidentPolicySchema } from './incident.js';
import { exceptionSchema } from './exception.js';
import type { AnyPolicy } from './types.js';

export * from './common.js';
export type * from './types.js';
export { moderationPolicySchema, accessPolicySchema, retentionScheduleSchema, incidentPolicySchema, exceptionSchema };

const byKind: Record<PolicyKind, JsonSchema> = {
  ModerationPolicy: moderationPolicySchema,
  AccessPolicy: accessPolicySchema,
  RetentionSchedule: retentionScheduleSchema,
  IncidentPolicy: incidentPolicySchema,
  Exception: exceptionSchema,
};

/** The envelope alone (any known kind, spec unchecked): used when the kind itself is wrong. */
export const envelopeSchema: JsonSchema = envelope(null, { type: 'object' });

export function isPolicyKind(k: unknown): k is PolicyKind {
  return typeof k === 'string' && (POLICY_KINDS as readonly string[]).includes(k);
}

export function schemaForKind(kind: PolicyKind): JsonSchema {
  return byKind[kind];
}

export interface ValidatedPolicy {
  source: YamlSource;
  /** Set only when there were no errors. */
  policy?: AnyPolicy;
  errors: PolicyError[];
}

/**
 * Validates a parsed YAML policy document against the schema of its `kind`
 * (or, when the kind is missing or unknown, against the common envelope so
 * that the error names the allowed kinds).
 */
export function validatePolicyDocument(source: YamlSource): ValidatedPolicy {
  const value = source.value;
  const kind = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>).kind : undefined;
  const schema = isPolicyKind(kind) ? byKind[kind] : envelopeSchema;
  const errors = validateSource(source, schema);
  return errors.length === 0 && isPolicyKind(kind) ? { source, policy: value as AnyPolicy, errors } : { source, errors };
}

/** Parses and validates policy YAML text; `source` is absent when the YAML itself is broken. */
export function validatePolicyText(text: string, file: string): { source?: YamlSource; policy?: AnyPolicy; errors: PolicyError[] } {
  const parsed = parseYaml(text, file);
  if (!parsed.source) return { errors: parsed.errors };
  return validatePolicyDocument(parsed.source);
}
