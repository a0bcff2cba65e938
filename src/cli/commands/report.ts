import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { UnknownFrameworkError } from '../../controls/index.js';
import { databaseUrlFromEnv, migrateLatest, openDatabase } from '../../db/index.js';
import { KeyStore, KeyStoreError, PeriodError, generateReport, parsePeriod } from '../../evidence/index.js';
import { flagString, parseArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';

export const command: Command = {
  summary: 'Generate a signed evidence report (PDF, JSON, CSV, OSCAL) for a framework and period',
  usage: `Usage: attest report --framework soc2|iso27001|gdpr --from DATE --to DATE [--tenant T] --out DIR

Writes report.pdf, report.json, controls.csv, oscal-assessment-results.json
and manifest.json (signed) to DIR, records the report in the database and
logs its generation as an admin action. Progress goes to standard error.

  --from DATE        first day (YYYY-MM-DD) or RFC 3339 time, inclusive
  --to DATE          last day, inclusive (or an RFC 3339 time, exclusive)
  --tenant T         a tenant pack: only T's decisions, plus its deletion receipts
  --policies DIR     policy tree (default ./policies)
  --controls DIR     control registry (default ./controls)
  --requested-by ID  who asks (default cli:$USER)
  --database URL     database (default $DATABASE_URL, else sqlite:./data/attest.db)
  --keys DIR         signing key store (default $ATTEST_KEY_DIR, else ./data/keys);
                     the private key is encrypted with $ATTEST_KEK (base64, 32 bytes)
  --checkpoint-key FILE  the server's checkpoint key (default ./data/checkpoint-key.pem):
                     checkpoints are checked with its public half, which the
                     manifest names so that \`attest verify\` can check them too`,
  async run(argv) {
    const args = parseArgs(argv, [
      { name: 'framework', kind: 'string' },
      { name: 'from', kind: 'string' },
      { name: 'to', kind: 'string' },
      { name: 'tenant', kind: 'string' },
      { name: 'out', short: 'o', kind: 'string' },
      { name: 'policies', kind: 'string' },
      { name: 'controls', kind: 'string' },
      { name: 'requested-by', kind: 'string' },
      { name: 'database', kind: 'string' },
      { name: 'keys', kind: 'string' },
      { name: 'checkpoint-key', kind: 'string' },
    ]);
    const need = (n: string) => flagString(args, n) ?? (() => { throw new UsageError(`--${n} is required`); })();
    const framework = need('framework');
    const out = resolve(need('out'));
    let period;
    try {
      period = parsePeriod(need('from'), need('to'));
    } catch (e) {
      if (e instanceof PeriodError) throw new UsageError(e.message);
      throw e;
    }
    const step = (m: string) => process.stderr.write(`attest report: ${m}\n`);
    const db = await openDatabase(flagString(args, 'database') ?? databaseUrlFromEnv());
    try {
      await migrateLatest(db);
      const keyStore = new KeyStore({ dir: flagString(args, 'keys') });
      const { checkpointPublicKey } = await import('../../server/index.js');
      const checkpointKey = checkpointPublicKey(resolve(flagString(args, 'checkpoint-key') ?? 'data/checkpoint-key.pem'));
      const r = await generateReport({
        db, framework, period, tenant: flagString(args, 'tenant') ?? null,
        policiesDir: flagString(args, 'policies') ?? 'policies',
        controlsDir: flagString(args, 'controls') ?? 'controls',
        requestedBy: flagString(args, 'requested-by') ?? `cli:${safeUser()}`,
        outDir: out, keyStore, onProgress: step, checkpointKeys: checkpointKey ? [checkpointKey] : [],
      });
      step(`done in ${(r.durationMs / 1000).toFixed(1)} s: ${r.pages} pages, ${r.report.runtime.total} decisions`);
      console.log(`report ${r.id} → ${out}`);
      for (const [name, sha] of Object.entries(r.files)) console.log(`  ${name.padEnd(31)} sha256:${sha}`);
      console.log(`manifest digest ${r.manifest.digest} (signed by ${r.manifest.signature?.key_id})`);
      console.log(`check it with: attest verify ${out}`);
      return 0;
    } catch (e) {
      if (e instanceof UnknownFrameworkError || e instanceof KeyStoreError) {
        console.error(`attest report: ${e.message}`);
        return 1;
      }
      throw e;
    } finally {
      await db.close();
    }
  },
};

function safeUser(): string {
  try {
    return process.env.USER || userInfo().username;
  } catch {
    return 'unknown';
  }
}
