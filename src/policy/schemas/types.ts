/**
 * TypeScript shapes of validated policy documents (what the schemas accept).
 * The YAML→Rego compiler and the semantic checks read these.
 */
import type { ACCESS_ACTIONS, DATA_CLASSES, MODERATION_ACTIONS, MODERATION_CATEGORIES, PolicyKind, RESOURCES, RISK_LEVELS, SEVERITIES } from './common.js';
import type { END_ACTIONS, OBLIGATION_CONDITIONS, RETENTION_EVENTS } from './retention.js';
import type { RECIPIENTS } from './incident.js';

export type Category = (typeof MODERATION_CATEGORIES)[number];
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];
export type DataClass = (typeof DATA_CLASSES)[number];
export type Resource = (typeof RESOURCES)[number];
export type AccessAction = (typeof ACCESS_ACTIONS)[number];
export type Severity = (typeof SEVERITIES)[number];
export type RiskLevel = (typeof RISK_LEVELS)[number];
/** ISO 8601 duration text, e.g. "P30D". */
export type Duration = string;

export interface Metadata {
  name: string;
  owner: string;
  description: string;
  labels?: Record<string, string>;
}

export interface PolicyDocument<K extends PolicyKind, S> {
  apiVersion: 'attest/v1';
  kind: K;
  metadata: Metadata;
  spec: S;
}

// --- ModerationPolicy

export interface Threshold {
  min_score: number;
  action: ModerationAction;
}
export interface CategoryPolicy {
  description?: string;
  overridable?: boolean;
  thresholds: Threshold[];
  human_review?: boolean;
}
export interface CategoryOverride {
  thresholds?: Threshold[];
  human_review?: boolean;
}
export interface TenantOverride {
  categories: Partial<Record<Category, CategoryOverride>>;
  reason?: string;
  ticket?: string;
}
export interface JurisdictionRule {
  id: string;
  regions: string[];
  categories: Partial<Record<Category, CategoryOverride>>;
  legal_basis: string;
  report_to?: string;
}
export interface AppealRoute {
  categories?: Category[];
  actions?: ModerationAction[];
  queue: string;
  reviewer_role?: string;
  sla: Duration;
  exclude_original_reviewer?: boolean;
}
export interface ModerationSpec {
  default_action?: ModerationAction;
  categories: Partial<Record<Category, CategoryPolicy>>;
  tenant_overrides?: Record<string, TenantOverride>;
  jurisdictions?: JurisdictionRule[];
  human_review: { categories?: Category[]; actions?: ModerationAction[] };
  appeals: { window: Duration; default_queue: string; default_sla: Duration; routes?: AppealRoute[] };
}
export type ModerationPolicy = PolicyDocument<'ModerationPolicy', ModerationSpec>;

// --- AccessPolicy

export interface Permission {
  resource: Resource;
  actions: AccessAction[];
  environments: string[];
}
export interface Role {
  description: string;
  scope: 'tenant' | 'platform';
  permissions: Permission[];
  privileged?: boolean;
}
export interface Environment {
  description?: string;
  production: boolean;
  mfa_required?: boolean;
  jit_required?: boolean;
}
export interface AccessSpec {
  roles: Record<string, Role>;
  environments: Record<string, Environment>;
  mfa: {
    required_for: { environments?: string[]; actions?: AccessAction[]; resources?: Resource[] };
    max_age: Duration;
    methods?: ('webauthn' | 'totp' | 'push')[];
  };
  break_glass?: {
    enabled: boolean;
    eligible_roles?: string[];
    grants_role?: string;
    ticket_pattern?: string;
    max_duration?: Duration;
    notify?: string[];
  };
  jit?: {
    enabled: boolean;
    grantable_roles?: string[];
    approver_roles?: string[];
    max_duration?: Duration;
    require_ticket?: boolean;
  };
  separation_of_duties: {
    no_self_approval?: { resource: Resource; action: AccessAction; description?: string }[];
    conflicting_roles?: { roles: string[]; reason: string }[];
  };
  review: { period: Duration; grace?: Duration; applies_to: 'all' | 'privileged'; reviewer_roles?: string[] };
}
export type AccessPolicy = PolicyDocument<'AccessPolicy', AccessSpec>;

// --- RetentionSchedule

export type RetentionEvent = (typeof RETENTION_EVENTS)[number];
export type EndAction = (typeof END_ACTIONS)[number];
export interface ClassRule {
  description?: string;
  period: Duration;
  from: RetentionEvent;
  action: EndAction;
  archive_to?: string;
}
export interface Hold {
  description: string;
  applies_to?: DataClass[];
  require_ticket: boolean;
  approver_roles?: string[];
  review_every?: Duration;
}
export interface ErasureObligation {
  id: string;
  classes: DataClass[];
  condition: (typeof OBLIGATION_CONDITIONS)[number];
  reason: string;
  legal_basis: string;
  keep_for?: Duration;
}
export interface RetentionSpec {
  classes: Partial<Record<DataClass, ClassRule>>;
  holds?: Record<string, Hold>;
  regional_overrides?: { regions: string[]; classes: Partial<Record<DataClass, Partial<ClassRule>>>; legal_basis: string }[];
  erasure: { deadline: Duration; classes: DataClass[]; obligations?: ErasureObligation[]; notify_recipients?: boolean };
}
export type RetentionSchedule = PolicyDocument<'RetentionSchedule', RetentionSpec>;

// --- IncidentPolicy

export interface IncidentConditions {
  personal_data?: boolean;
  min_severity?: Severity;
  min_risk?: RiskLevel;
  data_classes_any?: DataClass[];
  regions_any?: string[];
  tenants_affected?: boolean;
  data_encrypted?: boolean;
}
export interface NotificationRule {
  id: string;
  to: (typeof RECIPIENTS)[number];
  when: IncidentConditions;
  unless?: IncidentConditions;
  deadline: { within?: Duration; within_data?: string; from: 'discovered_at' | 'confirmed_at' };
  reference: string;
}
export interface IncidentSpec {
  risk: { high_when: IncidentConditions[]; none_when?: IncidentConditions[] };
  notifications: NotificationRule[];
  authorities?: Record<string, string>;
}
export type IncidentPolicy = PolicyDocument<'IncidentPolicy', IncidentSpec>;

// --- Exception

export interface ExceptionSpec {
  rule: string;
  scope: {
    tenants?: string[];
    subjects?: string[];
    roles?: string[];
    resources?: Resource[];
    environments?: string[];
    categories?: Category[];
    data_classes?: DataClass[];
    regions?: string[];
  };
  reason: string;
  approver: string;
  ticket: string;
  granted: string;
  expires: string;
}
export type PolicyException = PolicyDocument<'Exception', ExceptionSpec>;

export type AnyPolicy = ModerationPolicy | AccessPolicy | RetentionSchedule | IncidentPolicy | PolicyException;
