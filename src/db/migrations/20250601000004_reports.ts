import type { Knex } from 'knex';

/** Evidence reports that were generated, with the hashes of what was delivered. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('reports', (t) => {
    t.string('id', 36).primary();
    t.string('framework', 64).notNullable();
    t.string('period_start', 30).notNullable();
    t.string('period_end', 30).notNullable();
    t.string('tenant', 128);
    t.text('hashes').notNullable(); // JSON: {format: sha256 hex}
    t.text('requested_by').notNullable();
    t.string('created_at', 30).notNullable().index();
    t.index(['framework', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('reports');
}
