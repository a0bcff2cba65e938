/**
 * ModerationPolicy: classifier scores per category → actions, with tenant
 * overrides, jurisdiction rules, categories that always need a human, and
 * appeal routing.
 *
 * Thresholds: the action of the highest `min_score` not above the score
 * applies; below every threshold, `default_action` (allow) applies.
 */
import type { JsonSchema } from '../yaml-schema.js';
import { boolean, category, duration, envelope, listOf, mapOf, moderationAction, region, score, slug, str, strictObject, tenantId } from './common.js';

const threshold = strictObject({ min_score: score, action: moderationAction }, ['min_score', 'action']);

export const thresholds: JsonSchema = { type: 'array', items: threshold, minItems: 1 };

const categoryPolicy = strictObject(
  {
    description: str,
    // false: tenants and jurisdictions may only make this category stricter.
    overridable: boolean,
    thresholds,
    // true: every decision in this category that is not "allow" goes to a human.
    human_review: boolean,
  },
  ['thresholds'],
);

const categoryOverride = strictObject({ thresholds, human_review: boolean }, [], { minProperties: 1 });

const categoryOverrides = mapOf('category', category, categoryOverride);

const tenantOverride = strictObject(
  {
    categories: categoryOverrides,
    reason: str,
    ticket: str,
  },
  ['categories'],
);

const jurisdiction = strictObject(
  {
    id: slug,
    regions: listOf(region),
    categories: categoryOverrides,
    legal_basis: str,
    // Report confirmed cases to this authority (for example a national hotline).
    report_to: str,
  },
  ['id', 'regions', 'categories', 'legal_basis'],
);

const humanReview = strictObject(
  {
    // Decisions in these categories always require human review.
    categories: listOf(category),
    // Decisions with these actions always require human review.
    actions: listOf(moderationAction),
  },
  [],
  { minProperties: 1 },
);

const appealRoute = strictObject(
  {
    categories: listOf(category),
    actions: listOf(moderationAction),
    queue: slug,
    reviewer_role: slug,
    sla: duration,
    // The reviewer who made the original decision may not decide the appeal.
    exclude_original_reviewer: boolean,
  },
  ['queue', 'sla'],
  { anyOf: [{ required: ['categories'] }, { required: ['actions'] }], 'x-expected': 'a route with "categories" or "actions" to match' },
);

const appeals = strictObject(
  {
    window: duration,
    default_queue: slug,
    default_sla: duration,
    routes: { type: 'array', items: appealRoute },
  },
  ['window', 'default_queue', 'default_sla'],
);

export const moderationSpec = strictObject(
  {
    default_action: moderationAction,
    categories: mapOf('category', category, categoryPolicy),
    tenant_overrides: mapOf('tenant', tenantId, tenantOverride, 0),
    jurisdictions: { type: 'array', items: jurisdiction },
    human_review: humanReview,
    appeals,
  },
  ['categories', 'human_review', 'appeals'],
);

export const moderationPolicySchema = envelope('ModerationPolicy', moderationSpec);
