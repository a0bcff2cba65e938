import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYAML } from 'yaml';
import { findCaseFiles, runConformance, type CaseOutcome, type SkipEntry } from '../../rego/index.js';
import { flagBool, flagChoice, flagString, parseArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { printJSON } from '../output.js';

/** The repository's one list of skipped conformance cases, with reasons. */
export const DEFAULT_SKIPS = join(dirname(fileURLToPath(import.meta.url)), '../../../../test/conformance/skips.yaml');

export function loadSkips(file: string): SkipEntry[] {
  if (!existsSync(file)) return [];
  const doc = parseYAML(readFileSync(file, 'utf8')) as { skips?: SkipEntry[] } | null;
  return doc?.skips ?? [];
}

export const command: Command = {
  summary: 'Run OPA-format YAML conformance cases against the engine',
  usage: `Usage: attest conformance [--format pretty|json] [--skips FILE] [--no-skips] [-v] DIR...

Prints each failing case with expected and actual, per-folder counts,
and ends with "N passed, M failed[, K skipped]". Exit 1 when any case fails.`,
  async run(argv) {
    const args = parseArgs(argv, [
      { name: 'format', short: 'f', kind: 'string' },
      { name: 'skips', kind: 'string' },
      { name: 'no-skips', kind: 'boolean' },
      { name: 'verbose', short: 'v', kind: 'boolean' },
    ]);
    const format = flagChoice(args, 'format', ['pretty', 'json'] as const, 'pretty');
    if (args.positionals.length === 0) throw new UsageError('at least one DIR is required');
    const root = args.positionals[0];
    const skips = flagBool(args, 'no-skips') ? [] : loadSkips(flagString(args, 'skips') ?? DEFAULT_SKIPS);
    const files = findCaseFiles(args.positionals);
    const verbose = flagBool(args, 'verbose');
    let done = 0;
    const progress = process.stderr.isTTY && format === 'pretty';
    const summary = runConformance(files, root, skips, (o) => {
      done++;
      if (format !== 'pretty') return;
      if (o.status === 'failed') {
        if (progress) process.stderr.write('\r\x1b[K');
        printFailure(o);
      } else if (verbose) {
        console.log(`${o.status.toUpperCase()} ${o.file}: ${o.note}${o.reason ? ` (${o.reason})` : ''}`);
      }
      if (progress && done % 25 === 0) process.stderr.write(`\r${done} cases run…`);
    });
    if (progress) process.stderr.write('\r\x1b[K');
    if (format === 'json') {
      printJSON({ ...summary, folders: perFolder(summary.outcomes) });
    } else {
      console.log('\nPer folder:');
      for (const [folder, c] of Object.entries(perFolder(summary.outcomes))) {
        console.log(`  ${folder.padEnd(34)} ${String(c.passed).padStart(4)} passed ${String(c.failed).padStart(4)} failed${c.skipped ? ` ${String(c.skipped).padStart(4)} skipped` : ''}`);
      }
      console.log('');
    }
    const line = `${summary.passed} passed, ${summary.failed} failed${summary.skipped ? `, ${summary.skipped} skipped` : ''}`;
    if (format === 'json') console.error(line); else console.log(line);
    return summary.failed > 0 ? 1 : 0;
  },
};

function printFailure(o: CaseOutcome): void {
  console.log(`FAIL ${o.file}: ${o.note}`);
  console.log(`  ${o.reason}`);
  if (o.expected !== undefined) console.log(`  expected: ${truncate(o.expected)}`);
  if (o.actual !== undefined) console.log(`  actual:   ${truncate(o.actual)}`);
}

function truncate(s: string): string {
  return s.length > 400 ? s.slice(0, 400) + '…' : s;
}

/** Counts by top-level folder (two levels for opa/v1/<folder>). */
export function perFolder(outcomes: readonly CaseOutcome[]): Record<string, { passed: number; failed: number; skipped: number }> {
  const out: Record<string, { passed: number; failed: number; skipped: number }> = {};
  for (const o of outcomes) {
    const parts = o.file.split('/');
    const depth = parts[0] === 'opa' ? 3 : parts.length > 2 ? 2 : 1;
    const folder = parts.slice(0, Math.min(depth, parts.length - 1)).join('/') || parts[0].replace(/\.ya?ml$/, '');
    const key = parts.length === 2 && parts[0] !== 'opa' ? `${parts[0]}/${parts[1].replace(/\.ya?ml$/, '')}` : folder;
    out[key] ??= { passed: 0, failed: 0, skipped: 0 };
    out[key][o.status]++;
  }
  return out;
}
