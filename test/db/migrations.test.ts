import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_DATABASE_URL, databaseUrlFromEnv, getPolicyRevision, migrateDownAll, migrateLatest, migrationStatus,
  openDatabase, parseDatabaseUrl, redactUrl, storePolicyRevision,
} from '../../src/db/index.js';
import { forEachBackend } from './backends.js';

const TABLES = ['decisions', 'decision_enforcement_points', 'ledger_head', 'ledger_checkpoints', 'policy_revisions', 'admin_audit', 'reports', 'api_clients'];

describe('database URLs', () => {
  it('defaults to the embedded SQLite file when DATABASE_URL is unset or blank', () => {
    expect(databaseUrlFromEnv({})).to.equal(DEFAULT_DATABASE_URL);
    expect(databaseUrlFromEnv({ DATABASE_URL: '  ' })).to.equal('sqlite:./data/attest.db');
    expect(databaseUrlFromEnv({ DATABASE_URL: 'postgres://a@b/c' })).to.equal('postgres://a@b/c');
  });

  it('reads sqlite: and postgres:// URLs', () => {
    expect(parseDatabaseUrl('sqlite:./data/attest.db', '/srv')).to.deep.equal({ dialect: 'sqlite', filename: '/srv/data/attest.db', memory: false });
    expect(parseDatabaseUrl('sqlite:///var/lib/attest.db', '/srv')).to.deep.equal({ dialect: 'sqlite', filename: '/var/lib/attest.db', memory: false });
    expect(parseDatabaseUrl('sqlite::memory:')).to.deep.include({ memory: true });
    expect(parseDatabaseUrl('postgresql://u:p@h:5432/d')).to.deep.equal({ dialect: 'postgres', connectionString: 'postgresql://u:p@h:5432/d' });
    expect(() => parseDatabaseUrl('mysql://x')).to.throw(/unsupported database URL/);
  });

  it('hides passwords in descriptions', () => {
    expect(redactUrl('postgres://user:secret@host/db')).to.equal('postgres://user:***@host/db');
    expect(redactUrl('postgres://user@host/db')).to.equal('postgres://user@host/db');
  });

  it('creates ./data for the default SQLite file and runs it in WAL mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attest-default-'));
    const db = await openDatabase(DEFAULT_DATABASE_URL, { cwd: dir });
    try {
      await migrateLatest(db);
      expect(existsSync(join(dir, 'data', 'attest.db'))).to.equal(true);
      const mode = (await db.knex.raw('pragma journal_mode')) as Array<{ journal_mode: string }>;
      expect(mode[0].journal_mode).to.equal('wal');
      const timeout = (await db.knex.raw('pragma busy_timeout')) as Array<Record<string, number>>;
      expect(Object.values(timeout[0])[0]).to.be.greaterThan(0);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

forEachBackend('migrations', (get) => {
  async function tables(): Promise<string[]> {
    const { db } = get();
    const found: string[] = [];
    for (const t of TABLES) if (await db.knex.schema.hasTable(t)) found.push(t);
    return found;
  }

  it('run up, down and up again', async () => {
    const { db } = get();
    const first = await migrateLatest(db);
    expect(first.names.length).to.be.greaterThan(0);
    expect(await tables()).to.have.members(TABLES);
    expect((await migrationStatus(db)).pending).to.deep.equal([]);

    const down = await migrateDownAll(db);
    expect(down.names).to.have.members(first.names);
    expect(await tables()).to.deep.equal([]);

    const again = await migrateLatest(db);
    expect(again.names).to.deep.equal(first.names);
    expect(await tables()).to.have.members(TABLES);
    expect((await migrateLatest(db)).names).to.deep.equal([]);
  });

  it('seed the chain heads of both ledgers at the genesis hash', async () => {
    const heads = (await get().db.knex('ledger_head').select('ledger', 'seq', 'hash').orderBy('ledger')) as Array<{ ledger: string; seq: unknown; hash: string }>;
    expect(heads.map((h) => [h.ledger, Number(h.seq), h.hash])).to.deep.equal([
      ['admin_audit', 0, '0'.repeat(64)],
      ['decisions', 0, '0'.repeat(64)],
    ]);
  });

  it('store a policy revision once', async () => {
    const { db } = get();
    const rev = { id: 'git:abc123+sha256:ff', content_hash: 'f'.repeat(64), git_commit: 'abc123', sources: { 'policies/a.rego': 'package a\n' } };
    expect(await storePolicyRevision(db, rev)).to.equal(true);
    expect(await storePolicyRevision(db, { ...rev, sources: { other: 'x' } })).to.equal(false);
    const got = await getPolicyRevision(db, rev.id);
    expect(got?.sources).to.deep.equal(rev.sources);
    expect(got?.git_commit).to.equal('abc123');
    expect(await getPolicyRevision(db, 'missing')).to.equal(undefined);
  });
});
