import type { Knex } from 'knex';
import type { Database } from './connection.js';
import * as m1 from './migrations/20250601000001_decision_ledger.js';
import * as m2 from './migrations/20250601000002_policy_revisions.js';
import * as m3 from './migrations/20250601000003_admin_audit.js';
import * as m4 from './migrations/20250601000004_reports.js';
import * as m5 from './migrations/20250601000005_api_clients.js';
import * as m6 from './migrations/20250601000006_security.js';
import * as m7 from './migrations/20251128000007_decision_queries.js';

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * The migrations, in order. Names carry `.js` because that is what the knex
 * CLI records when it reads the compiled directory, so both ways of running
 * migrations agree on what has been applied.
 */
const MIGRATIONS: ReadonlyArray<readonly [string, MigrationModule]> = [
  ['20250601000001_decision_ledger.js', m1],
  ['20250601000002_policy_revisions.js', m2],
  ['20250601000003_admin_audit.js', m3],
  ['20250601000004_reports.js', m4],
  ['20250601000005_api_clients.js', m5],
  ['20250601000006_security.js', m6],
  ['20251128000007_decision_queries.js', m7],
];

/** A knex migration source over the statically imported migrations (no directory scanning). */
export const migrationSource: Knex.MigrationSource<readonly [string, MigrationModule]> = {
  async getMigrations() {
    return [...MIGRATIONS];
  },
  getMigrationName(migration) {
    return migration[0];
  },
  async getMigration(migration) {
    return migration[1];
  },
};

export interface MigrationReport {
  /** Migrations applied (or rolled back) by this call. */
  names: string[];
}

/** Brings the schema up to date. Safe to run from several processes at once (knex locks). */
export async function migrateLatest(db: Database): Promise<MigrationReport> {
  const [, names] = (await db.knex.migrate.latest({ migrationSource })) as [number, string[]];
  return { names };
}

/** Rolls back every applied migration (tests and `attest migrate --down`). */
export async function migrateDownAll(db: Database): Promise<MigrationReport> {
  const [, names] = (await db.knex.migrate.rollback({ migrationSource }, true)) as [number, string[]];
  return { names };
}

/** Names of applied and pending migrations. */
export async function migrationStatus(db: Database): Promise<{ applied: string[]; pending: string[] }> {
  const [applied, pending] = (await db.knex.migrate.list({ migrationSource })) as [Array<{ name: string }>, Array<readonly [string, MigrationModule]>];
  return { applied: applied.map((x) => x.name), pending: pending.map((x) => x[0]) };
}
