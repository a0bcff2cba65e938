/**
 * The PostgreSQL chain writer: one statement, one round trip per batch.
 *
 * The process remembers the head it last wrote. A batch is chained onto it in
 * memory and sent as a single statement whose first step is a compare-and-set
 * on the `ledger_head` row (UPDATE … WHERE seq = known AND hash = known); the
 * rows and their index rows are inserted only when that step matched. The
 * UPDATE holds the head's row lock until COMMIT, and a writer that waited for
 * it re-checks the condition against the committed head (READ COMMITTED), so
 * two processes can never chain onto the same head. When the head moved
 * (another process wrote, or the ledger was reset), the batch is written in
 * a transaction that locks the head first (SELECT … FOR UPDATE) and chains
 * onto what it read, as the generic writer does.
 *
 * Durability is PostgreSQL's: the statement commits with synchronous_commit
 * as configured (on by default), and the batch resolves after COMMIT.
 */
import type { Knex } from 'knex';
import type { Database } from '../db/index.js';
import { chainRows, linkRows, lockHead, type ChainHead, type ChainRow, type ChainSpec, type Unchained } from './chain.js';
import type { ChainWriter } from './group-commit.js';

/** After the head moved under us, lock first for this many batches before trying the cheap way again. */
const LOCKED_AFTER_MISS = 8;

export class PgChainWriter<Row extends ChainRow> implements ChainWriter<Row> {
  /** The head this process wrote last; undefined when unknown. */
  private head: ChainHead | undefined;
  private lockedBatches = 0;
  private readonly sql: { withLinks: string; withoutLinks: string };

  constructor(private readonly db: Database, private readonly spec: ChainSpec<Row>) {
    this.sql = { withLinks: statement(spec, true), withoutLinks: statement(spec, false) };
  }

  async write(entries: ReadonlyArray<Unchained<Row>>): Promise<Row[]> {
    try {
      if (this.head && this.lockedBatches === 0) {
        const rows = chainRows(this.spec, this.head, entries);
        if (await this.runPrepared(this.head, rows)) return this.wrote(rows);
        this.lockedBatches = LOCKED_AFTER_MISS;
      }
      if (this.lockedBatches > 0) this.lockedBatches--;
      return this.wrote(await this.db.knex.transaction(async (trx) => {
        const head = await lockHead(trx, this.db, this.spec.ledger);
        const rows = chainRows(this.spec, head, entries);
        if (!(await this.run(trx, head, rows))) throw new Error(`the head of ledger "${this.spec.ledger}" moved while locked`);
        return rows;
      }));
    } catch (err) {
      // The outcome may be unknown (a connection lost during COMMIT): read the head again next time.
      this.head = undefined;
      throw err;
    }
  }

  async close(): Promise<void> {
    this.head = undefined;
  }

  private wrote(rows: Row[]): Row[] {
    const last = rows[rows.length - 1];
    this.head = { seq: last.seq, hash: last.hash };
    return rows;
  }

  /** The batch statement inside a knex transaction; false when the head was not `head` (nothing was written). */
  private async run(trx: Knex.Transaction, head: ChainHead, rows: Row[]): Promise<boolean> {
    const { text, values } = this.bind(head, rows);
    const result = (await trx.raw(text, values)) as { rows: Array<{ n: number }> };
    return result.rows[0]?.n === 1;
  }

  /**
   * The batch statement on its own (it commits by itself), straight on a
   * pooled connection as a named prepared statement: parsed and planned once
   * per connection, without knex's query building in between.
   */
  private async runPrepared(head: ChainHead, rows: Row[]): Promise<boolean> {
    const { text, values, links } = this.bind(head, rows);
    const client = this.db.knex.client as { acquireConnection(): Promise<PgConnection>; releaseConnection(c: PgConnection): Promise<unknown> };
    const conn = await client.acquireConnection();
    try {
      const name = `attest_chain_${this.spec.ledger}_${links ? 'links' : 'rows'}`;
      const result = await conn.query({ name, text: positional(text), values });
      return result.rows[0]?.n === 1;
    } finally {
      await client.releaseConnection(conn);
    }
  }

  private bind(head: ChainHead, rows: Row[]): { text: string; values: Array<string | number>; links: boolean } {
    const last = rows[rows.length - 1];
    const links = this.spec.links ? linkRows(this.spec.links, rows) : [];
    const values: Array<string | number> = [last.seq, last.hash, new Date().toISOString(), this.spec.ledger, head.seq, head.hash, JSON.stringify(rows)];
    if (links.length > 0) values.push(JSON.stringify(links));
    return { text: links.length > 0 ? this.sql.withLinks : this.sql.withoutLinks, values, links: links.length > 0 };
  }
}

/** The part of a node-postgres client used here. */
interface PgConnection {
  query(q: { name: string; text: string; values: unknown[] }): Promise<{ rows: Array<{ n: number }> }>;
}

/** knex's `?` placeholders as PostgreSQL's `$1, $2, …` (the statements have no other question marks). */
function positional(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Head compare-and-set, rows and index rows in one statement. The inserts
 * read the UPDATE's output, so they run only when it matched; the rows travel
 * as one JSON array (cheaper to send and parse than thousands of parameters).
 */
function statement<Row extends ChainRow>(spec: ChainSpec<Row>, withLinks: boolean): string {
  const cols = spec.columns.map(ident).join(', ');
  const ctes = [
    `head AS (UPDATE ledger_head SET seq = ?, hash = ?, updated_at = ? WHERE ledger = ? AND seq = ? AND hash = ? RETURNING 1)`,
    `ins AS (INSERT INTO ${ident(spec.table)} (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::${ident(spec.table)}, ?::json) WHERE EXISTS (SELECT 1 FROM head))`,
  ];
  if (withLinks && spec.links) {
    const lcols = spec.links.columns.map(ident).join(', ');
    const table = ident(spec.links.table);
    ctes.push(`links AS (INSERT INTO ${table} (${lcols}) SELECT ${lcols} FROM json_populate_recordset(NULL::${table}, ?::json) WHERE EXISTS (SELECT 1 FROM head))`);
  }
  return `WITH ${ctes.join(', ')} SELECT count(*)::int AS n FROM head`;
}
