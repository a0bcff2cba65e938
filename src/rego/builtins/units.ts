import type { BuiltinDef } from './contract.js';

export const builtins: BuiltinDef[] = [];
