/**
 * The PostgreSQL chain writer: one statement, one round trip per batch.
 *
 * It runs on the main thread: the driver is asynchronous, so a commit never
 * stops the event loop, and the serialising and hashing it does per record
 * cost less than handing the batch to a thread and back (measured with
 * `npm run bench:http`: about a fifth less server CPU per decision on two
 * cores). The group committer gathers the next batch while one commits.
 *
 * The writer remembers the head it last wrote. A batch is chained onto it and
 * sent as the compare-and-set statement of pg-statement.ts (UPDATE ledger_head
 * … WHERE seq = known AND hash = known, the rows inserted only when that
 * matched): one round trip per batch. The UPDATE holds the head's row lock
 * until COMMIT, and a writer that waited for it re-checks the condition
 * against the committed head (READ COMMITTED), so two processes can never
 * chain onto the same head.
 *
 * When the head is unknown (first batch, after an error) or moved (another
 * process wrote, the ledger was reset), the batch is written in a transaction
 * that locks the head first (SELECT … FOR UPDATE) and chains onto what it
 * read; after a miss the next few batches go that way too, since another
 * writer is evidently busy.
 *
 * Durability is PostgreSQL's: statements commit with synchronous_commit as
 * configured (on by default), and `write` resolves after the COMMIT.
 */
import pg from 'pg';
import type { PostgresSettings } from '../db/index.js';
import { GENESIS_HASH, chainRows, type ChainHead, type ChainRow, type ChainSpec, type Unchained } from './chain.js';
import type { ChainWriter } from './group-commit.js';
import { COLUMN_TYPES_QUERY, batchStatements, bindBatch, type BatchStatements, type ColumnTypes } from './pg-statement.js';

/** After the head moved under us, lock first for this many batches before trying the cheap way again. */
const LOCKED_AFTER_MISS = 8;

/** The writer's connection, with the batch statement built for the column types it found. */
interface Connection {
  client: pg.Client;
  statements: BatchStatements;
}

export class PgChainWriter<Row extends ChainRow> implements ChainWriter<Row> {
  private conn: Connection | undefined;
  /** The head this writer wrote last; undefined when unknown. */
  private head: ChainHead | undefined;
  private lockedBatches = 0;

  constructor(private readonly settings: PostgresSettings, private readonly spec: ChainSpec<Row>) {}

  /** Chains the entries (in place) and commits them; resolves with the rows after COMMIT. */
  async write(entries: ReadonlyArray<Unchained<Row>>): Promise<Row[]> {
    const conn = await this.connection();
    try {
      if (this.head && this.lockedBatches === 0) {
        const rows = chainRows(this.spec, this.head, entries);
        const result = await conn.client.query<{ n: number }>(bindBatch(this.spec, conn.statements, this.head, rows, new Date().toISOString()));
        if (result.rows[0]?.n === 1) return this.wrote(rows);
        this.lockedBatches = LOCKED_AFTER_MISS;
      }
      if (this.lockedBatches > 0) this.lockedBatches--;
      return this.wrote(await this.writeLocked(conn, entries));
    } catch (err) {
      // The outcome may be unknown (a connection lost during COMMIT): read the head again next time.
      this.head = undefined;
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
    this.head = undefined;
    await conn?.client.end().catch(() => undefined);
  }

  private wrote(rows: Row[]): Row[] {
    const last = rows[rows.length - 1];
    this.head = { seq: last.seq, hash: last.hash };
    return rows;
  }

  /** The batch in a transaction that locks the head first and chains onto what it read. */
  private async writeLocked({ client: c, statements }: Connection, entries: ReadonlyArray<Unchained<Row>>): Promise<Row[]> {
    await c.query('BEGIN');
    try {
      const locked = await this.lockHead(c);
      const rows = chainRows(this.spec, locked, entries);
      const result = await c.query<{ n: number }>(bindBatch(this.spec, statements, locked, rows, new Date().toISOString()));
      if (result.rows[0]?.n !== 1) throw new Error(`the head of ledger "${this.spec.ledger}" moved while locked`);
      await c.query('COMMIT');
      return rows;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /** Reads and locks the ledger's head row for the rest of the transaction, creating it for a new ledger. */
  private async lockHead(c: pg.Client): Promise<ChainHead> {
    const ledger = this.spec.ledger;
    for (let attempt = 0; attempt < 2; attempt++) {
      const found = await c.query<{ seq: string | number; hash: string }>('SELECT seq, hash FROM ledger_head WHERE ledger = $1 FOR UPDATE', [ledger]);
      const row = found.rows[0];
      if (row) return { seq: Number(row.seq), hash: row.hash };
      await c.query('INSERT INTO ledger_head (ledger, seq, hash, updated_at) VALUES ($1, 0, $2, $3) ON CONFLICT (ledger) DO NOTHING', [
        ledger, GENESIS_HASH, new Date().toISOString(),
      ]);
    }
    throw new Error(`ledger head for "${ledger}" could not be created`);
  }

  private async connection(): Promise<Connection> {
    if (this.conn) return this.conn;
    const s = this.settings;
    const client = new pg.Client({ connectionString: s.connectionString, connectionTimeoutMillis: s.timeoutMs, statement_timeout: s.statementTimeoutMs });
    const conn: Connection = { client, statements: { rows: '', links: undefined } };
    client.on('error', () => {
      if (this.conn === conn) this.conn = undefined;
    });
    await client.connect();
    try {
      if (s.schema) await client.query(`SET search_path TO "${s.schema.replace(/"/g, '""')}"`);
      const links = this.spec.links;
      conn.statements = batchStatements(this.spec, {
        rows: await columnTypes(client, this.spec.table),
        links: links ? await columnTypes(client, links.table) : undefined,
      });
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
