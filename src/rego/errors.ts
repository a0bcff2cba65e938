/**
 * Typed errors of the Rego engine. Codes are OPA's, so that callers and
 * conformance cases can match on them.
 */

export type CompileErrorCode =
  | 'rego_parse_error'
  | 'rego_compile_error'
  | 'rego_type_error'
  | 'rego_unsafe_var_error'
  | 'rego_recursion_error';

export type EvalErrorCode =
  | 'eval_type_error'
  | 'eval_builtin_error'
  | 'eval_conflict_error'
  | 'eval_cancel_error'
  | 'eval_limit_error';

export type RegoErrorCode = CompileErrorCode | EvalErrorCode;

/** A place in a source file; lines and columns count from 1. */
export interface Location {
  file: string;
  row: number;
  col: number;
}

export function formatLocation(loc: Location | undefined): string {
  if (!loc) return '';
  return `${loc.file || '<query>'}:${loc.row}:${loc.col}`;
}

export class RegoError extends Error {
  constructor(
    readonly code: RegoErrorCode,
    readonly detail: string,
    readonly location?: Location,
  ) {
    super(location ? `${formatLocation(location)}: ${code}: ${detail}` : `${code}: ${detail}`);
    this.name = 'RegoError';
  }

  /** OPA's error object shape (as in `opa eval --format json` and the REST API). */
  toJSON(): { code: string; message: string; location?: Location } {
    return this.location ? { code: this.code, message: this.detail, location: this.location } : { code: this.code, message: this.detail };
  }
}

/** One or more parse/compile errors; OPA reports them together. */
export class CompileError extends Error {
  readonly code: CompileErrorCode;
  constructor(readonly errors: RegoError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'CompileError';
    this.code = (errors[0]?.code as CompileErrorCode) ?? 'rego_compile_error';
  }

  hasCode(code: string): boolean {
    return this.errors.some((e) => e.code === code);
  }
}

/** An error raised while evaluating (type, builtin, conflict, cancel or limit). */
export class EvalError extends RegoError {
  constructor(code: EvalErrorCode, detail: string, location?: Location) {
    super(code, detail, location);
    this.name = 'EvalError';
  }
}

/**
 * Thrown by builtin implementations. The evaluator adds the call's location
 * and, outside strict mode, turns it into an undefined expression.
 */
export class BuiltinError extends Error {
  constructor(readonly code: 'eval_type_error' | 'eval_builtin_error', message: string) {
    super(message);
    this.name = 'BuiltinError';
  }
}
