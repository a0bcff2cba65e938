export { openDatabase, databaseUrlFromEnv, type Database, type OpenOptions, type PostgresSettings } from './connection.js';
export { DEFAULT_DATABASE_URL, parseDatabaseUrl, redactUrl, type Dialect, type ParsedDatabaseUrl } from './url.js';
export { migrateLatest, migrateDownAll, migrationStatus, migrationSource, type MigrationReport } from './migrate.js';
export { isUniqueViolation } from './errors.js';
export { storePolicyRevision, getPolicyRevision, type PolicyRevision } from './revisions.js';
