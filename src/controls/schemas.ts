/**
 * JSON Schemas (draft 2020-12) for framework catalogues and controls. One
 * catalogue schema serves every framework: adding ISO 27701 or NIST CSF is
 * dropping a conforming file into controls/frameworks/.
 */
import type { JsonSchema } from '../policy/yaml-schema.js';

const text: JsonSchema = { type: 'string', minLength: 1 };

function strict(properties: Record<string, JsonSchema>, required: string[], extra: JsonSchema = {}): JsonSchema {
  return { type: 'object', properties, required, additionalProperties: false, ...extra };
}

export const FRAMEWORK_ID_PATTERN = '^[a-z][a-z0-9_-]*$';

const requirement = strict(
  {
    id: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9._()-]*$',
      'x-expected': 'a requirement id such as "CC6.1", "A.8.5" or "Art.32"',
    },
    title: text,
    summary: text,
    notes: text,
    tags: { type: 'array', items: text, uniqueItems: true },
    // Identifiers in related schemes (for example the COSO principle of a SOC 2 criterion).
    refs: { type: 'object', additionalProperties: { type: 'string' } },
  },
  ['id', 'title'],
);

export const catalogueSchema: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://attest.dev/schemas/controls/catalogue.json',
  ...strict(
    {
      framework: { type: 'string', pattern: FRAMEWORK_ID_PATTERN, 'x-expected': 'a framework id such as "soc2" (lower-case)' },
      name: text,
      version: text,
      source: text,
      notes: text,
      groups: {
        type: 'array',
        minItems: 1,
        items: strict(
          {
            id: text,
            title: text,
            // Requirements that apply only when this part of the framework is in scope.
            optional: { type: 'boolean' },
            requirements: { type: 'array', minItems: 1, items: requirement },
          },
          ['id', 'title', 'requirements'],
        ),
      },
    },
    ['framework', 'name', 'version', 'groups'],
  ),
};

export const CONTROL_TYPES = ['preventive', 'detective', 'corrective'] as const;
export const IMPLEMENTATIONS = ['automated', 'hybrid', 'manual'] as const;
export const CADENCES = ['daily', 'weekly', 'monthly', 'quarterly', 'semiannual', 'annual'] as const;
/** Manual evidence may also be due per event rather than on a calendar. */
export const EVIDENCE_CADENCES = [...CADENCES, 'per_change', 'per_incident', 'per_request'] as const;

export const REQUIREMENT_REF_PATTERN = '^[a-z][a-z0-9_-]*:[A-Za-z0-9][A-Za-z0-9._()-]*$';

const enforcementPointId: JsonSchema = {
  type: 'string',
  pattern: '^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$',
  'x-expected': 'an enforcement-point id such as "access.mfa_required" (a Rego rule\'s custom.id)',
};

const operation = strict(
  {
    mode: { type: 'string', enum: ['continuous', 'periodic'] },
    cadence: { type: 'string', enum: [...CADENCES] },
  },
  ['mode'],
  {
    if: { properties: { mode: { const: 'periodic' } }, required: ['mode'] },
    then: { required: ['cadence'] },
    else: { not: { required: ['cadence'] }, 'x-expected': 'only periodic operation has a cadence' },
  },
);

const list = (item: JsonSchema, minItems = 0): JsonSchema => ({ type: 'array', items: item, minItems, uniqueItems: true });

export const controlSchema: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://attest.dev/schemas/controls/control.json',
  ...strict(
    {
      id: { type: 'string', pattern: '^CTL-[A-Z0-9]+(-[A-Z0-9]+)*$', 'x-expected': 'a control id such as "CTL-ACCESS-MFA"' },
      title: text,
      // The security-statement commitment this control keeps.
      commitment: text,
      objective: text,
      owner: text,
      type: { type: 'string', enum: [...CONTROL_TYPES] },
      // automated: enforcement points only; manual: evidence only; hybrid: both.
      implementation: { type: 'string', enum: [...IMPLEMENTATIONS] },
      operation,
      requirements: list(
        { type: 'string', pattern: REQUIREMENT_REF_PATTERN, 'x-expected': 'a requirement reference such as "soc2:CC6.1", "iso27001:A.8.5" or "gdpr:Art.32(1)(b)"' },
        1,
      ),
      enforcement_points: list(enforcementPointId),
      // Names of the policy tests that prove the enforcement points (may be filled in later).
      tests: list(text),
      runtime_evidence: {
        type: 'array',
        items: strict({ enforcement_point: enforcementPointId, outcomes: list(text, 1), description: text }, ['enforcement_point', 'outcomes']),
      },
      manual_evidence: {
        type: 'array',
        items: strict({ what: text, cadence: { type: 'string', enum: [...EVIDENCE_CADENCES] }, owner: text }, ['what', 'cadence']),
      },
      notes: text,
    },
    ['id', 'title', 'objective', 'owner', 'type', 'implementation', 'operation', 'requirements', 'enforcement_points'],
    {
      allOf: [
        {
          if: { properties: { implementation: { const: 'manual' } }, required: ['implementation'] },
          then: { properties: { enforcement_points: { type: 'array', maxItems: 0, 'x-expected': 'empty for a manual control' } }, required: ['manual_evidence'] },
        },
        {
          if: { properties: { implementation: { enum: ['automated', 'hybrid'] } }, required: ['implementation'] },
          then: {
            properties: { enforcement_points: { type: 'array', minItems: 1, 'x-expected': 'non-empty for an automated or hybrid control' } },
            required: ['runtime_evidence'],
          },
        },
        {
          if: { properties: { implementation: { const: 'hybrid' } }, required: ['implementation'] },
          then: { required: ['manual_evidence'] },
        },
      ],
    },
  ),
};
