/**
 * The PostgreSQL chain writer: one statement, one round trip per batch.
 *
 * PostgreSQL chains the batch itself (pg-statement.ts): the statement locks
 * the ledger's head row, hashes the entries onto it, inserts them and moves
 * the head, and answers the head it chained onto and the entries' hashes.
 * Writers in several processes (or on several connections) queue on that row
 * lock inside the database, and each chains onto what the one before it
 * committed — nothing is chained onto a stale head, hashed twice or retried.
 *
 * It runs on the main thread: the driver is asynchronous, so a commit never
 * stops the event loop, and what it does per record (three body parts and
 * the column arrays) costs less than handing the batch to a thread and back.
 *
 * Durability is PostgreSQL's: statements commit with synchronous_commit as
 * configured (on by default), and `write` resolves after the COMMIT.
 */
import pg from 'pg';
import type { PostgresSettings } from '../db/index.js';
import { GENESIS_HASH, placeRows, type ChainRow, type ChainSpec, type Unchained } from './chain.js';
import type { ChainWriter, WrittenBatch } from './group-commit.js';
import { COLUMN_TYPES_QUERY, batchStatement, bindBatch, type BatchStatement, type ColumnTypes } from './pg-statement.js';

/** The writer's connection, with the batch statement built for the column types it found. */
interface Connection<Row extends ChainRow> {
  client: pg.Client;
  statement: BatchStatement<Row>;
}

interface BatchAnswer {
  seq: string | number | null;
  prev: string | null;
  hashes: string[] | null;
}

export class PgChainWriter<Row extends ChainRow> implements ChainWriter<Row> {
  private conn: Connection<Row> | undefined;

  constructor(private readonly settings: PostgresSettings, private readonly spec: ChainSpec<Row>) {
    if (!spec.bodyParts) throw new Error(`ledger "${spec.ledger}" cannot be chained in PostgreSQL: its spec has no bodyParts`);
  }

  /** Chains the entries (in place) and commits them; resolves with the rows after COMMIT. */
  async write(entries: ReadonlyArray<Unchained<Row>>): Promise<WrittenBatch<Row>> {
    const conn = await this.connection();
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const result = await conn.client.query<BatchAnswer>(bindBatch(this.spec, conn.statement, entries, new Date().toISOString()));
        const answer = result.rows[0];
        if (answer?.hashes && answer.seq !== null && answer.prev !== null) {
          return { rows: placeRows<Row>(entries, Number(answer.seq) + 1, answer.prev, answer.hashes) };
        }
        // A ledger without a head row yet (the migration creates the decisions' own).
        await conn.client.query('INSERT INTO ledger_head (ledger, seq, hash, updated_at) VALUES ($1, 0, $2, $3) ON CONFLICT (ledger) DO NOTHING', [
          this.spec.ledger, GENESIS_HASH, new Date().toISOString(),
        ]);
      }
      throw new Error(`ledger head for "${this.spec.ledger}" could not be created`);
    } catch (err) {
      // A server's error (it has an SQLSTATE) leaves the connection usable; anything else may not.
      const code = (err as { code?: unknown }).code;
      if (!(typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) && this.conn === conn) {
        this.conn = undefined;
        void conn.client.end().catch(() => undefined);
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    await conn?.client.end().catch(() => undefined);
  }

  private async connection(): Promise<Connection<Row>> {
    if (this.conn) return this.conn;
    const s = this.settings;
    const client = new pg.Client({ connectionString: s.connectionString, connectionTimeoutMillis: s.timeoutMs, statement_timeout: s.statementTimeoutMs });
    let conn: Connection<Row> | undefined;
    client.on('error', () => {
      if (conn && this.conn === conn) this.conn = undefined;
    });
    await client.connect();
    try {
      if (s.schema) await client.query(`SET search_path TO "${s.schema.replace(/"/g, '""')}"`);
      const links = this.spec.links;
      conn = { client, statement: batchStatement(this.spec, await columnTypes(client, this.spec.table), links ? await columnTypes(client, links.table) : undefined) };
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.conn = conn;
    return conn;
  }
}

async function columnTypes(c: pg.Client, table: string): Promise<ColumnTypes> {
  const found = await c.query<{ name: string; type: string }>(COLUMN_TYPES_QUERY, [table]);
  return new Map(found.rows.map((r) => [r.name, r.type]));
}
