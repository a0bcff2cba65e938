/**
 * The databases tests run against: a temporary SQLite file always, and
 * PostgreSQL when TEST_DATABASE_URL is set (each test database in its own
 * schema, dropped afterwards, so reruns start clean).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../src/db/index.js';

export interface Backend {
  name: 'SQLite' | 'PostgreSQL';
  /** Why the backend is unavailable, if it is. */
  skip?: string;
  /** A fresh, empty database (not migrated). */
  create(): Promise<TestDatabase>;
}

export interface TestDatabase {
  db: Database;
  url: string;
  schema?: string;
  /** Closes and removes the database. */
  dispose(): Promise<void>;
}

let counter = 0;

export const BACKENDS: Backend[] = [
  {
    name: 'SQLite',
    async create() {
      const dir = mkdtempSync(join(tmpdir(), 'attest-db-'));
      const url = `sqlite:${join(dir, 'ledger.db')}`;
      const db = await openDatabase(url);
      return {
        db, url,
        async dispose() {
          await db.close().catch(() => undefined);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'PostgreSQL',
    skip: process.env.TEST_DATABASE_URL ? undefined : 'TEST_DATABASE_URL is not set',
    async create() {
      const url = process.env.TEST_DATABASE_URL as string;
      const schema = `attest_test_${process.pid}_${Date.now().toString(36)}_${counter++}`;
      const db = await openDatabase(url, { schema });
      return {
        db, url, schema,
        async dispose() {
          await db.close().catch(() => undefined);
          const admin = await openDatabase(url);
          try {
            await admin.knex.raw('drop schema if exists ?? cascade', [schema]);
          } finally {
            await admin.close();
          }
        },
      };
    },
  },
];

/** Declares `body` once per backend; an unavailable backend shows as pending, saying why. */
export function forEachBackend(title: string, body: (get: () => TestDatabase, backend: Backend) => void): void {
  for (const backend of BACKENDS) {
    const label = backend.skip ? `${title} on ${backend.name} (skipped: ${backend.skip})` : `${title} on ${backend.name}`;
    describe(label, function () {
      let current: TestDatabase | undefined;
      before(async function () {
        if (backend.skip) this.skip();
        current = await backend.create();
      });
      after(async () => {
        await current?.dispose();
      });
      body(() => {
        if (!current) throw new Error('database not created');
        return current;
      }, backend);
    });
  }
}
