/**
 * A small argument parser in the style of OPA's and npm's commands:
 * `--flag value`, `--flag=value`, `-d x -d y` (repeatable), `--bool`, positionals.
 */
export class UsageError extends Error {
  readonly code = 'usage_error';
}

export interface FlagSpec {
  /** Long name without dashes, e.g. `format`. */
  name: string;
  short?: string;
  /** `boolean` flags take no value; `multi` flags may repeat. */
  kind: 'string' | 'boolean' | 'multi';
  default?: string;
}

export interface ParsedArgs {
  flags: Map<string, string | boolean | string[]>;
  positionals: string[];
}

export function parseArgs(argv: string[], specs: readonly FlagSpec[]): ParsedArgs {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    if (s.short) byName.set(s.short, s);
  }
  const flags = new Map<string, string | boolean | string[]>();
  for (const s of specs) if (s.default !== undefined) flags.set(s.name, s.default);
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') { positionals.push(...argv.slice(i + 1)); break; }
    const m = /^--?([^=]+)(?:=(.*))?$/s.exec(arg);
    if (!m || arg === '-') { positionals.push(arg); continue; }
    const spec = byName.get(m[1]);
    if (!spec) throw new UsageError(`unknown flag ${arg}`);
    if (spec.kind === 'boolean') {
      flags.set(spec.name, m[2] === undefined ? true : m[2] !== 'false');
      continue;
    }
    let value = m[2];
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`flag --${spec.name} needs a value`);
      value = argv[++i];
    }
    if (spec.kind === 'multi') {
      const prev = flags.get(spec.name);
      flags.set(spec.name, Array.isArray(prev) ? [...prev, value] : [value]);
    } else {
      flags.set(spec.name, value);
    }
  }
  return { flags, positionals };
}

export function flagString(a: ParsedArgs, name: string): string | undefined {
  const v = a.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function flagBool(a: ParsedArgs, name: string): boolean {
  return a.flags.get(name) === true;
}

export function flagList(a: ParsedArgs, name: string): string[] {
  const v = a.flags.get(name);
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

/** Validates an enumerated flag such as `--format json|pretty`. */
export function flagChoice<T extends string>(a: ParsedArgs, name: string, choices: readonly T[], fallback: T): T {
  const v = flagString(a, name) ?? fallback;
  if (!(choices as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${choices.join(', ')} (got ${v})`);
  return v as T;
}
