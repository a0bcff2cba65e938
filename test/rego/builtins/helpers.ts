/** Shared helpers for the builtin family tests: call through the registry as the evaluator does. */
import { expect } from 'chai';
import { BuiltinError } from '../../../src/rego/errors.js';
import { BUILTINS, type BuiltinContext } from '../../../src/rego/builtins/index.js';
import { parseJSON, RSet, stringifyJSON, type Value } from '../../../src/rego/value.js';

/** A query context as the evaluator makes one, at a fixed time (2023-12-24T18:58:45.73439Z). */
export function makeCtx(nowNs = 1703444325734390000n): BuiltinContext {
  return { nowNs, cache: new Map(), strict: true, maxCollectionSize: 1_000_000 };
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

/** The message of the error a call throws (fails the test if it does not throw). */
export function errorOf(name: string, ...args: Value[]): string {
  try {
    call(name, ...args);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${name} did not fail`);
}
