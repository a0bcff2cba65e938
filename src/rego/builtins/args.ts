/**
 * Argument checks for builtin implementations, with OPA's error wording:
 * `<name>: operand <n> must be <type> but got <type>`.
 */
import { BuiltinError } from '../errors.js';
import { isInteger, RObject, RSet, typeName, type Value } from '../value.js';

export function typeError(fn: string, index: number, expected: string, got: Value): BuiltinError {
  return new BuiltinError('eval_type_error', `${fn}: operand ${index + 1} must be ${expected} but got ${typeName(got)}`);
}

export function builtinError(fn: string, message: string): BuiltinError {
  return new BuiltinError('eval_builtin_error', `${fn}: ${message}`);
}

export function str(fn: string, args: Value[], i: number): string {
  const v = args[i];
  if (typeof v !== 'string') throw typeError(fn, i, 'string', v);
  return v;
}

export function num(fn: string, args: Value[], i: number): number | bigint {
  const v = args[i];
  if (typeof v !== 'number' && typeof v !== 'bigint') throw typeError(fn, i, 'number', v);
  return v;
}

/** An integral number as a JS number (OPA's "integer number"). */
export function int(fn: string, args: Value[], i: number): number {
  const v = num(fn, args, i);
  if (!isInteger(v)) throw new BuiltinError('eval_type_error', `${fn}: operand ${i + 1} must be integer number but got floating-point number`);
  return Number(v);
}

export function bool(fn: string, args: Value[], i: number): boolean {
  const v = args[i];
  if (typeof v !== 'boolean') throw typeError(fn, i, 'boolean', v);
  return v;
}

export function arr(fn: string, args: Value[], i: number): Value[] {
  const v = args[i];
  if (!Array.isArray(v)) throw typeError(fn, i, 'array', v);
  return v;
}

export function obj(fn: string, args: Value[], i: number): RObject {
  const v = args[i];
  if (!(v instanceof RObject)) throw typeError(fn, i, 'object', v);
  return v;
}

export function set(fn: string, args: Value[], i: number): RSet {
  const v = args[i];
  if (!(v instanceof RSet)) throw typeError(fn, i, 'set', v);
  return v;
}

/** Members of an array or a set, for builtins that take either. */
export function collection(fn: string, args: Value[], i: number): readonly Value[] {
  const v = args[i];
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return v.values();
  throw typeError(fn, i, 'any<array, set>', v);
}
