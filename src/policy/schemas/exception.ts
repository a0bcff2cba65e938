/**
 * Exception: a time-boxed waiver of one enforcement point for one scope.
 * It applies only while unexpired; a decision that relies on it says so.
 */
import type { JsonSchema } from '../yaml-schema.js';
import { category, dataClass, dateOrTimestamp, enforcementPointId, envelope, listOf, region, resource, slug, str, strictObject, tenantId } from './common.js';

const scope = strictObject(
  {
    tenants: listOf(tenantId),
    subjects: listOf(str),
    roles: listOf(slug),
    resources: listOf(resource),
    environments: listOf(slug),
    categories: listOf(category),
    data_classes: listOf(dataClass),
    regions: listOf(region),
  },
  [],
  { minProperties: 1 },
);

export const exceptionSpec: JsonSchema = strictObject(
  {
    rule: enforcementPointId,
    scope,
    reason: { type: 'string', minLength: 20, 'x-expected': 'a reason of at least 20 characters' },
    approver: str,
    ticket: {
      type: 'string',
      pattern: '^[A-Z][A-Z0-9]+-[0-9]+$',
      'x-expected': 'a ticket reference such as "SEC-1234"',
    },
    granted: dateOrTimestamp,
    expires: dateOrTimestamp,
  },
  ['rule', 'scope', 'reason', 'approver', 'ticket', 'granted', 'expires'],
);

export const exceptionSchema = envelope('Exception', exceptionSpec);
