import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Engine } from '../../rego/index.js';
import { PolicyErrors, compileOptionsFor, compileYamlDocuments, enforcementPoints, formatPolicyError, loadPolicyTree } from '../../policy/index.js';
import { flagBool, flagChoice, flagString, parseArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { errorLines, errorObjects, plural, printJSON } from '../output.js';

export const command: Command = {
  summary: 'Validate YAML policies, compile them to Rego with the Rego policies, and optionally print the Rego',
  usage: `Usage: attest build [--emit-rego] [--out DIR] [--format pretty|json] DIR|FILE...

Validates every YAML policy document (schema and semantic checks, errors at
file:line:col with the rule broken), compiles it to Rego and compiles the
whole tree.

  --emit-rego    print the Rego generated from each YAML file
  --out DIR      also write each generated module to DIR/<yaml file name>.rego
Exit status: 0 when everything compiles, 1 on any error.`,
  async run(argv) {
    const args = parseArgs(argv, [
      { name: 'emit-rego', kind: 'boolean' },
      { name: 'out', short: 'o', kind: 'string' },
      { name: 'format', short: 'f', kind: 'string' },
    ]);
    const format = flagChoice(args, 'format', ['pretty', 'json'] as const, 'pretty');
    if (args.positionals.length === 0) throw new UsageError('at least one DIR or FILE is required');
    try {
      const tree = loadPolicyTree(args.positionals);
      const compiled = compileYamlDocuments(tree.documents, compileOptionsFor({ modules: tree.modules }));
      const engine = new Engine();
      for (const m of [...tree.modules, ...compiled.map((d) => d.module)]) engine.addParsedModule(m);
      engine.setData(tree.data);
      engine.compile();
      const out = flagString(args, 'out');
      if (out) {
        mkdirSync(out, { recursive: true });
        for (const d of compiled) writeFileSync(join(out, `${basename(d.file)}.rego`), d.rego);
      }
      const points = enforcementPoints(engine.getModules());
      if (format === 'json') {
        printJSON({
          documents: compiled.map((d) => ({ file: d.file, kind: d.kind, name: d.name, rego_file: d.regoFile, ...(flagBool(args, 'emit-rego') ? { rego: d.rego } : {}) })),
          modules: engine.getModules().length,
          enforcement_points: points.map((p) => p.id),
        });
        return 0;
      }
      if (flagBool(args, 'emit-rego')) for (const d of compiled) process.stdout.write(`${d.rego}\n`);
      console.error(
        `${plural(compiled.length, 'YAML policy')} compiled; ${plural(engine.getModules().length, 'module')} checked, ${plural(points.length, 'enforcement point')}, no errors`.replace('policys', 'policies'),
      );
      return 0;
    } catch (e) {
      const lines = e instanceof PolicyErrors ? e.errors.map(formatPolicyError) : errorLines(e);
      if (format === 'json') printJSON({ errors: e instanceof PolicyErrors ? e.errors.map((x) => x.toJSON()) : errorObjects(e) });
      else {
        console.error(`${plural(lines.length, 'error')} occurred:`);
        for (const l of lines) console.error(l);
      }
      return 1;
    }
  },
};
