import type { Knex } from 'knex';

/** Genesis value of every chain: the predecessor hash of record 1. */
const GENESIS = '0'.repeat(64);

/**
 * The decision ledger: one row per decision, hash-chained by `seq`, plus the
 * chain head per ledger (the row writers lock) and signed checkpoints.
 * JSON is stored as text so the bytes that were hashed are the bytes kept.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ledger_head', (t) => {
    t.string('ledger', 64).primary();
    t.bigInteger('seq').notNullable();
    t.string('hash', 64).notNullable();
    t.string('updated_at', 30).notNullable();
  });
  const now = new Date().toISOString();
  await knex('ledger_head').insert([
    { ledger: 'decisions', seq: 0, hash: GENESIS, updated_at: now },
    { ledger: 'admin_audit', seq: 0, hash: GENESIS, updated_at: now },
  ]);

  await knex.schema.createTable('decisions', (t) => {
    t.bigInteger('seq').primary();
    t.string('decision_id', 36).notNullable().unique();
    t.string('ts', 30).notNullable().index();
    t.text('path').notNullable();
    t.string('outcome', 32).notNullable();
    t.text('input');
    t.text('result');
    t.text('erased');
    t.text('masked');
    t.string('revision', 128).notNullable();
    t.text('caller');
    t.string('tenant', 128);
    t.string('environment', 64);
    t.bigInteger('latency_ns').notNullable();
    t.text('enforcement_points').notNullable();
    t.string('prev_hash', 64).notNullable();
    t.string('hash', 64).notNullable();
    // Every index costs each append; filters without one (outcome) scan the
    // seq order, which keyset paging walks anyway.
    t.index(['path', 'seq']);
    t.index(['tenant', 'seq']);
  });

  // Which enforcement points fired, as rows, so the query API can filter on
  // them with an index. Derived from `decisions.enforcement_points` (which is hashed).
  await knex.schema.createTable('decision_enforcement_points', (t) => {
    t.string('point_id', 128).notNullable();
    t.bigInteger('decision_seq').notNullable();
    t.primary(['point_id', 'decision_seq']);
  });

  await knex.schema.createTable('ledger_checkpoints', (t) => {
    t.increments('id').primary();
    t.string('ledger', 64).notNullable();
    t.bigInteger('seq').notNullable();
    t.string('head_hash', 64).notNullable();
    t.bigInteger('record_count').notNullable();
    t.string('created_at', 30).notNullable();
    t.string('key_id', 256).notNullable();
    t.string('algorithm', 32).notNullable();
    t.text('signature').notNullable();
    t.index(['ledger', 'seq']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('ledger_checkpoints');
  await knex.schema.dropTableIfExists('decision_enforcement_points');
  await knex.schema.dropTableIfExists('decisions');
  await knex.schema.dropTableIfExists('ledger_head');
}
