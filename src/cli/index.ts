/**
 * The `attest` command line: dispatches to one module per subcommand, loaded
 * on demand so that `attest eval` does not pay for the server or PDF code.
 */
import type { Command } from './command.js';
import { UsageError } from './args.js';

type Loader = () => Promise<{ command: Command }>;

const commands: Record<string, Loader> = {
  eval: () => import('./commands/eval.js'),
  check: () => import('./commands/check.js'),
  test: () => import('./commands/test.js'),
  conformance: () => import('./commands/conformance.js'),
  serve: () => import('./commands/serve.js'),
  migrate: () => import('./commands/migrate.js'),
  decisions: () => import('./commands/decisions.js'),
  replay: () => import('./commands/replay.js'),
  build: () => import('./commands/build.js'),
  controls: () => import('./commands/controls.js'),
  impact: () => import('./commands/impact.js'),
  report: () => import('./commands/report.js'),
  verify: () => import('./commands/verify.js'),
  keys: () => import('./commands/keys.js'),
  clients: () => import('./commands/clients.js'),
  certs: () => import('./commands/certs.js'),
  audit: () => import('./commands/audit.js'),
  retention: () => import('./commands/retention.js'),
};

async function help(name?: string): Promise<number> {
  if (name && commands[name]) {
    const { command } = await commands[name]();
    console.log(command.usage);
    return 0;
  }
  console.log('Usage: attest <command> [flags]\n\nCommands:');
  for (const [n, load] of Object.entries(commands)) {
    const { command } = await load();
    console.log(`  ${n.padEnd(12)} ${command.summary}`);
  }
  console.log('\nRun `attest help <command>` for its flags.');
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') return help(rest[0]);
  const load = commands[name];
  if (!load) {
    console.error(`attest: unknown command "${name}"; run \`attest help\``);
    return 1;
  }
  const { command } = await load();
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`attest ${name}: ${err.message}\n\n${command.usage}`);
      return 1;
    }
    throw err;
  }
}
