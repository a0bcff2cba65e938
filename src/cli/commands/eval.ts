import { readFileSync } from 'node:fs';
import { Engine, parseJSON, stringifyJSON, toJSON, type Value } from '../../rego/index.js';
import { loadPolicyTree } from '../../policy/loader.js';
import { flagBool, flagChoice, flagList, flagString, parseArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { errorLines, errorObjects } from '../output.js';

export const command: Command = {
  summary: 'Evaluate a Rego query (like `opa eval`)',
  usage: `Usage: attest eval [-d FILE|DIR]... [-i INPUT.json] [--format json|pretty] [--strict-builtin-errors] [--fail|--fail-defined] QUERY

  -d, --data         policy or data file or directory (repeatable)
  -i, --input        input document (JSON file, "-" for stdin)
  -f, --format       json (OPA's result shape, default) or pretty
  --v0-compatible    parse modules and the query as Rego v0
  --fail             exit 1 when the result is undefined
  --fail-defined     exit 1 when the result is defined`,
  async run(argv) {
    const args = parseArgs(argv, [
      { name: 'data', short: 'd', kind: 'multi' },
      { name: 'input', short: 'i', kind: 'string' },
      { name: 'format', short: 'f', kind: 'string' },
      { name: 'strict-builtin-errors', kind: 'boolean' },
      { name: 'v0-compatible', kind: 'boolean' },
      { name: 'fail', kind: 'boolean' },
      { name: 'fail-defined', kind: 'boolean' },
    ]);
    const format = flagChoice(args, 'format', ['json', 'pretty'] as const, 'json');
    const query = args.positionals.join(' ');
    if (!query) throw new UsageError('a QUERY is required');
    const regoVersion = flagBool(args, 'v0-compatible') ? 0 : 1;
    try {
      const engine = new Engine();
      const paths = flagList(args, 'data');
      if (paths.length) {
        const tree = loadPolicyTree(paths, { regoVersion });
        const { compileDocuments } = await import('../../policy/index.js');
        for (const m of [...tree.modules, ...compileDocuments(tree.documents, { modules: tree.modules })]) engine.addParsedModule(m);
        engine.setData(tree.data);
      }
      let input: Value | undefined;
      const inputPath = flagString(args, 'input');
      if (inputPath) input = parseJSON(readFileSync(inputPath === '-' ? 0 : inputPath, 'utf8'));
      const results = engine.prepare(query, { regoVersion }).eval({ input, strict: flagBool(args, 'strict-builtin-errors') });
      if (format === 'json') {
        const shaped = results.map((r) => ({
          expressions: r.expressions.map((e) => ({ value: toJSON(e.value), text: e.text, location: { row: e.location.row, col: e.location.col } })),
          ...(Object.keys(r.bindings).length ? { bindings: Object.fromEntries(Object.entries(r.bindings).map(([k, v]) => [k, toJSON(v)])) } : {}),
        }));
        process.stdout.write(stringifyShaped(results.length ? { result: shaped } : {}) + '\n');
      } else {
        printPretty(results);
      }
      if (flagBool(args, 'fail') && results.length === 0) return 1;
      if (flagBool(args, 'fail-defined') && results.length > 0) return 1;
      return 0;
    } catch (e) {
      if (format === 'json') process.stdout.write(JSON.stringify({ errors: errorObjects(e) }, null, 2) + '\n');
      else for (const l of errorLines(e)) console.error(l);
      return 1;
    }
  },
};

/** JSON with big integers exact (JSON.stringify cannot print bigint). */
function stringifyShaped(v: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') { marks.push(x.toString()); return `\u0000${marks.length - 1}\u0000`; }
    return x;
  }, 2);
  return text.replace(/"\\u0000(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)]);
}

function printPretty(results: { expressions: { value: Value }[]; bindings: Record<string, Value> }[]): void {
  if (results.length === 0) { console.log('undefined'); return; }
  const r0 = results[0];
  if (results.length === 1 && Object.keys(r0.bindings).length === 0 && r0.expressions.length === 1) {
    console.log(stringifyJSON(r0.expressions[0].value, '  '));
    return;
  }
  for (const r of results) {
    const vars = Object.entries(r.bindings);
    if (vars.length) console.log(vars.map(([k, v]) => `${k} = ${stringifyJSON(v)}`).join('  '));
    else console.log(r.expressions.map((e) => stringifyJSON(e.value)).join('  '));
  }
}
