/**
 * Configuration for the knex CLI: `npx knex --knexfile dist/knexfile.js --cwd . migrate:latest`
 * (`--cwd .` keeps a relative SQLite path relative to the project, not to dist/).
 * attest itself runs the same migrations through `attest migrate` / `migrateLatest`.
 * The database comes from DATABASE_URL, defaulting to the embedded SQLite file.
 */
import type { Knex } from 'knex';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { databaseUrlFromEnv } from './src/db/connection.js';
import { parseDatabaseUrl } from './src/db/url.js';

const here = dirname(fileURLToPath(import.meta.url));
const parsed = parseDatabaseUrl(databaseUrlFromEnv());
if (parsed.dialect === 'sqlite' && !parsed.memory) mkdirSync(dirname(parsed.filename), { recursive: true });

const config: Knex.Config =
  parsed.dialect === 'sqlite'
    ? { client: 'better-sqlite3', connection: { filename: parsed.filename }, useNullAsDefault: true }
    : { client: 'pg', connection: parsed.connectionString };

// Compiled migrations sit next to this file under dist/.
config.migrations = { directory: join(here, 'src', 'db', 'migrations'), loadExtensions: ['.js'] };

export default config;
