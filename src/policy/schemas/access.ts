/**
 * AccessPolicy: roles → permissions on resources, tenant boundary (roles with
 * `scope: platform` may cross it), environment segmentation, MFA, break-glass,
 * just-in-time grants, separation of duties and periodic access review.
 */
import type { JsonSchema } from '../yaml-schema.js';
import { accessAction, boolean, envelope, duration, enumOf, listOf, mapOf, resource, slug, str, strictObject } from './common.js';

const permission = strictObject(
  {
    resource,
    actions: listOf(accessAction),
    // Environments where the permission holds; a staging grant never opens production.
    environments: listOf(slug),
  },
  ['resource', 'actions', 'environments'],
);

const role = strictObject(
  {
    description: str,
    // tenant: acts only inside the subject's own tenant; platform: may act across tenants.
    scope: enumOf(['tenant', 'platform']),
    permissions: { type: 'array', items: permission, minItems: 1 },
    // Privileged roles are reviewed and logged more strictly.
    privileged: boolean,
  },
  ['description', 'scope', 'permissions'],
);

const environment = strictObject(
  {
    description: str,
    production: boolean,
    mfa_required: boolean,
    // Access needs an active just-in-time grant (standing access is not enough).
    jit_required: boolean,
  },
  ['production'],
);

const mfa = strictObject(
  {
    required_for: strictObject(
      {
        environments: listOf(slug),
        actions: listOf(accessAction),
        resources: listOf(resource),
      },
      [],
      { minProperties: 1 },
    ),
    // How long an MFA authentication stays valid for these checks.
    max_age: duration,
    methods: listOf(enumOf(['webauthn', 'totp', 'push'])),
  },
  ['required_for', 'max_age'],
);

const breakGlass = strictObject(
  {
    enabled: boolean,
    // Roles allowed to invoke break-glass, and the role it grants while active.
    eligible_roles: listOf(slug),
    grants_role: slug,
    ticket_pattern: str,
    max_duration: duration,
    notify: listOf(str),
  },
  ['enabled'],
  {
    if: { properties: { enabled: { const: true } }, required: ['enabled'] },
    then: { required: ['eligible_roles', 'grants_role', 'ticket_pattern', 'max_duration', 'notify'] },
  },
);

const jit = strictObject(
  {
    enabled: boolean,
    grantable_roles: listOf(slug),
    approver_roles: listOf(slug),
    max_duration: duration,
    require_ticket: boolean,
  },
  ['enabled'],
  {
    if: { properties: { enabled: { const: true } }, required: ['enabled'] },
    then: { required: ['grantable_roles', 'approver_roles', 'max_duration'] },
  },
);

const separationOfDuties = strictObject(
  {
    // Nobody performs `action` on a `resource` item they authored or requested.
    no_self_approval: {
      type: 'array',
      items: strictObject({ resource, action: accessAction, description: str }, ['resource', 'action']),
    },
    // Nobody holds all of these roles at once.
    conflicting_roles: {
      type: 'array',
      items: strictObject({ roles: listOf(slug, 2), reason: str }, ['roles', 'reason']),
    },
  },
  [],
  { minProperties: 1 },
);

const review = strictObject(
  {
    // Grants not reviewed within this period are denied.
    period: duration,
    // Extra time after the period before denial starts.
    grace: duration,
    applies_to: enumOf(['all', 'privileged']),
    reviewer_roles: listOf(slug),
  },
  ['period', 'applies_to'],
);

export const accessSpec: JsonSchema = strictObject(
  {
    roles: mapOf('role', slug, role),
    environments: mapOf('environment', slug, environment),
    mfa,
    break_glass: breakGlass,
    jit,
    separation_of_duties: separationOfDuties,
    review,
  },
  ['roles', 'environments', 'mfa', 'separation_of_duties', 'review'],
);

export const accessPolicySchema = envelope('AccessPolicy', accessSpec);
