/**
 * The PostgreSQL batch statement: PostgreSQL chains the batch itself.
 *
 * It locks the ledger's head row (SELECT … FOR UPDATE: a writer of another
 * process holding it makes this one wait, and then read the head that one
 * committed), hashes the entries one after the other onto it in a recursive
 * CTE — `sha256(prev_hash bytes || body)`, where the body is the entry's
 * canonical JSON sent in three parts around `prev_hash` and `seq`
 * (`ChainSpec.bodyParts`) — inserts the rows and their index rows, and moves
 * the head: one statement, one round trip, and no writer ever chains onto a
 * head that moved. PostgreSQL computes exactly what chain.ts computes; the
 * verifier re-hashes every row in JavaScript.
 *
 * The rows travel column by column as typed arrays and are turned back into
 * rows by `unnest`: PostgreSQL parses an array of text much faster than a
 * JSON document holding the same rows, and each column keeps its own type.
 * Columns of JSON text and the body parts — the long values, full of quotes —
 * travel as one text split by `string_to_array` on U+001F, with U+001E for
 * NULL: canonical JSON escapes every control character, so neither occurs in
 * them, and nothing needs quoting or escaping on either side. Array
 * subscripts walk from the start for texts, which for a batch of a few
 * hundred entries is still far below the cost of the inserts.
 */
import type { ChainRow, ChainSpec, Unchained } from './chain.js';
import { InvalidRecordError } from './errors.js';

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

const FIELD = '\u001f';
const NULL_FIELD = '\u001e';
const SEPARATORS = /[\u001e\u001f]/;

/** SQL turning a parameter made by `fields` back into a text array. */
const FIELDS = (param: string) => `string_to_array(${param}::text, E'\\x1f', E'\\x1e')`;

/** Texts that never hold a control character (canonical JSON and the body made of it) as one text: see FIELDS. */
function fields(values: ReadonlyArray<string | null | undefined>, what: string): string {
  let out = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += FIELD;
    if (v === null || v === undefined) out += NULL_FIELD;
    else if (SEPARATORS.test(v)) throw new InvalidRecordError(`${what} holds a raw control character, so it is not canonical JSON`);
    else out += v;
  }
  return out;
}

/** SQL type of each column (`format_type` without modifiers), for the array casts. */
export type ColumnTypes = ReadonlyMap<string, string>;

/** Reads the types of a table's columns from the catalogue (as the connection's search_path resolves the table). */
export const COLUMN_TYPES_QUERY =
  'SELECT attname AS name, format_type(atttypid, NULL) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped';

/** The columns the writer sends; PostgreSQL fills in the chain's own. */
const CHAIN_COLUMNS = new Set(['seq', 'prev_hash', 'hash']);

function sentColumns<Row extends ChainRow>(spec: ChainSpec<Row>): Array<keyof Unchained<Row> & string> {
  return spec.columns.filter((c) => !CHAIN_COLUMNS.has(c)) as Array<keyof Unchained<Row> & string>;
}

function typeOf(types: ColumnTypes, column: string): string {
  const type = types.get(column);
  if (!type) throw new Error(`column "${column}" is missing from the ledger's tables; run \`attest migrate\``);
  return type;
}

/** The statement for one spec and the column types found for its tables, and how its parameters are made. */
export interface BatchStatement<Row extends ChainRow> {
  text: string;
  /** The columns sent, in parameter order; `fields` for those sent as one split text (see FIELDS). */
  columns: ReadonlyArray<{ name: keyof Unchained<Row> & string; fields: boolean }>;
}

/**
 * The statement text for a spec and the column types found for its tables.
 * Parameters: $1 ledger, $2–$4 body parts, $5 entry count, $6 time, then the
 * sent columns, then the link keys and the entry (1-based) each belongs to.
 * Answers one row: the head it chained onto (`seq`, `prev`) and the entries'
 * `hashes`, NULL when the ledger has no head row yet.
 */
export function batchStatement<Row extends ChainRow>(spec: ChainSpec<Row>, types: ColumnTypes, linkTypes?: ColumnTypes): BatchStatement<Row> {
  const json = new Set<string>(spec.jsonColumns);
  const columns = sentColumns(spec).map((name) => ({ name, fields: json.has(name) }));
  const cols = columns.map((c) => c.name);
  const arrays = columns.map((c, i) => `${c.fields ? FIELDS(`$${7 + i}`) : `$${7 + i}`}::${typeOf(types, c.name)}[]`).join(', ');
  const ctes = [
    `head AS (SELECT seq, hash FROM ledger_head WHERE ledger = $1 FOR UPDATE)`,
    // Split once: the recursive part runs once per entry.
    `body AS MATERIALIZED (SELECT ${FIELDS('$2')} AS pre, ${FIELDS('$3')} AS mid, ${FIELDS('$4')} AS post)`,
    `chain (i, seq, prev_hash, hash) AS (SELECT 0, seq, NULL::text, hash::text FROM head UNION ALL ` +
      `SELECT c.i + 1, c.seq + 1, c.hash, encode(sha256(decode(c.hash, 'hex') || convert_to(` +
      `b.pre[c.i + 1] || '"' || c.hash || '"' || b.mid[c.i + 1] || (c.seq + 1)::text || b.post[c.i + 1], 'UTF8')), 'hex') ` +
      `FROM chain c, body b WHERE c.i < $5::int)`,
    `moved AS (UPDATE ledger_head h SET seq = c.seq, hash = c.hash, updated_at = $6 FROM chain c WHERE h.ledger = $1 AND c.i = $5::int)`,
    `ins AS (INSERT INTO ${ident(spec.table)} (${[...cols, 'seq', 'prev_hash', 'hash'].map(ident).join(', ')}) ` +
      `SELECT ${cols.map((c) => `u.${ident(c)}`).join(', ')}, c.seq, c.prev_hash, c.hash ` +
      `FROM unnest(${arrays}) WITH ORDINALITY AS u(${cols.map(ident).join(', ')}, ord) JOIN chain c ON c.i = u.ord)`,
  ];
  if (spec.links && linkTypes) {
    const [key, seq] = spec.links.columns;
    const n = 7 + cols.length;
    ctes.push(
      `links AS (INSERT INTO ${ident(spec.links.table)} (${ident(key)}, ${ident(seq)}) ` +
        `SELECT x.key, c.seq FROM unnest($${n}::${typeOf(linkTypes, key)}[], $${n + 1}::int[]) AS x(key, ord) JOIN chain c ON c.i = x.ord)`,
    );
  }
  const text = `WITH RECURSIVE ${ctes.join(', ')} SELECT (SELECT seq FROM head) AS seq, (SELECT hash FROM head) AS prev, ` +
    `array_agg(hash ORDER BY i) FILTER (WHERE i > 0) AS hashes FROM chain`;
  return { text, columns };
}

export interface BoundStatement {
  /** For a prepared statement: one name per statement text. */
  name: string;
  text: string;
  values: unknown[];
}

/** The statement and its parameters for `entries`. */
export function bindBatch<Row extends ChainRow>(spec: ChainSpec<Row>, statement: BatchStatement<Row>, entries: ReadonlyArray<Unchained<Row>>, now: string): BoundStatement {
  const bodyParts = spec.bodyParts;
  if (!bodyParts) throw new Error(`ledger "${spec.ledger}" has no body parts to chain in PostgreSQL`);
  const pre: string[] = [];
  const mid: string[] = [];
  const post: string[] = [];
  for (const e of entries) {
    const parts = bodyParts(e);
    pre.push(parts[0]);
    mid.push(parts[1]);
    post.push(parts[2]);
  }
  const values: unknown[] = [spec.ledger, fields(pre, 'a record body'), fields(mid, 'a record body'), fields(post, 'a record body'), entries.length, now];
  for (const c of statement.columns) {
    values.push(c.fields ? fields(entries.map((e) => e[c.name] as string | null), `column ${c.name}`) : arrayLiteral(entries, c.name));
  }
  const links = spec.links;
  if (links) {
    const keys: string[] = [];
    const owners: number[] = [];
    for (let i = 0; i < entries.length; i++) {
      for (const key of links.keys(entries[i])) {
        keys.push(key);
        owners.push(i + 1);
      }
    }
    values.push(arrayLiteral(keys), `{${owners.join(',')}}`);
  }
  return { name: `attest_chain_${spec.ledger}`, text: statement.text, values };
}

const NEEDS_ESCAPE = /["\\]/;

/**
 * Values as PostgreSQL array text (`{"a","b",NULL}`), written here rather
 * than by the driver: every element is quoted, so only `"` and `\` need
 * escaping, and most values have neither. With `column`, that column of
 * each row; without, the values themselves.
 */
export function arrayLiteral(values: readonly unknown[]): string;
export function arrayLiteral<T extends object>(rows: readonly T[], column: keyof T): string;
export function arrayLiteral<T extends object>(rows: readonly unknown[], column?: keyof T): string {
  let out = '{';
  for (let i = 0; i < rows.length; i++) {
    const v = column === undefined ? rows[i] : (rows[i] as T)[column];
    if (i > 0) out += ',';
    if (v === null || v === undefined) out += 'NULL';
    else {
      const text = String(v);
      out += '"' + (NEEDS_ESCAPE.test(text) ? text.replace(/["\\]/g, '\\$&') : text) + '"';
    }
  }
  return out + '}';
}
