import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTree, parseReplayRange, replayDecisions } from '../../src/controls/impact.js';
import type { ImpactReport } from '../../src/controls/impact.js';
import { migrateLatest, openDatabase } from '../../src/db/index.js';
import { DecisionLedger, type DecisionRecord } from '../../src/decisions/index.js';
import { attest, copyFixture, edit, MFA_TEST } from './helpers.js';

const MFA_TEST_NAME = 'data.demo.authz_test.test_mfa_denies_without_factor';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=attest test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });
}

describe('attest impact --base (CLI, temporary Git repository)', () => {
  let repo: string;
  before(async () => {
    repo = await copyFixture();
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'registry and policies');
    // The change under review: the only test that reaches demo.mfa_required goes.
    await edit(repo, 'policies/demo/authz_test.rego', MFA_TEST, '');
    git(repo, 'commit', '-q', '-am', 'drop the MFA test');
  });
  after(async () => {
    await rm(repo, { recursive: true, force: true });
  });

  it('reports the lost coverage of a commit that removes a rule\'s test (JSON)', () => {
    const r = attest(['impact', '--base', 'HEAD~1', '--format', 'json'], repo);
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(0);
    const report = JSON.parse(r.stdout) as ImpactReport;
    expect(report.changedFiles).to.deep.equal(['policies/demo/authz_test.rego']);
    expect(report.tests).to.deep.equal({ added: [], removed: [MFA_TEST_NAME], nowFailing: [], nowPassing: [] });
    expect(report.enforcementPoints).to.deep.equal([
      {
        id: 'demo.mfa_required',
        change: 'modified',
        what: ['tested', 'tests'],
        controls: ['CTL-DEMO-ACCESS'],
        testedBefore: true,
        testedAfter: false,
        testsLost: [MFA_TEST_NAME],
        testsGained: [],
      },
      {
        id: 'demo.role_permission',
        change: 'modified',
        what: ['tests'],
        controls: ['CTL-DEMO-ACCESS'],
        testedBefore: true,
        testedAfter: true,
        testsLost: [MFA_TEST_NAME],
        testsGained: [],
      },
    ]);
    const demo = report.coverage.find((f) => f.framework === 'demo')!;
    expect(demo.lost.map((c) => [c.requirement, c.before, c.after])).to.deep.equal([
      ['demo:A.1', 'covered', 'partial'],
      ['demo:A.2', 'covered', 'partial'],
    ]);
    expect(demo.before).to.deep.equal({ covered: 2, partial: 0, manual: 1, gap: 1, total: 4 });
    expect(demo.after).to.deep.equal({ covered: 0, partial: 2, manual: 1, gap: 1, total: 4 });
    expect(report.coverage.find((f) => f.framework === 'other')!.lost.map((c) => c.requirement)).to.deep.equal(['other:Art.1']);
    expect(report.controls.touched).to.deep.equal(['CTL-DEMO-ACCESS']);
    expect(report.requirements).to.deep.equal(['demo:A.1', 'demo:A.2', 'other:Art.1']);
    expect(report.problems.introduced).to.deep.equal([
      'policies/demo/authz.rego:13:1: enforcement point demo.mfa_required has no passing policy test [untested_enforcement_point]',
      `controls/access.yaml:16:5: control CTL-DEMO-ACCESS lists test ${MFA_TEST_NAME}, but no loaded policy test has that name [unknown_test]`,
    ]);
  });

  it('says the same as Markdown for a pull-request comment', () => {
    const r = attest(['impact', '--base', 'HEAD~1'], repo);
    expect(r.status).to.equal(0);
    expect(r.stdout).to.match(/^## Compliance impact \(against `HEAD~1`\)\n/);
    expect(r.stdout).to.contain('> [!WARNING]\n> This change removes coverage from 3 requirements.');
    expect(r.stdout).to.contain('| `demo:A.2` | Strong authentication | covered | partial | `CTL-DEMO-ACCESS` |');
    expect(r.stdout).to.contain('| demo | 2 → **0** | 0 → **2** | 1 | 1 |');
    expect(r.stdout).to.contain(`| \`demo.mfa_required\` | tested, tests | yes → **no** | \`${MFA_TEST_NAME}\` | — | \`CTL-DEMO-ACCESS\` |`);
    expect(r.stdout).to.contain(`- Removed: \`${MFA_TEST_NAME}\``);
  });

  it('compares against the working tree, uncommitted changes included', async () => {
    expect(attest(['impact', '--base', 'HEAD'], repo).stdout).to.contain('No changes to policies or controls.');
    await edit(repo, 'controls/review.yaml', '  - demo:A.3\n', '  - demo:A.3\n  - demo:A.4\n');
    try {
      const report = JSON.parse(attest(['impact', '--base', 'HEAD', '--format', 'json'], repo).stdout) as ImpactReport;
      expect(report.controls).to.deep.equal({ added: [], removed: [], modified: ['CTL-DEMO-REVIEW'], touched: ['CTL-DEMO-REVIEW'] });
      expect(report.coverage.find((f) => f.framework === 'demo')!.gained.map((c) => [c.requirement, c.before, c.after])).to.deep.equal([['demo:A.4', 'gap', 'manual']]);
    } finally {
      git(repo, 'checkout', '-q', '--', 'controls/review.yaml');
    }
  });

  it('fails with git\'s message on an unknown revision', () => {
    const r = attest(['impact', '--base', 'no-such-branch'], repo);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/^attest impact: unknown revision "no-such-branch"/);
    expect(attest(['impact'], repo).stderr).to.contain('--base REF is required');
  });
});

const BASE_POLICY = `package demo.authz

# METADATA
# custom:
#   id: demo.mfa_required
deny contains "demo.mfa_required" if {
	input.action == "admin"
	not input.mfa
}

decision := {"allow": count(deny) == 0, "reasons": deny}
`;
// The candidate also wants MFA for writes.
const HEAD_POLICY = BASE_POLICY.replace('input.action == "admin"', 'input.action in {"admin", "write"}');

function record(seq: number, input: Record<string, unknown> | undefined, outcome: string, points: string[]): DecisionRecord {
  return {
    seq,
    decision_id: randomUUID(),
    timestamp: `2025-01-0${seq}T00:00:00.000000000Z`,
    path: 'demo/authz/decision',
    outcome,
    ...(input ? { input: input as DecisionRecord['input'] } : {}),
    revision: 'rev-1',
    caller: null,
    tenant: null,
    environment: null,
    latency_ns: 1,
    enforcement_points: points,
    prev_hash: '',
    hash: '',
  };
}

describe('impact replay of recorded decisions', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'attest-replay-'));
    for (const [side, text] of [['base', BASE_POLICY], ['head', HEAD_POLICY]]) {
      await mkdir(join(dir, side, 'policies'), { recursive: true });
      await writeFile(join(dir, side, 'policies', 'authz.rego'), text);
    }
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const decisions = (): DecisionRecord[] => [
    record(1, { action: 'admin' }, 'deny', ['demo.mfa_required']),
    record(2, { action: 'write' }, 'allow', []),
    record(3, { action: 'read' }, 'allow', []),
    record(4, undefined, 'undefined', []),
    record(5, { action: 'read' }, 'deny', []),
  ];

  it('counts outcomes the candidate policies would change, per enforcement point', async () => {
    const dirs = { policies: 'policies', controls: 'controls' };
    const base = await loadTree(join(dir, 'base'), dirs);
    const head = await loadTree(join(dir, 'head'), dirs);
    const report = await replayDecisions(decisions(), base.policy, head.policy, { from: '2025-01-01T00:00:00.000000000Z' });
    expect(report).to.deep.equal({
      range: { from: '2025-01-01T00:00:00.000000000Z' },
      decisions: 5,
      skipped: 1,
      outcomeChanged: 1,
      resultChanged: 1,
      differsFromRecorded: 2,
      transitions: [{ from: 'allow', to: 'deny', count: 1 }],
      byEnforcementPoint: [
        { id: 'demo.mfa_required', decisions: 2, outcomeChanged: 1, resultChanged: 1 },
        { id: '(none)', decisions: 2, outcomeChanged: 0, resultChanged: 0 },
      ],
    });
  });

  it('reads FROM..TO as RFC 3339 timestamps or dates, either side open', () => {
    expect(parseReplayRange('2025-01-01..2025-02-01T12:00:00Z')).to.deep.equal({ from: '2025-01-01T00:00:00.000000000Z', to: '2025-02-01T12:00:00.000000000Z' });
    expect(parseReplayRange('..2025-02-01')).to.deep.equal({ to: '2025-02-01T00:00:00.000000000Z' });
    expect(() => parseReplayRange('2025-01-01')).to.throw(RangeError, '--replay must be FROM..TO');
  });

  it('replays a SQLite ledger through the CLI', async () => {
    const repo = await copyFixture();
    try {
      git(repo, 'init', '-q', '-b', 'main');
      git(repo, 'add', '.');
      git(repo, 'commit', '-q', '-m', 'base');
      // Candidate: MFA for writes too.
      await edit(repo, 'policies/demo/authz.rego', 'input.action == "admin"', 'input.action in {"admin", "write"}');
      const url = `sqlite:${join(repo, 'ledger.db')}`;
      const db = await openDatabase(url);
      await migrateLatest(db);
      const ledger = new DecisionLedger(db);
      const subject = { roles: ['admin'] };
      for (const [i, action] of ['write', 'read', 'admin'].entries()) {
        await ledger.append({ decision_id: randomUUID(), timestamp: new Date(Date.UTC(2025, 0, 2 + i)), path: 'demo/authz/allow', input: { subject, action }, result: action !== 'admin', revision: 'r1', latency_ns: 1, enforcement_points: action === 'admin' ? ['demo.mfa_required'] : [] });
      }
      await ledger.close();
      await db.close();
      const r = attest(['impact', '--base', 'HEAD', '--replay', '2025-01-01..2025-01-05', '--db', url, '--format', 'json'], repo);
      expect(r.stderr).to.equal('');
      const report = JSON.parse(r.stdout) as ImpactReport;
      expect(report.replay).to.include({ decisions: 3, outcomeChanged: 1, differsFromRecorded: 1 });
      expect(report.replay!.transitions).to.deep.equal([{ from: 'allow', to: 'deny', count: 1 }]);
      const md = attest(['impact', '--base', 'HEAD', '--replay', '2025-01-01..', '--db', url], repo).stdout;
      expect(md).to.contain('### Replay of recorded decisions (2025-01-01T00:00:00.000000000Z..now)');
      expect(md).to.contain('3 decisions replayed: **1** would change outcome');
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });
});
