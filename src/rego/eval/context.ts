/**
 * Per-query evaluation state: input, base data, memo cache, limits, and the
 * overrides installed by `with`. Compiled closures receive it as `c`.
 */
import { EvalError, type Location } from '../errors.js';
import type { BuiltinContext } from '../builtins/index.js';
import type { Value } from '../value.js';

/** Limits on one evaluation; exceeding one is an `eval_limit_error` / `eval_cancel_error`. */
export interface EvalLimits {
  /** Expression evaluations (steps) per query. */
  maxSteps: number;
  /** Wall time per query, in milliseconds. */
  maxMillis: number;
  /** Members of one collection built by a comprehension or a multi-value rule. */
  maxCollectionSize: number;
}

export const DEFAULT_LIMITS: EvalLimits = {
  maxSteps: 10_000_000,
  maxMillis: 5_000,
  maxCollectionSize: 1_000_000,
};

/** A function replacement installed by `with f as g`. */
export type FunctionOverride =
  | { kind: 'value'; value: Value }
  | { kind: 'function'; call: (args: Value[], c: EvalContext, loc: Location) => Value | undefined };

export interface DataOverride {
  path: readonly string[];
  value: Value;
}

/** The counters shared by an evaluation and every `with` scope inside it. */
export interface Budget {
  steps: number;
  readonly maxSteps: number;
  readonly maxMillis: number;
  deadline: number;
  readonly maxCollectionSize: number;
}

export interface EvalContext {
  readonly input: Value | undefined;
  /** The base document (JSON data loaded next to the policies). */
  readonly data: Value;
  /** Memoised rule values (by RuleSet.id) and input path reads for this query (and this `with` scope). */
  readonly memo: (Value | typeof UNDEFINED | undefined)[];
  /** Memoised values of package nodes; made on the first whole-package read (rare). */
  cache: Map<object, Value | typeof UNDEFINED> | undefined;
  readonly builtin: BuiltinContext;
  readonly strict: boolean;
  readonly budget: Budget;
  readonly dataOverrides: readonly DataOverride[] | undefined;
  readonly fnOverrides: ReadonlyMap<string, FunctionOverride> | undefined;
  /** Where `print` goes; undefined means standard error. */
  readonly print: ((message: string) => void) | undefined;
  /** `file:row` of every expression evaluated, when coverage is being collected. */
  readonly coverage: Set<string> | undefined;
}

/** Marks a memoised "undefined" so that it is not recomputed. */
export const UNDEFINED: unique symbol = Symbol('undefined');

export function newBudget(limits: EvalLimits): Budget {
  return {
    steps: 0,
    maxSteps: limits.maxSteps,
    maxMillis: limits.maxMillis,
    // Most decisions finish in a few hundred steps: the clock is first read at step 4096.
    deadline: 0,
    maxCollectionSize: limits.maxCollectionSize,
  };
}

/** Counts one step; checks the limits every 4096 steps. */
export function step(c: EvalContext, loc: Location): void {
  const b = c.budget;
  if (++b.steps & 4095) return;
  if (b.steps > b.maxSteps) {
    throw new EvalError('eval_limit_error', `evaluation exceeded the step limit (${b.maxSteps} steps); simplify the policy or raise the limit`, loc);
  }
  if (b.deadline === 0) b.deadline = Date.now() + b.maxMillis;
  else if (Date.now() > b.deadline) {
    throw new EvalError('eval_cancel_error', 'evaluation exceeded the time limit; simplify the policy or raise the limit', loc);
  }
}

export function checkCollectionSize(c: EvalContext, size: number, loc: Location): void {
  if (size > c.budget.maxCollectionSize) {
    throw new EvalError('eval_limit_error', `collection exceeded the size limit (${c.budget.maxCollectionSize} members)`, loc);
  }
}
