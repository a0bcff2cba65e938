import { existsSync } from 'node:fs';
import { databaseUrlFromEnv, openDatabase, parseDatabaseUrl } from '../../db/index.js';
import { appendAdminAction } from '../../decisions/index.js';
import { KeyStore, KeyStoreError, certificateFingerprint } from '../../evidence/index.js';
import { flagString, parseArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';

export const command: Command = {
  summary: 'Manage the report-signing key: show, cert, rotate',
  usage: `Usage: attest keys show|cert|rotate [--keys DIR] [--database URL]

  show     the active key id, algorithm, certificate fingerprint, and earlier certificates
  cert     print the active signing certificate (PEM) to give auditors (attest verify --cert)
  rotate   make a new signing key; earlier certificates stay in DIR/certs so older
           reports still verify. Logged as an admin action when the database is reachable.

The private key is stored encrypted (AES-256-GCM) under $ATTEST_KEK (base64,
32 bytes: openssl rand -base64 32). Key store: --keys, $ATTEST_KEY_DIR or ./data/keys.`,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub !== 'show' && sub !== 'cert' && sub !== 'rotate') throw new UsageError('a subcommand is required: show, cert or rotate');
    const args = parseArgs(rest, [{ name: 'keys', kind: 'string' }, { name: 'database', kind: 'string' }]);
    const store = new KeyStore({ dir: flagString(args, 'keys') });
    try {
      if (sub === 'cert') {
        process.stdout.write(store.activeKey().certificate);
        return 0;
      }
      if (sub === 'show') {
        const k = store.activeKey();
        console.log(`active key   ${k.keyId} (${k.algorithm}), created ${k.createdAt}`);
        console.log(`certificate  sha256 ${certificateFingerprint(k.certificate)}`);
        console.log(`key store    ${store.dir}`);
        const others = [...store.certificates()].filter(([id]) => id !== k.keyId);
        for (const [id, pem] of others) console.log(`earlier      ${id} (certificate sha256 ${certificateFingerprint(pem)})`);
        return 0;
      }
      const { previous, current } = store.rotate();
      console.log(`new signing key ${current.keyId} (certificate sha256 ${certificateFingerprint(current.certificate)})`);
      if (previous) console.log(`previous key ${previous}: private key replaced, certificate kept for verification`);
      await logRotation(flagString(args, 'database') ?? databaseUrlFromEnv(), previous, current.keyId);
      return 0;
    } catch (e) {
      if (e instanceof KeyStoreError) {
        console.error(`attest keys ${sub}: ${e.message}`);
        return 1;
      }
      throw e;
    }
  },
};

async function logRotation(url: string, previous: string | undefined, current: string): Promise<void> {
  try {
    const parsed = parseDatabaseUrl(url);
    if (parsed.dialect === 'sqlite' && !parsed.memory && !existsSync(parsed.filename)) return;
    const db = await openDatabase(url, { timeoutMs: 3000 });
    try {
      await appendAdminAction(db, { actor: `cli:${process.env.USER ?? 'unknown'}`, action: 'keys.rotate', target: current, details: { previous: previous ?? null } });
    } finally {
      await db.close();
    }
  } catch (e) {
    console.error(`attest keys rotate: the rotation could not be logged as an admin action: ${(e as Error).message}`);
  }
}
