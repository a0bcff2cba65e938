/**
 * The builtin registry: one file per family, as OPA's topdown/ does, gathered here.
 * Find a builtin by its family name (strings.ts has `strings.*`, `concat`, …).
 */
import type { BuiltinDef } from './contract.js';
import { builtins as comparisonBuiltins } from './comparison.js';
import { builtins as numbersBuiltins } from './numbers.js';
import { builtins as bitsBuiltins } from './bits.js';
import { builtins as aggregatesBuiltins } from './aggregates.js';
import { builtins as arraysBuiltins } from './arrays.js';
import { builtins as setsBuiltins } from './sets.js';
import { builtins as objectsBuiltins } from './objects.js';
import { builtins as jsonpatchBuiltins } from './jsonpatch.js';
import { builtins as typechecksBuiltins } from './typechecks.js';
import { builtins as castsBuiltins } from './casts.js';
import { builtins as stringsBuiltins } from './strings.js';
import { builtins as sprintfBuiltins } from './sprintf.js';
import { builtins as regexBuiltins } from './regex.js';
import { builtins as globBuiltins } from './glob.js';
import { builtins as unitsBuiltins } from './units.js';
import { builtins as semverBuiltins } from './semver.js';
import { builtins as uuidBuiltins } from './uuid.js';
import { builtins as timeBuiltins } from './time.js';
import { builtins as netBuiltins } from './net.js';
import { builtins as encodingBuiltins } from './encoding.js';
import { builtins as cryptoBuiltins } from './crypto.js';
import { builtins as jwtBuiltins } from './jwt.js';
import { builtins as graphBuiltins } from './graph.js';
import { builtins as uriBuiltins } from './uri.js';
import { builtins as templateBuiltins } from './template.js';

const families: readonly (readonly BuiltinDef[])[] = [
  comparisonBuiltins,
  numbersBuiltins,
  bitsBuiltins,
  aggregatesBuiltins,
  arraysBuiltins,
  setsBuiltins,
  objectsBuiltins,
  jsonpatchBuiltins,
  typechecksBuiltins,
  castsBuiltins,
  stringsBuiltins,
  sprintfBuiltins,
  regexBuiltins,
  globBuiltins,
  unitsBuiltins,
  semverBuiltins,
  uuidBuiltins,
  timeBuiltins,
  netBuiltins,
  encodingBuiltins,
  cryptoBuiltins,
  jwtBuiltins,
  graphBuiltins,
  uriBuiltins,
  templateBuiltins,
];

function buildRegistry(): ReadonlyMap<string, BuiltinDef> {
  const registry = new Map<string, BuiltinDef>();
  for (const family of families) {
    for (const def of family) {
      if (registry.has(def.name)) throw new Error(`builtin ${def.name} is registered twice`);
      registry.set(def.name, def);
    }
  }
  return registry;
}

/** Every builtin, by full dotted name. */
export const BUILTINS: ReadonlyMap<string, BuiltinDef> = buildRegistry();

export type { ArgType, BuiltinContext, BuiltinDef, TypeName } from './contract.js';
