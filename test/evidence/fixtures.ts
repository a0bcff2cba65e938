/**
 * Fixtures for evidence tests and the report benchmark: a small policy tree
 * with enforcement points and tests (in its own Git repository), and a ledger
 * seeded with decisions across tenants, outcomes and enforcement points.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../../src/db/index.js';
import { DecisionLedger, appendAdminAction, storeRevisionFor, type DecisionInput } from './seed-helpers.js';

export const ACCESS_REGO = `package access

import rego.v1

# METADATA
# title: MFA for production and admin actions
# custom:
#   id: access.mfa_required
#   controls: [CTL-ACCESS-MFA]
deny contains "mfa required" if {
	input.environment == "production"
	not input.subject.mfa
}

# METADATA
# title: Tenant-scoped subjects stay in their tenant
# custom:
#   id: access.tenant_boundary
#   controls: [CTL-ACCESS-TENANT-SEGMENTATION]
deny contains "tenant boundary" if {
	input.subject.tenant != input.resource.tenant
}

allow if count(deny) == 0
`;

export const ACCESS_TEST_REGO = `package access_test

import rego.v1
import data.access

test_mfa_denied if {
	"mfa required" in access.deny with input as {"environment": "production", "subject": {"tenant": "a"}, "resource": {"tenant": "a"}}
}

test_allowed_with_mfa if {
	access.allow with input as {"environment": "production", "subject": {"mfa": true, "tenant": "a"}, "resource": {"tenant": "a"}}
}
`;

/** Writes the policy tree into `dir` and commits it in a fresh Git repository (when git is installed). */
export function writePolicyTree(dir: string, when = '2025-02-01T10:00:00Z'): void {
  mkdirSync(join(dir, 'access'), { recursive: true });
  writeFileSync(join(dir, 'access', 'access.rego'), ACCESS_REGO);
  writeFileSync(join(dir, 'access', 'access_test.rego'), ACCESS_TEST_REGO);
  try {
    const env = { ...process.env, GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when, GIT_AUTHOR_NAME: 'Ada Policy', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada Policy', GIT_COMMITTER_EMAIL: 'ada@example.com' };
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, stdio: 'pipe' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'Require MFA for production access');
  } catch {
    // no git: the report says so
  }
}

export const POLICY_SOURCES: Record<string, string> = { 'access/access.rego': ACCESS_REGO, 'access/access_test.rego': ACCESS_TEST_REGO };

export interface SeedOptions {
  count: number;
  /** First decision time; decisions are spread `stepMs` apart. */
  start?: Date;
  stepMs?: number;
  tenants?: string[];
  revision?: string;
}

/** The i-th seeded decision: outcomes, tenants and enforcement points vary with i. */
export function seededDecision(i: number, o: SeedOptions): DecisionInput {
  const tenants = o.tenants ?? ['acme', 'globex', 'initech'];
  const tenant = tenants[i % tenants.length];
  const start = (o.start ?? new Date('2025-01-01T00:00:00Z')).getTime();
  const ts = new Date(start + i * (o.stepMs ?? 3_600_000));
  const kind = i % 10;
  const base = { decision_id: randomUUID(), timestamp: ts, revision: o.revision ?? 'rev-a', caller: 'svc-gateway', tenant, latency_ns: 40_000 + (i % 97) };
  if (kind === 9) {
    return { ...base, path: 'retention/decision', input: { record: { id: `rec-${i}`, class: 'content' } }, result: { action: i % 20 === 9 ? 'delete' : 'anonymize' }, outcome: 'defined', environment: 'production', enforcement_points: ['retention.schedule'] };
  }
  const production = i % 3 !== 0;
  const mfa = i % 7 !== 0;
  const deny = production && !mfa;
  return {
    ...base,
    path: 'access/decision',
    input: { subject: { user: `user-${i % 50}@${tenant}.example`, mfa, tenant }, action: 'read', environment: production ? 'production' : 'staging', resource: { tenant } },
    result: { allow: !deny, reasons: deny ? [{ id: 'access.mfa_required', message: 'mfa required' }] : [] },
    environment: production ? 'production' : 'staging',
    enforcement_points: deny ? ['access.mfa_required'] : ['access.tenant_boundary', 'access.mfa_required'],
  };
}

/** Appends `count` decisions (in concurrent batches, so group commit makes it quick). */
export async function seedLedger(db: Database, o: SeedOptions): Promise<void> {
  const ledger = new DecisionLedger(db);
  try {
    const batch = 2000;
    for (let i = 0; i < o.count; i += batch) {
      const n = Math.min(batch, o.count - i);
      await Promise.all(Array.from({ length: n }, (_, k) => ledger.append(seededDecision(i + k, o))));
    }
  } finally {
    await ledger.close();
  }
  await storeRevisionFor(db, o.revision ?? 'rev-a', POLICY_SOURCES);
  await appendAdminAction(db, { actor: 'alice@example.com', action: 'policy.reload', target: o.revision ?? 'rev-a', timestamp: o.start ?? new Date('2025-01-01T00:00:00Z') });
  await appendAdminAction(db, { actor: 'bob@example.com', action: 'client.create', target: 'svc-globex', tenant: 'globex', timestamp: new Date((o.start ?? new Date('2025-01-01T00:00:00Z')).getTime() + 86_400_000) });
}
