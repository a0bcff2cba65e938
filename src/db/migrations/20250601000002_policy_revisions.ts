import type { Knex } from 'knex';

/** Policy snapshots, stored once per revision so a decision can be replayed. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('policy_revisions', (t) => {
    t.string('id', 128).primary();
    t.string('content_hash', 64).notNullable().index();
    t.string('git_commit', 64);
    t.text('sources').notNullable();
    t.string('created_at', 30).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('policy_revisions');
}
