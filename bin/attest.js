#!/usr/bin/env node
// The `attest` command runs the compiled CLI; `npm install` builds it (the `prepare` script).
import { main } from '../dist/src/cli/index.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`attest: ${err instanceof Error ? err.message : String(err)}`); process.exitCode = 1; },
);
