import type { Knex } from 'knex';

/**
 * Ad-hoc queries (`POST`/`GET /v1/query`) are decisions too: the query text
 * is kept beside the path (empty for a query), inside the hashed body.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('decisions', (t) => {
    t.text('query');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('decisions', (t) => {
    t.dropColumn('query');
  });
}
