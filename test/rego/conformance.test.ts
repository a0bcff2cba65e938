/**
 * The conformance ratchet: runs the OPA-format corpus in ../shared/conformance
 * (when present) and fails if the pass count falls below the recorded figure
 * or any core-language case fails. Raise the figure in
 * test/conformance/ratchet.json when the engine gets better.
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCaseFiles, runConformance } from '../../src/rego/index.js';
import { loadSkips } from '../../src/cli/commands/conformance.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const corpus = resolve(repo, '../shared/conformance');

/** Folders of the language itself (not builtins): every case must pass. */
const CORE = [
  'opa/v1/assignments', 'opa/v1/completedoc', 'opa/v1/comprehensions', 'opa/v1/containskeyword',
  'opa/v1/defaultkeyword', 'opa/v1/disjunction', 'opa/v1/elsekeyword', 'opa/v1/every',
  'opa/v1/nestedreferences', 'opa/v1/topdowndynamicdispatch', 'opa/v1/comparisonexpr',
  'regorus/assign', 'regorus/binding', 'regorus/call', 'regorus/compr', 'regorus/data', 'regorus/default',
  'regorus/every', 'regorus/import', 'regorus/input', 'regorus/loop', 'regorus/multi', 'regorus/negation',
  'regorus/query', 'regorus/refr', 'regorus/rego.v1', 'regorus/rule', 'regorus/scheduler', 'regorus/snippets',
  'regorus/some', 'regorus/variables', 'rego-cpp/core.yaml',
];

describe('conformance corpus (ratchet)', function () {
  this.timeout(120_000);

  it('passes at least the recorded number of cases and every core-language case', function () {
    if (!existsSync(corpus)) {
      console.log(`    (skipped: ${corpus} is absent; the corpus is shared reference material, not part of this repository)`);
      this.skip();
    }
    const ratchet = JSON.parse(readFileSync(join(repo, 'test/conformance/ratchet.json'), 'utf8')) as { passed: number };
    const skips = loadSkips(join(repo, 'test/conformance/skips.yaml'));
    const summary = runConformance(findCaseFiles([corpus]), corpus, skips);
    const coreFailures = summary.outcomes.filter((o) => o.status === 'failed' && CORE.some((c) => o.file.startsWith(c)));
    expect(coreFailures.map((o) => `${o.file}: ${o.note}: ${o.reason} (expected ${o.expected}, got ${o.actual})`)).to.deep.equal([]);
    expect(summary.passed, `conformance fell to ${summary.passed} passed (ratchet ${ratchet.passed})`).to.be.at.least(ratchet.passed);
    if (summary.passed > ratchet.passed) console.log(`    conformance improved: ${summary.passed} passed (ratchet ${ratchet.passed}); raise test/conformance/ratchet.json`);
  });
});
