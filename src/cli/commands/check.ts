import { Engine } from '../../rego/index.js';
import { loadPolicyTree } from '../../policy/loader.js';
import { PolicyErrors, compileDocuments } from '../../policy/index.js';
import { flagBool, flagChoice, parseArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { errorLines, errorObjects, plural } from '../output.js';

export const command: Command = {
  summary: 'Parse and compile policies; report errors at file:line:col (like `opa check`)',
  usage: `Usage: attest check [--format pretty|json] [--v0-compatible] DIR|FILE...

Exit status: 0 when everything compiles, 1 on any error.`,
  async run(argv) {
    const args = parseArgs(argv, [
      { name: 'format', short: 'f', kind: 'string' },
      { name: 'v0-compatible', kind: 'boolean' },
    ]);
    const format = flagChoice(args, 'format', ['pretty', 'json'] as const, 'pretty');
    if (args.positionals.length === 0) throw new UsageError('at least one DIR or FILE is required');
    try {
      const tree = loadPolicyTree(args.positionals, { regoVersion: flagBool(args, 'v0-compatible') ? 0 : 1 });
      const engine = new Engine();
      for (const m of [...tree.modules, ...compileDocuments(tree.documents, { modules: tree.modules })]) engine.addParsedModule(m);
      engine.setData(tree.data);
      engine.compile();
      const n = engine.getModules().length;
      if (format === 'json') console.log(JSON.stringify({ errors: [] }));
      else console.error(`${plural(n, 'module')} checked, no errors`);
      return 0;
    } catch (e) {
      // YAML policy errors are several located problems in one exception: one entry each.
      if (format === 'json') console.log(JSON.stringify({ errors: e instanceof PolicyErrors ? e.errors.map((x) => x.toJSON()) : errorObjects(e) }, null, 2));
      else {
        const lines = errorLines(e).flatMap((l) => l.split('\n'));
        console.error(`${plural(lines.length, 'error')} occurred:`);
        for (const l of lines) console.error(l);
      }
      return 1;
    }
  },
};
