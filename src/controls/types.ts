/** Shapes of catalogues, controls, enforcement points and the reports built from them. */
import type { CADENCES, CONTROL_TYPES, EVIDENCE_CADENCES, IMPLEMENTATIONS } from './schemas.js';

/** A catalogue file as written (controls/frameworks/*.yaml). */
export interface CatalogueSpec {
  framework: string;
  name: string;
  version: string;
  source?: string;
  notes?: string;
  groups: {
    id: string;
    title: string;
    optional?: boolean;
    requirements: { id: string; title: string; summary?: string; notes?: string; tags?: string[]; refs?: Record<string, string> }[];
  }[];
}

/** One requirement of a framework, addressed as `framework:id` (its `ref`). */
export interface Requirement {
  framework: string;
  id: string;
  ref: string;
  title: string;
  summary?: string;
  group: { id: string; title: string; optional: boolean };
  tags: string[];
}

export interface Catalogue {
  framework: string;
  name: string;
  version: string;
  source?: string;
  notes?: string;
  file?: string;
  requirements: Requirement[];
}

/** A control file as written (controls/*.yaml). */
export interface Control {
  id: string;
  title: string;
  commitment?: string;
  objective: string;
  owner: string;
  type: (typeof CONTROL_TYPES)[number];
  implementation: (typeof IMPLEMENTATIONS)[number];
  operation: { mode: 'continuous' } | { mode: 'periodic'; cadence: (typeof CADENCES)[number] };
  requirements: string[];
  enforcement_points: string[];
  tests?: string[];
  runtime_evidence?: { enforcement_point: string; outcomes: string[]; description?: string }[];
  manual_evidence?: { what: string; cadence: (typeof EVIDENCE_CADENCES)[number]; owner?: string }[];
  notes?: string;
}

/** A place in a file; lines and columns count from 1. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/**
 * What the policy loader knows about one enforcement point: a Rego rule's
 * `# METADATA custom.id`, its `custom.controls`, and whether at least one
 * policy test exercising it passed.
 */
export interface EnforcementPointInfo {
  id: string;
  controls: string[];
  tested: boolean;
  /** Names of the tests that exercise it, when known. */
  tests?: string[];
  /** Where the rule's METADATA block is. */
  location?: SourceLocation;
}
