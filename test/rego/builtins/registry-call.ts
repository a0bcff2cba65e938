/** Shared helpers for builtin tests: call a builtin through the registry. */
import { BUILTINS } from '../../../src/rego/builtins/index.js';
import type { BuiltinContext } from '../../../src/rego/builtins/contract.js';
import type { Value } from '../../../src/rego/value.js';

export function makeCtx(nowNs = 1703444325734390000n): BuiltinContext {
  return { nowNs, cache: new Map(), strict: true };
}

export function call(name: string, ...args: Value[]): Value | undefined {
  const def = BUILTINS.get(name);
  if (!def) throw new Error(`no builtin ${name}`);
  return def.fn(args, makeCtx());
}

/** The message of the error a call throws (fails the test if it does not throw). */
export function errorOf(name: string, ...args: Value[]): string {
  try {
    call(name, ...args);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${name} did not fail`);
}
