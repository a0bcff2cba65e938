import { existsSync, readFileSync } from 'node:fs';
import { databaseUrlFromEnv, openDatabase, parseDatabaseUrl, type Database } from '../../db/index.js';
import { KeyStore, trustedCertificates, verifyReportFolder } from '../../evidence/index.js';
import { flagBool, flagList, flagString, parseArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';

export const command: Command = {
  summary: 'Verify an evidence report: signature, every hash, and the ledger of its period',
  usage: `Usage: attest verify DIR|report.pdf [--cert FILE]... [--database URL | --no-database]

Checks the manifest's signature and certificate, the SHA-256 of every file,
that report.pdf names this manifest, and (when the database is reachable)
re-verifies the ledger segment of the report's period. Prints each check
with OK, FAIL or SKIP; exit status 1 when any check fails.

  --cert FILE       a trusted signing certificate (PEM); repeatable. The key
                    store's certificates (--keys, $ATTEST_KEY_DIR, ./data/keys)
                    are trusted too when present.
  --database URL    database (default $DATABASE_URL, else sqlite:./data/attest.db)
  --no-database     skip the ledger checks`,
  async run(argv) {
    const args = parseArgs(argv, [
      { name: 'cert', kind: 'multi' },
      { name: 'database', kind: 'string' },
      { name: 'no-database', kind: 'boolean' },
      { name: 'keys', kind: 'string' },
      { name: 'json', kind: 'boolean' },
    ]);
    if (args.positionals.length !== 1) throw new UsageError('give one report folder or report.pdf');
    const extra = flagList(args, 'cert').map((f) => readFileSync(f, 'utf8'));
    const store = new KeyStore({ dir: flagString(args, 'keys'), warn: () => undefined });
    const trusted = trustedCertificates(existsSync(store.dir) ? store : undefined, extra);
    const db = flagBool(args, 'no-database') ? { unreachable: 'skipped (--no-database)' } : await connect(flagString(args, 'database') ?? databaseUrlFromEnv());
    try {
      const result = await verifyReportFolder(args.positionals[0], { db, trusted });
      if (flagBool(args, 'json')) {
        process.stdout.write(JSON.stringify({ ok: result.ok, checks: result.checks }, null, 2) + '\n');
      } else {
        const w = Math.max(...result.checks.map((c) => c.name.length));
        for (const c of result.checks) console.log(`${c.status.padEnd(4)}  ${c.name.padEnd(w)}  ${c.detail}`);
        const failed = result.checks.filter((c) => c.status === 'FAIL');
        console.log(failed.length ? `\nFAILED: ${failed.map((c) => c.name).join(', ')}` : `\nverified: ${result.checks.filter((c) => c.status === 'OK').length} checks OK, ${result.checks.filter((c) => c.status === 'SKIP').length} skipped`);
      }
      return result.ok ? 0 : 1;
    } finally {
      if ('knex' in db) await db.close();
    }
  },
};

/** Opens the database if it is there and answers; never creates an empty SQLite file. */
async function connect(url: string): Promise<Database | { unreachable: string }> {
  try {
    const parsed = parseDatabaseUrl(url);
    if (parsed.dialect === 'sqlite' && !parsed.memory && !existsSync(parsed.filename)) return { unreachable: `no database at ${parsed.filename}` };
    const db = await openDatabase(url, { timeoutMs: 3000 });
    try {
      await db.ping();
      if (!(await db.knex.schema.hasTable('decisions'))) throw new Error('it has no decision ledger');
      return db;
    } catch (e) {
      await db.close().catch(() => undefined);
      return { unreachable: (e as Error).message };
    }
  } catch (e) {
    return { unreachable: (e as Error).message };
  }
}
