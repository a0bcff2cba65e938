/**
 * The PostgreSQL batch statement: head compare-and-set, rows and index rows
 * in one statement. The inserts read the UPDATE's output, so they run only
 * when it matched; the rows travel as one JSON array (cheaper to send and
 * parse than thousands of parameters). Shared by the main thread (inside a
 * locked transaction) and the writer thread (on its own).
 */
import type { ChainHead, ChainRow, ChainSpec } from './chain.js';
import { linkRows } from './chain.js';

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The statement text with `$n` placeholders; answers one row `{ n }`, 1 when the head matched. */
export function batchStatement<Row extends ChainRow>(spec: ChainSpec<Row>, withLinks: boolean): string {
  const cols = spec.columns.map(ident).join(', ');
  const ctes = [
    `head AS (UPDATE ledger_head SET seq = $1, hash = $2, updated_at = $3 WHERE ledger = $4 AND seq = $5 AND hash = $6 RETURNING 1)`,
    `ins AS (INSERT INTO ${ident(spec.table)} (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::${ident(spec.table)}, $7::json) WHERE EXISTS (SELECT 1 FROM head))`,
  ];
  if (withLinks && spec.links) {
    const lcols = spec.links.columns.map(ident).join(', ');
    const table = ident(spec.links.table);
    ctes.push(`links AS (INSERT INTO ${table} (${lcols}) SELECT ${lcols} FROM json_populate_recordset(NULL::${table}, $8::json) WHERE EXISTS (SELECT 1 FROM head))`);
  }
  return `WITH ${ctes.join(', ')} SELECT count(*)::int AS n FROM head`;
}

export interface BoundStatement {
  /** For a prepared statement: one name per statement text. */
  name: string;
  text: string;
  values: Array<string | number>;
}

/** The statement and its parameters for `rows`, chained onto `head`. */
export function bindBatch<Row extends ChainRow>(spec: ChainSpec<Row>, head: ChainHead, rows: readonly Row[], now: string): BoundStatement {
  const last = rows[rows.length - 1];
  const links = spec.links ? linkRows(spec.links, rows) : [];
  const values: Array<string | number> = [last.seq, last.hash, now, spec.ledger, head.seq, head.hash, JSON.stringify(rows)];
  if (links.length > 0) values.push(JSON.stringify(links));
  const withLinks = links.length > 0;
  return { name: `attest_chain_${spec.ledger}_${withLinks ? 'links' : 'rows'}`, text: batchStatement(spec, withLinks), values };
}
