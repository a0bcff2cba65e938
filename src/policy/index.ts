/**
 * The policy part: loading policy trees (Rego, YAML policy documents, data),
 * compiling YAML policies to Rego, and enforcement-point bookkeeping.
 */
import type { Module } from '../rego/index.js';
import type { PolicyDocumentFile } from './loader.js';
import { compileYamlDocuments, type CompileOptions } from './yaml-compile.js';
import { enforcementPoints } from './enforcement.js';

export { loadPolicyTree, LoadError, type LoadedTree, type PolicyDocumentFile } from './loader.js';
export {
  enforcementPointReport,
  enforcementPoints,
  type EnforcementPoint,
  type EnforcementPointLocation,
  type EnforcementPointReport,
  type EnforcementPointStatus,
} from './enforcement.js';
export {
  COMPILE_RULES,
  CONFIG_PACKAGES,
  PolicyCompileError,
  compilePolicy,
  compileYamlDocuments,
  formatPolicyError,
  generateRego,
  type CompileOptions,
  type CompiledDocument,
} from './yaml-compile.js';
export { PolicyError, PolicyErrors } from './yaml-schema.js';

export interface CompileDocumentsOptions {
  /**
   * The tree's Rego modules: Exceptions must name one of their enforcement
   * points, and one marked `custom.waivable: true`.
   */
  modules?: readonly Module[];
  /** The time Exceptions are judged against (default: now). */
  now?: Date;
}

/** Options for the YAML compiler derived from the Rego modules of the same tree. */
export function compileOptionsFor(opts: CompileDocumentsOptions): CompileOptions {
  const eps = opts.modules ? enforcementPoints(opts.modules) : [];
  // A tree of YAML alone (no Rego rules) cannot say which rules exist.
  if (eps.length === 0) return { now: opts.now };
  return {
    now: opts.now,
    enforcementPoints: new Set(eps.map((e) => e.id)),
    waivable: new Set(eps.filter((e) => e.waivable).map((e) => e.id)),
  };
}

/** Compiles YAML policy documents to Rego modules; throws PolicyCompileError with every problem. */
export function compileDocuments(docs: readonly PolicyDocumentFile[], opts: CompileDocumentsOptions = {}): Module[] {
  return compileYamlDocuments(docs, compileOptionsFor(opts)).map((d) => d.module);
}
