import type { Knex } from 'knex';

/** API clients: the token itself is never stored, only a salted hash of it. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_clients', (t) => {
    t.string('id', 64).primary();
    t.string('tenant', 128);
    t.text('roles').notNullable(); // JSON array of role names
    t.string('token_salt', 64).notNullable();
    t.string('token_hash', 128).notNullable();
    t.string('expires_at', 30);
    t.string('revoked_at', 30);
    t.string('created_at', 30).notNullable();
    t.index(['tenant']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('api_clients');
}
