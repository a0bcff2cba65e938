#!/usr/bin/env node
/**
 * examples/requests/<case>.json: the v1 Data API request body {"input": …}
 * for each examples/<case>.json (the bare input that `attest eval -i` reads),
 * so that a case can be sent as it is:
 *
 *   curl -s -H "Authorization: Bearer $TOKEN" localhost:8181/v1/data/access/decision \
 *     -d @examples/requests/access-production-no-mfa.json
 *
 * The input's text is wrapped, not re-serialised, so numbers stay exactly as
 * written. test/server/example-requests.test.ts checks the files are in sync.
 *
 *   node scripts/example-requests.mjs          write them
 *   node scripts/example-requests.mjs --check  exit 1 when one is missing, stale or left over
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const examples = join(root, 'examples');
const requests = join(examples, 'requests');

/** The request body for an example's text. */
export function requestBody(inputText) {
  const lines = inputText.trimEnd().split('\n');
  return `{\n  "input": ${lines.map((l, i) => (i === 0 || l === '' ? l : `  ${l}`)).join('\n')}\n}\n`;
}

function main(check) {
  const cases = readdirSync(examples).filter((f) => f.endsWith('.json')).sort();
  const stale = [];
  if (!check) mkdirSync(requests, { recursive: true });
  for (const file of cases) {
    const want = requestBody(readFileSync(join(examples, file), 'utf8'));
    const path = join(requests, file);
    const have = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    if (have === want) continue;
    if (check) stale.push(`${have === undefined ? 'missing' : 'stale'}: examples/requests/${file}`);
    else writeFileSync(path, want);
  }
  const extra = existsSync(requests) ? readdirSync(requests).filter((f) => f.endsWith('.json') && !cases.includes(f)) : [];
  for (const f of extra) {
    if (check) stale.push(`no example for: examples/requests/${f}`);
    else rmSync(join(requests, f));
  }
  if (stale.length > 0) {
    console.error(`${stale.join('\n')}\nrun: node scripts/example-requests.mjs`);
    return 1;
  }
  if (!check) console.log(`examples/requests: ${cases.length} request bodies`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.includes('--check'));
