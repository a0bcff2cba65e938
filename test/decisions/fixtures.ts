import { randomUUID } from 'node:crypto';
import type { Database } from '../../src/db/index.js';
import type { DecisionInput } from '../../src/decisions/index.js';

let n = 0;

/** A plausible decision; `i` varies tenant, outcome and enforcement points. */
export function decision(i = n++, extra: Partial<DecisionInput> = {}): DecisionInput {
  return {
    decision_id: randomUUID(),
    timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, 0, i)),
    path: i % 5 === 0 ? 'moderation/decision' : 'access/decision',
    input: { user: `user-${i}`, action: 'read', resource: { id: i, big: 18446744073709551615n } },
    result: { allow: i % 2 === 0, reasons: i % 2 === 0 ? [] : ['no role'] },
    revision: 'rev-1',
    caller: 'client-a',
    tenant: `tenant-${i % 3}`,
    environment: 'test',
    latency_ns: 1000 + i,
    enforcement_points: i % 4 === 0 ? ['ep.access.mfa', 'ep.access.roles'] : ['ep.access.roles'],
    ...extra,
  };
}

/** Empties both ledgers and their checkpoints. */
export async function resetLedgers(db: Database): Promise<void> {
  await db.knex('decision_enforcement_points').del();
  await db.knex('decisions').del();
  await db.knex('admin_audit').del();
  await db.knex('ledger_checkpoints').del();
  await db.knex('ledger_head').update({ seq: 0, hash: '0'.repeat(64) });
}
