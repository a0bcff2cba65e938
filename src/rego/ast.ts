/**
 * The Rego abstract syntax tree: what the parser produces and the compiler
 * consumes. It mirrors OPA's `ast` package in spirit (terms, expressions,
 * rules, modules), kept as plain data so it serialises to JSON as is.
 */
import type { Location } from './errors.js';

export type { Location };

export type RegoVersion = 0 | 1;

// ---------------------------------------------------------------------------
// Terms

export type Scalar = null | boolean | number | bigint | string;

export interface ScalarTerm { type: 'scalar'; value: Scalar; loc: Location }
/** A variable. The wildcard `_` is kept as `_`; the compiler makes each one fresh. */
export interface VarTerm { type: 'var'; name: string; loc: Location }
/**
 * A reference: a head followed by path elements. `input.a[x].b` has head
 * `var input` and path [scalar "a", var x, scalar "b"]. The head may also be a
 * call or a composite (`f(x)[0]`, `[1, 2][i]`).
 */
export interface RefTerm { type: 'ref'; head: Term; path: Term[]; loc: Location }
export interface ArrayTerm { type: 'array'; items: Term[]; loc: Location }
export interface ObjectTerm { type: 'object'; entries: [Term, Term][]; loc: Location }
export interface SetTerm { type: 'set'; items: Term[]; loc: Location }
export interface ArrayComprehension { type: 'arraycompr'; term: Term; body: Body; loc: Location }
export interface SetComprehension { type: 'setcompr'; term: Term; body: Body; loc: Location }
export interface ObjectComprehension { type: 'objectcompr'; key: Term; value: Term; body: Body; loc: Location }
/**
 * A call. `op` is the dotted name as written (`count`, `strings.replace_n`,
 * `data.lib.f`, `lib.f`); infix operators are calls of their builtin
 * (`a + b` → `plus`, `a == b` → `equal`, `x in xs` → `internal.member_2`,
 * `k, v in xs` → `internal.member_3`, `a | b` → `or`, `a & b` → `and`).
 * A call given one argument more than the function's arity binds its output to
 * the last argument, as in OPA.
 */
export interface CallTerm { type: 'call'; op: string; opLoc: Location; args: Term[]; loc: Location }

export type Term =
  | ScalarTerm
  | VarTerm
  | RefTerm
  | ArrayTerm
  | ObjectTerm
  | SetTerm
  | ArrayComprehension
  | SetComprehension
  | ObjectComprehension
  | CallTerm;

// ---------------------------------------------------------------------------
// Expressions and bodies

export interface WithModifier {
  /** `input…`, `data…`, or a function/builtin name as a ref. */
  target: RefTerm | VarTerm;
  value: Term;
  loc: Location;
}

interface ExprBase {
  negated: boolean;
  with: WithModifier[];
  loc: Location;
}

/** A bare term: true unless it is false or undefined (calls, comparisons, refs …). */
export interface TermExpr extends ExprBase { kind: 'term'; term: Term }
/** `left = right` */
export interface UnifyExpr extends ExprBase { kind: 'unify'; left: Term; right: Term }
/** `left := right` (declares the variables of `left`). */
export interface AssignExpr extends ExprBase { kind: 'assign'; left: Term; right: Term }
/** `some x, y` */
export interface SomeDeclExpr extends ExprBase { kind: 'some'; vars: VarTerm[] }
/** `some v in xs` / `some k, v in xs` (key absent in the first form). */
export interface SomeInExpr extends ExprBase { kind: 'somein'; key?: Term; value: Term; collection: Term }
/** `every v in xs { … }` / `every k, v in xs { … }` */
export interface EveryExpr extends ExprBase { kind: 'every'; key?: VarTerm; value: VarTerm; domain: Term; body: Body }

export type Expr = TermExpr | UnifyExpr | AssignExpr | SomeDeclExpr | SomeInExpr | EveryExpr;
export type Body = Expr[];

// ---------------------------------------------------------------------------
// Rules

/**
 * The head as written. `ref` is relative to the package: `p` → [var p],
 * `a.b[c]` → [var a, scalar "b", var c].
 *
 * - `single`: one value at `ref` (complete rule; with non-constant trailing
 *   path elements, a partial object such as `p[k] := v`). `value` absent means `true`.
 * - `multi`: `ref contains key` (and v0's `p[key] { … }`): a partial set.
 * - `function`: `ref(args) := value` (`value` absent means `true`).
 */
export interface RuleHead {
  kind: 'single' | 'multi' | 'function';
  ref: Term[];
  args?: Term[];
  key?: Term;
  value?: Term;
  /** `:=` rather than `=` (or no operator). */
  assign: boolean;
  loc: Location;
}

/** An `else` branch: `else [= value] [if] { body }`. */
export interface ElseClause {
  value?: Term;
  body: Body;
  else?: ElseClause;
  loc: Location;
}

export interface Rule {
  head: RuleHead;
  /** Empty for rules without a body (`p := 1`, `default p := false`). */
  body: Body;
  default: boolean;
  else?: ElseClause;
  /** `# METADATA` blocks that apply to this rule (scope rule or document). */
  annotations: Annotation[];
  loc: Location;
}

// ---------------------------------------------------------------------------
// Modules

export interface Import {
  /** `data.x.y`, `input.x`, `future.keywords.in`, `rego.v1` as a ref or var. */
  path: RefTerm | VarTerm;
  alias?: string;
  loc: Location;
}

export type AnnotationScope = 'rule' | 'document' | 'package' | 'subpackages';

/** A parsed `# METADATA` block (its YAML, with the fields OPA knows typed). */
export interface Annotation {
  scope: AnnotationScope;
  title?: string;
  description?: string;
  entrypoint?: boolean;
  /** Every field of the YAML block as written (custom, organizations, related_resources …). */
  fields: Record<string, unknown>;
  loc: Location;
}

export interface Module {
  file: string;
  regoVersion: RegoVersion;
  /** `package a.b` → ["a", "b"]. */
  package: string[];
  packageLoc: Location;
  imports: Import[];
  rules: Rule[];
  /** Annotations of scope package and subpackages. */
  annotations: Annotation[];
  /** The source text, kept for `GET /v1/policies` and evidence excerpts. */
  source: string;
}
