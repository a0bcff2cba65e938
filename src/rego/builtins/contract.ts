/**
 * The contract between the evaluator and builtin functions. Each family file
 * (strings.ts, time.ts, …) exports `builtins: BuiltinDef[]`; `index.ts`
 * gathers them into one registry.
 */
import type { Value } from '../value.js';

/** A type name as used in declarations: OPA's type names, or `any`. */
export type TypeName = 'any' | 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'set';

/**
 * One argument's accepted types. The compiler checks ground literal arguments
 * against it (`rego_type_error` at compile time, as OPA's type checker does);
 * implementations still check at run time (`eval_type_error`).
 */
export type ArgType = TypeName | readonly TypeName[];

/** Per-query state shared by the builtin calls of one evaluation. */
export interface BuiltinContext {
  /** Nanoseconds since the epoch, fixed for the whole query (OPA's `time.now_ns`). */
  readonly nowNs: bigint;
  /** Memo for non-deterministic builtins (rand.intn, …): same args → same result within a query. */
  readonly cache: Map<string, Value>;
  /** OPA's strict-builtin-errors mode. */
  readonly strict: boolean;
  /**
   * The query's limit on the members of one collection: builtins that build
   * collections from numbers (numbers.range, net.cidr_expand …) check it before
   * allocating and throw an `eval_limit_error` EvalError.
   */
  readonly maxCollectionSize: number;
}

export interface BuiltinDef {
  /** Full dotted name, e.g. `strings.replace_n`. */
  readonly name: string;
  /** Declared argument types (their count is the arity). */
  readonly args: readonly ArgType[];
  /**
   * Element types, by position, of an argument given as an array literal
   * (OPA's tuple types, e.g. time.format's `[ns, timezone, layout]`): the
   * compiler rejects a literal element of another type, or too many elements.
   */
  readonly tuples?: readonly (readonly ArgType[] | undefined)[];
  /**
   * The implementation. Return the result, or `undefined` for "undefined".
   * Throw `BuiltinError` (from ../errors.js) for type errors (`eval_type_error`)
   * and other failures (`eval_builtin_error`).
   */
  readonly fn: (args: Value[], ctx: BuiltinContext) => Value | undefined;
  /**
   * For relations such as `walk`: `fn` is replaced by `gen`, which yields every
   * output; the evaluator unifies each with the output term in turn.
   */
  readonly gen?: (args: Value[], ctx: BuiltinContext) => Iterable<Value>;
  /** Removed in Rego v1 (OPA 1.0); only callable from v0 modules. */
  readonly deprecated?: boolean;
  /** Non-deterministic (time.now_ns, rand.*, http.send …): results are cached per query. */
  readonly nondeterministic?: boolean;
}
