/**
 * YAML policy documents → Rego modules.
 *
 * The split: YAML carries an organisation's settings, Rego carries the logic.
 * Each validated document becomes a data-only Rego module under
 * `data.attest.config` (`ModerationPolicy` → `data.attest.config.moderation`,
 * an `Exception` named n → `data.attest.config.exceptions[n]`), with the
 * defaults of omitted fields filled in so the hand-written policies in
 * `policies/<domain>/` read every setting without `object.get`. Durations
 * stay ISO 8601 text (the policies convert them with calendar arithmetic).
 */
import type { Module } from '../rego/index.js';
import { CompileError, parseModule } from '../rego/index.js';
import type { PolicyDocumentFile } from './loader.js';
import { regoLiteral, type Literal } from './rego-literal.js';
import { PolicyError, PolicyErrors, errorAt, type YamlSource } from './yaml-schema.js';
import { validatePolicyText } from './schemas/index.js';
import type { AccessSpec, AnyPolicy, ExceptionSpec, IncidentSpec, ModerationSpec, RetentionSpec } from './schemas/types.js';
import { checkPolicySemantics, parseDate, type SemanticOptions } from './yaml-semantics.js';

/** Package of the compiled settings of each singleton kind. */
export const CONFIG_PACKAGES = {
  ModerationPolicy: ['attest', 'config', 'moderation'],
  AccessPolicy: ['attest', 'config', 'access'],
  RetentionSchedule: ['attest', 'config', 'retention'],
  IncidentPolicy: ['attest', 'config', 'incident'],
} as const;

/** Rule ids of the checks this compiler adds to the schema and semantic checks. */
export const COMPILE_RULES = {
  singlePolicyPerKind: 'single-policy-per-kind',
  exceptionNotWaivable: 'exception-not-waivable',
} as const;

export interface CompileOptions extends SemanticOptions {
  /**
   * Enforcement points that an Exception may waive (rules marked
   * `custom.waivable: true`). When given, an Exception naming any other rule
   * is an error.
   */
  waivable?: ReadonlySet<string>;
}

/** One YAML document and the Rego generated from it. */
export interface CompiledDocument {
  file: string;
  kind: AnyPolicy['kind'];
  name: string;
  /** The generated module's file name: the YAML file with `.rego` appended. */
  regoFile: string;
  rego: string;
  module: Module;
}

/**
 * All problems of a set of YAML policy documents. The message has one line
 * per problem: `file:line:col: code [rule]: detail`.
 */
export class PolicyCompileError extends PolicyErrors {
  readonly code = 'policy_error';
  constructor(errors: PolicyError[]) {
    super(errors);
    this.name = 'PolicyCompileError';
    this.message = errors.map(formatPolicyError).join('\n');
  }
}

/** `file:line:col: schema_error [type]: spec.x must be …` */
export function formatPolicyError(e: PolicyError): string {
  return `${e.file}:${e.line}:${e.col}: ${e.code}${e.rule ? ` [${e.rule}]` : ''}: ${e.detail}`;
}

/** Validates and compiles every document; throws PolicyCompileError listing every problem. */
export function compileYamlDocuments(docs: readonly PolicyDocumentFile[], opts: CompileOptions = {}): CompiledDocument[] {
  const errors: PolicyError[] = [];
  const out: CompiledDocument[] = [];
  const seenKind = new Map<string, string>();
  for (const doc of docs) {
    const { source, policy, errors: schemaErrors } = validatePolicyText(doc.source, doc.file);
    if (!source || !policy) {
      errors.push(...schemaErrors);
      continue;
    }
    const problems = checkPolicySemantics(source, policy, opts);
    problems.push(...compilerChecks(source, policy, opts, seenKind));
    if (problems.length) {
      errors.push(...problems.sort((a, b) => a.line - b.line || a.col - b.col));
      continue;
    }
    out.push(compilePolicy(doc.file, policy));
  }
  if (errors.length) throw new PolicyCompileError(errors);
  return out;
}

function compilerChecks(source: YamlSource, policy: AnyPolicy, opts: CompileOptions, seenKind: Map<string, string>): PolicyError[] {
  const errors: PolicyError[] = [];
  if (policy.kind !== 'Exception') {
    const first = seenKind.get(policy.kind);
    if (first !== undefined) {
      errors.push(
        errorAt(source, ['kind'], `a policy tree holds one ${policy.kind}; ${first} already defines it (merge the two files)`, COMPILE_RULES.singlePolicyPerKind),
      );
    } else {
      seenKind.set(policy.kind, source.file);
    }
  } else if (opts.waivable && (!opts.enforcementPoints || opts.enforcementPoints.has(policy.spec.rule)) && !opts.waivable.has(policy.spec.rule)) {
    errors.push(
      errorAt(
        source,
        ['spec', 'rule'],
        `enforcement point ${policy.spec.rule} cannot be waived by an exception (waivable: ${[...opts.waivable].sort().join(', ')})`,
        COMPILE_RULES.exceptionNotWaivable,
      ),
    );
  }
  return errors;
}

/** Generates and parses the Rego of one validated, checked document. */
export function compilePolicy(file: string, policy: AnyPolicy): CompiledDocument {
  const rego = generateRego(file, policy);
  const regoFile = `${file}.rego`;
  let module: Module;
  try {
    module = parseModule(rego, regoFile, { regoVersion: 1 });
  } catch (e) {
    // The generator writes only literals; a parse error here is a bug in attest, not in the YAML.
    const detail = e instanceof CompileError ? e.message : String(e);
    throw new Error(`internal error: the Rego generated from ${file} does not parse: ${detail}`);
  }
  return { file, kind: policy.kind, name: policy.metadata.name, regoFile, rego, module };
}

// ---------------------------------------------------------------------------
// Code generation

function header(file: string, policy: AnyPolicy): string[] {
  const lines = [
    `# Generated by attest from ${file} — do not edit; change the YAML and rebuild.`,
    `# ${policy.kind} "${policy.metadata.name}", owner ${policy.metadata.owner}`,
  ];
  for (const l of policy.metadata.description.split('\n')) if (l.trim()) lines.push(`# ${l.trim()}`);
  return lines;
}

function rule(name: string, value: Literal, comment?: string): string {
  const head = `${name} := `;
  return `${comment ? `# ${comment}\n` : ''}${head}${regoLiteral(value, 0, head.length)}\n`;
}

function sourceInfo(file: string, policy: AnyPolicy): Literal {
  return { file, kind: policy.kind, name: policy.metadata.name, owner: policy.metadata.owner };
}

export function generateRego(file: string, policy: AnyPolicy): string {
  const lines = header(file, policy);
  if (policy.kind === 'Exception') {
    lines.push('package attest.config', '');
    const key = JSON.stringify(policy.metadata.name);
    lines.push(rule(`exceptions[${key}]`, exceptionLiteral(file, policy.spec, policy.metadata.owner, policy.metadata.name), 'Read by data.exceptions.waivers: applies only between granted and expires.'));
    return lines.join('\n');
  }
  lines.push(`package ${CONFIG_PACKAGES[policy.kind].join('.')}`, '');
  lines.push(rule('source', sourceInfo(file, policy)));
  const settings = (() => {
    switch (policy.kind) {
      case 'ModerationPolicy':
        return moderationSettings(policy.spec);
      case 'AccessPolicy':
        return accessSettings(policy.spec);
      case 'RetentionSchedule':
        return retentionSettings(policy.spec);
      case 'IncidentPolicy':
        return incidentSettings(policy.spec);
    }
  })();
  for (const [name, value, comment] of settings) lines.push(rule(name, value, comment));
  if (policy.kind === 'IncidentPolicy') lines.push(...dataWindows(policy.spec));
  return lines.join('\n');
}

type Setting = [name: string, value: Literal, comment?: string];

/** Typed spec objects as literals (they are plain data already). */
function lit(v: unknown): Literal {
  return v as Literal;
}

function moderationSettings(spec: ModerationSpec): Setting[] {
  const categories: Record<string, Literal> = {};
  for (const [name, c] of Object.entries(spec.categories)) {
    if (!c) continue;
    categories[name] = {
      overridable: c.overridable ?? true,
      human_review: c.human_review ?? false,
      thresholds: lit([...c.thresholds].sort((a, b) => a.min_score - b.min_score)),
    };
  }
  return [
    ['default_action', spec.default_action ?? 'allow', 'Below every threshold.'],
    ['categories', categories, 'Thresholds by increasing min_score: the highest min_score not above the score gives the action.'],
    ['tenant_overrides', lit(spec.tenant_overrides ?? {}), 'Per tenant; only stricter for categories with overridable: false.'],
    ['jurisdictions', lit((spec.jurisdictions ?? []).map((j) => ({ report_to: null, ...j }))), 'Apply where the content\'s region is listed; they only make decisions stricter.'],
    ['human_review', { categories: lit(spec.human_review.categories ?? []), actions: lit(spec.human_review.actions ?? []) }, 'Decisions that always go to a human.'],
    ['appeals', lit({ ...spec.appeals, routes: spec.appeals.routes ?? [] })],
  ];
}

function accessSettings(spec: AccessSpec): Setting[] {
  const roles: Record<string, Literal> = {};
  for (const [name, r] of Object.entries(spec.roles)) roles[name] = lit({ scope: r.scope, privileged: r.privileged ?? false, permissions: r.permissions });
  const environments: Record<string, Literal> = {};
  for (const [name, e] of Object.entries(spec.environments)) {
    environments[name] = { production: e.production, mfa_required: e.mfa_required ?? false, jit_required: e.jit_required ?? false };
  }
  const rf = spec.mfa.required_for;
  return [
    ['roles', roles, 'scope tenant: only inside the subject\'s tenant; platform: across tenants.'],
    ['environments', environments],
    ['mfa', lit({ required_for: { environments: rf.environments ?? [], actions: rf.actions ?? [], resources: rf.resources ?? [] }, max_age: spec.mfa.max_age, methods: spec.mfa.methods ?? [] })],
    ['break_glass', lit({ enabled: false, eligible_roles: [], notify: [], ...spec.break_glass })],
    ['jit', lit({ enabled: false, grantable_roles: [], approver_roles: [], require_ticket: false, ...spec.jit })],
    ['separation_of_duties', lit({ no_self_approval: spec.separation_of_duties.no_self_approval ?? [], conflicting_roles: spec.separation_of_duties.conflicting_roles ?? [] })],
    ['review', lit({ grace: 'PT0S', reviewer_roles: [], ...spec.review }), 'Standing grants not reviewed within period + grace are denied.'],
  ];
}

function retentionSettings(spec: RetentionSpec): Setting[] {
  const holds: Record<string, Literal> = {};
  for (const [name, h] of Object.entries(spec.holds ?? {})) holds[name] = lit({ applies_to: null, review_every: null, ...h });
  return [
    ['classes', lit(spec.classes), 'Per data class: keep for period, counted from the event, then the end action.'],
    ['holds', holds, 'Hold types; applies_to null means every class.'],
    ['regional_overrides', lit(spec.regional_overrides ?? [])],
    ['erasure', lit({ obligations: [], notify_recipients: false, ...spec.erasure }), 'GDPR Art. 17 requests, and what must be kept anyway.'],
  ];
}

function incidentSettings(spec: IncidentSpec): Setting[] {
  return [
    ['risk', lit({ high_when: spec.risk.high_when, none_when: spec.risk.none_when ?? [] }), 'none_when wins over high_when; otherwise low.'],
    ['notifications', lit(spec.notifications.map((n) => ({ unless: null, ...n }))), 'A rule fires when every `when` condition holds and not every `unless` condition does.'],
    ['authorities', lit(spec.authorities ?? {})],
  ];
}

/**
 * `within_data` names a path under `data` (per-tenant contractual windows).
 * It becomes a static reference here, so the policies never look data up by
 * a computed path (which would make every policy depend on all of data).
 * The path is an identifier chain (the schema checks it).
 */
function dataWindows(spec: IncidentSpec): string[] {
  const refs = spec.notifications.filter((n) => n.deadline.within_data !== undefined);
  if (refs.length === 0) return [];
  return [
    '# Per-tenant deadline windows held in data; undefined when the data is absent (then `within` applies).',
    ...refs.map((n) => `data_windows[${JSON.stringify(n.id)}] := data.${n.deadline.within_data}\n`),
  ];
}

/** Dates become RFC 3339 timestamps at midnight UTC (as the semantic checks read them). */
function timestamp(text: string): string {
  return text.length === 10 ? `${text}T00:00:00Z` : (parseDate(text)?.toISOString().replace('.000Z', 'Z') ?? text);
}

function exceptionLiteral(file: string, spec: ExceptionSpec, owner: string, name: string): Literal {
  return lit({ name, file, owner, ...spec, granted: timestamp(spec.granted), expires: timestamp(spec.expires) });
}
