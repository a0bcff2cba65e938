/**
 * Comparison operators (==, !=, <, <=, >, >=) over any values, using OPA's
 * equality and total order from value.ts: values of different types compare
 * by type rank (null < boolean < number < string < array < object < set).
 */
import { compare, equals, type Value } from '../value.js';
import type { BuiltinDef } from './contract.js';

function comparison(name: string, test: (a: Value, b: Value) => boolean): BuiltinDef {
  return { name, args: ['any', 'any'], fn: ([a, b]) => test(a, b) };
}

export const builtins: BuiltinDef[] = [
  comparison('equal', equals),
  comparison('neq', (a, b) => !equals(a, b)),
  comparison('lt', (a, b) => compare(a, b) < 0),
  comparison('lte', (a, b) => compare(a, b) <= 0),
  comparison('gt', (a, b) => compare(a, b) > 0),
  comparison('gte', (a, b) => compare(a, b) >= 0),
];
