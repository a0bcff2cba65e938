import { databaseUrlFromEnv, migrateLatest, migrationStatus, openDatabase } from '../../db/index.js';
import { flagBool, flagString, parseArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';

export const command: Command = {
  summary: 'Bring the database schema up to date (knex migrations)',
  usage: `Usage: attest migrate [--database URL] [--status]

  --database URL   database (default $DATABASE_URL, else sqlite:./data/attest.db)
  --status         list applied and pending migrations without changing anything`,
  async run(argv) {
    const args = parseArgs(argv, [
      { name: 'database', kind: 'string' },
      { name: 'status', kind: 'boolean' },
    ]);
    if (args.positionals.length) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
    const db = await openDatabase(flagString(args, 'database') ?? databaseUrlFromEnv());
    try {
      if (flagBool(args, 'status')) {
        const { applied, pending } = await migrationStatus(db);
        console.log(`${db.description}`);
        for (const n of applied) console.log(`  applied  ${n}`);
        for (const n of pending) console.log(`  pending  ${n}`);
        return 0;
      }
      const { names } = await migrateLatest(db);
      console.log(names.length ? `${db.description}: applied ${names.join(', ')}` : `${db.description}: already up to date`);
      return 0;
    } catch (e) {
      console.error(`attest migrate: ${db.description}: ${(e as Error).message}`);
      return 1;
    } finally {
      await db.close();
    }
  },
};
