/**
 * The shapes of compiled code. A body compiles to a `Goal`: called with a
 * frame of variable slots and a continuation, it calls the continuation once
 * per solution (backtracking by returning) and returns true to stop the search.
 */
import type { Location } from '../errors.js';
import type { Value } from '../value.js';
import type { EvalContext } from './context.js';

/** Variable slots of one rule body (or query); `undefined` is unbound. */
export type Frame = (Value | undefined)[];

/** Continuation: returns true to stop the search (early exit). */
export type Cont = () => boolean;

export type Goal = (f: Frame, c: EvalContext, k: Cont) => boolean;

/** A term that yields at most one value without binding anything. */
export type ValueFn = (f: Frame, c: EvalContext) => Value | undefined;

/** A term that may yield many values, binding variables as it goes. */
export type GenFn = (f: Frame, c: EvalContext, k: (v: Value) => boolean) => boolean;

/** Unifies a term (pattern) with a value, binding its unbound variables. */
export type PatFn = (v: Value, f: Frame, c: EvalContext, k: Cont) => boolean;

/** A compiled rule body with else-clauses and head terms. */
export interface CompiledClause {
  body: Goal;
  /** The body as a plain test, when it never iterates (see codegen's bodyTest). */
  test: ((f: Frame, c: EvalContext) => boolean) | undefined;
  /** The head value; constant when known at compile time. */
  value: ValueFn;
  constValue: Value | undefined;
  loc: Location;
}

export interface CompiledDefinition {
  frameSize: number;
  /** The rule and its `else` chain, in order. */
  clauses: CompiledClause[];
  /** Partial set member / object key path after the ground prefix. */
  keyPath: ValueFn[];
  /** Function argument patterns. */
  args: PatFn[];
  /** The same, when every argument pattern binds or compares without iterating (the common case). */
  argTests: ((v: Value, f: Frame, c: EvalContext) => boolean)[] | undefined;
  /** A multi-value rule under a dynamic ref (`p[x] contains y`): the last key is a set member. */
  setLeaf: boolean;
  loc: Location;
}
