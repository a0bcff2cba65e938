/**
 * The control registry: framework catalogues, controls, their links to policy
 * enforcement points, consistency checks and coverage reports.
 */
export { loadRegistry, buildRegistry } from './load.js';
export type { LoadResult, SourceText } from './load.js';
export { Registry } from './registry.js';
export type { RequirementMap, RelatedRequirement } from './registry.js';
export { checkRegistry } from './check.js';
export type { Problem, ProblemCode } from './check.js';
export { coverage, controlStatus, UnknownFrameworkError, COVERAGE_STATUSES } from './coverage.js';
export type { CoverageReport, CoverageRow, CoverageStatus, EnforcementPointState } from './coverage.js';
export { renderCoverage, renderProblems, renderMap, coverageSummary, FORMATS } from './render.js';
export type { Format } from './render.js';
export { catalogueSchema, controlSchema } from './schemas.js';
export type { Catalogue, CatalogueSpec, Control, EnforcementPointInfo, Requirement, SourceLocation } from './types.js';
