/** Output helpers shared by commands: JSON printing and error formatting. */
import { CompileError, RegoError, formatLocation } from '../rego/index.js';

export function printJSON(v: unknown): void {
  process.stdout.write(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x), 2) + '\n');
}

/** OPA's error objects for `--format json`. */
export function errorObjects(e: unknown): { code: string; message: string; location?: unknown }[] {
  if (e instanceof CompileError) return e.errors.map((x) => x.toJSON());
  if (e instanceof RegoError) return [e.toJSON()];
  const code = typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string' ? (e as { code: string }).code : 'internal_error';
  return [{ code, message: e instanceof Error ? e.message : String(e) }];
}

/** Human-readable errors: `file:row:col: code: message`, one per line. */
export function errorLines(e: unknown): string[] {
  if (e instanceof CompileError) return e.errors.map((x) => `${x.location ? formatLocation(x.location) + ': ' : ''}${x.code}: ${x.detail}`);
  if (e instanceof RegoError) return [`${e.location ? formatLocation(e.location) + ': ' : ''}${e.code}: ${e.detail}`];
  return [e instanceof Error ? e.message : String(e)];
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
