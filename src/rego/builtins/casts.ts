/**
 * to_number, and the cast_* builtins that OPA deprecated in v0.13 (v0 only).
 * The deprecated casts do not convert: they pass a value of the named type
 * through and reject anything else.
 */
import { isSet, parseNumber, RSet, typeName, type Value } from '../value.js';
import { builtinError, typeError } from './args.js';
import type { BuiltinDef } from './contract.js';

/** Go's strconv decimal float syntax (OPA parses with ParseFloat, then rejects inf/nan). */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function toNumber(args: Value[]): Value {
  const v = args[0];
  if (v === null || v === false) return 0;
  if (v === true) return 1;
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (typeof v !== 'string') throw typeError('to_number', 0, 'one of {null, boolean, number, string}', v);
  const lower = v.replace(/^[+-]+/, '').toLowerCase();
  if (lower === 'inf' || lower === 'infinity' || lower === 'nan') throw typeError('to_number', 0, 'valid number string', v);
  if (!DECIMAL.test(v)) throw builtinError('to_number', `strconv.ParseFloat: parsing ${JSON.stringify(v)}: invalid syntax`);
  const n = parseNumber(v.startsWith('+') ? v.slice(1) : v);
  if (typeof n === 'number' && !Number.isFinite(n)) {
    throw builtinError('to_number', `strconv.ParseFloat: parsing ${JSON.stringify(v)}: value out of range`);
  }
  return n;
}

/** A deprecated cast: identity on `type`, a type error otherwise. */
function passThrough(name: string, type: string): BuiltinDef {
  return {
    name,
    args: ['any'],
    deprecated: true,
    fn: (args) => {
      if (typeName(args[0]) !== type) throw typeError(name, 0, type, args[0]);
      return args[0];
    },
  };
}

function castArray(args: Value[]): Value {
  const v = args[0];
  if (Array.isArray(v)) return v;
  if (isSet(v)) return [...v.values()];
  throw typeError('cast_array', 0, 'one of {array, set}', v);
}

function castSet(args: Value[]): Value {
  const v = args[0];
  if (isSet(v)) return v;
  if (Array.isArray(v)) return new RSet(v);
  throw typeError('cast_set', 0, 'one of {array, set}', v);
}

export const builtins: BuiltinDef[] = [
  { name: 'to_number', args: [['null', 'boolean', 'number', 'string']], fn: toNumber },
  { name: 'cast_array', args: ['any'], fn: castArray, deprecated: true },
  { name: 'cast_set', args: ['any'], fn: castSet, deprecated: true },
  passThrough('cast_string', 'string'),
  passThrough('cast_boolean', 'boolean'),
  passThrough('cast_null', 'null'),
  passThrough('cast_object', 'object'),
];
