import type { Knex } from 'knex';

/**
 * Security and data lifecycle: API client names, auditor time windows and
 * token rotation with a grace period; anonymisation markers on ledger rows
 * (the payload goes, the digests and the chain stay); legal holds on
 * attest's own records.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_clients', (t) => {
    t.string('name', 128);
    t.string('window_from', 30);
    t.string('window_to', 30);
    t.string('prev_token_salt', 64);
    t.string('prev_token_hash', 128);
    t.string('prev_valid_until', 30);
    t.string('rotated_at', 30);
    t.text('created_by');
  });
  await knex.schema.alterTable('decisions', (t) => {
    t.string('anonymised_at', 30);
    t.string('anonymised_run', 36);
    // Canonical JSON {input, result, residual}: SHA-256 of what was dropped and of what was kept.
    t.text('payload_digest');
  });
  await knex.schema.createTable('legal_holds', (t) => {
    t.string('id', 36).primary();
    // null: every tenant.
    t.string('tenant', 128);
    t.string('type', 64).notNullable();
    t.string('ticket', 128);
    t.text('reason');
    t.string('placed_at', 30).notNullable();
    t.text('placed_by').notNullable();
    t.string('reviewed_at', 30);
    t.string('released_at', 30);
    t.text('released_by');
    t.index(['tenant']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('legal_holds');
  await knex.schema.alterTable('decisions', (t) => {
    t.dropColumn('anonymised_at');
    t.dropColumn('anonymised_run');
    t.dropColumn('payload_digest');
  });
  await knex.schema.alterTable('api_clients', (t) => {
    for (const c of ['name', 'window_from', 'window_to', 'prev_token_salt', 'prev_token_hash', 'prev_valid_until', 'rotated_at', 'created_by']) t.dropColumn(c);
  });
}
