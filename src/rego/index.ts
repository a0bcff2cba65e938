/**
 * attest's Rego engine: a library of its own (no database, server or
 * compliance code). Parse → compile → evaluate, with OPA's semantics.
 */
export { Engine, PreparedQuery, refPath } from './engine.js';
export type { AddModuleOptions, EvalOptions, ExpressionResult, QueryResult } from './engine.js';
export { parseModule, parseQuery, parseTerm } from './parser.js';
export type * from './ast.js';
export { CompileError, EvalError, RegoError, BuiltinError, formatLocation } from './errors.js';
export type { CompileErrorCode, EvalErrorCode, Location, RegoErrorCode } from './errors.js';
export {
  RObject, RSet, compare, equals, fromJSON, parseJSON, stringifyJSON, toJSON, typeName,
} from './value.js';
export type { JSONData, Value } from './value.js';
export { DEFAULT_LIMITS, type EvalLimits } from './eval/context.js';
export { BUILTINS } from './builtins/index.js';
export { runTests, type TestResult, type TestRun, type CoverageReport } from './tester.js';
export { findCaseFiles, loadCases, runCase, runConformance, type CaseOutcome, type ConformanceSummary, type SkipEntry } from './conformance.js';
export { groundValue } from './compile/codegen.js';
export { ruleGroundPath } from './compile/tree.js';
