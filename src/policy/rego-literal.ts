/**
 * Plain data (what a validated YAML document holds) written as Rego terms
 * that people can read: short collections on one line, longer ones one
 * element per line. JSON is a subset of Rego's term syntax, so strings and
 * numbers use JSON's notation.
 */

const WIDTH = 100;

export type Literal = null | boolean | number | bigint | string | Literal[] | { [key: string]: Literal | undefined };

function scalar(v: null | boolean | number | bigint | string): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`cannot write ${v} as a Rego number`);
  return JSON.stringify(v);
}

function entries(o: { [key: string]: Literal | undefined }): [string, Literal][] {
  return Object.entries(o).filter((e): e is [string, Literal] => e[1] !== undefined);
}

function flat(v: Literal): string {
  if (Array.isArray(v)) return `[${v.map(flat).join(', ')}]`;
  if (v !== null && typeof v === 'object') return `{${entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${flat(x)}`).join(', ')}}`;
  return scalar(v);
}

/**
 * `v` as a Rego term. `indent` is the indentation of the line the term starts
 * on, `col` the column it starts at (to keep lines within the width).
 */
export function regoLiteral(v: Literal, indent = 0, col = indent): string {
  const one = flat(v);
  if (col + one.length <= WIDTH || v === null || typeof v !== 'object') return one;
  const inner = indent + 2;
  const pad = ' '.repeat(inner);
  const end = ' '.repeat(indent);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => `${pad}${regoLiteral(x, inner)},`).join('\n')}\n${end}]`;
  }
  const es = entries(v);
  if (es.length === 0) return '{}';
  return `{\n${es
    .map(([k, x]) => {
      const key = `${JSON.stringify(k)}: `;
      return `${pad}${key}${regoLiteral(x, inner, inner + key.length)},`;
    })
    .join('\n')}\n${end}}`;
}
