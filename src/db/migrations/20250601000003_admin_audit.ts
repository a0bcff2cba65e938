import type { Knex } from 'knex';

/** Administrative actions, hash-chained by the same code as the decision ledger. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('admin_audit', (t) => {
    t.bigInteger('seq').primary();
    t.string('entry_id', 36).notNullable().unique();
    t.string('ts', 30).notNullable().index();
    t.text('actor').notNullable();
    t.string('action', 128).notNullable();
    t.text('target');
    t.string('tenant', 128);
    t.text('details');
    t.string('prev_hash', 64).notNullable();
    t.string('hash', 64).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('admin_audit');
}
