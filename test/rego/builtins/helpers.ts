/** Shared helpers for the builtin family tests: call through the registry as the evaluator does. */
import { expect } from 'chai';
import { BuiltinError } from '../../../src/rego/errors.js';
import { BUILTINS, type BuiltinContext } from '../../../src/rego/builtins/index.js';
import { parseJSON, RSet, stringifyJSON, type Value } from '../../../src/rego/value.js';

export function makeCtx(): BuiltinContext {
  return { nowNs: 0n, cache: new Map(), strict: true };
}

export function call(name: string, ...args: Value[]): Value | undefined {
  const def = BUILTINS.get(name);
  if (!def) throw new Error(`no builtin ${name}`);
  return def.fn(args, makeCtx());
}

/** The result as compact JSON (sets as sorted arrays), or 'undefined'. */
export function show(v: Value | undefined): string {
  return v === undefined ? 'undefined' : stringifyJSON(v);
}

/** Calls and renders in one step. */
export function run(name: string, ...args: Value[]): string {
  return show(call(name, ...args));
}

/** Asserts that the call throws a BuiltinError with this code and message. */
export function expectError(code: BuiltinError['code'], message: string, name: string, ...args: Value[]): void {
  let caught: unknown;
  try {
    call(name, ...args);
  } catch (e) {
    caught = e;
  }
  expect(caught, `${name} should throw`).to.be.instanceOf(BuiltinError);
  const err = caught as BuiltinError;
  expect(err.code).to.equal(code);
  expect(err.message).to.equal(message);
}

export const j = parseJSON;
export const set = (...values: Value[]): RSet => new RSet(values);
