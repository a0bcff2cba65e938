import { existsSync } from 'node:fs';
import { flagBool, flagString, parseArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';

export const command: Command = {
  summary: 'Run the decision service (OPA-compatible HTTP API with the decision ledger)',
  usage: `Usage: attest serve [--policies DIR] [--controls DIR] [--port N] [--addr HOST[:PORT]] [flags]

  --policies DIR          policy directory (default ./policies)
  --controls DIR          control registry directory (default ./controls)
  --port N                port (default $PORT, else 8181; 0 picks a free one)
  --addr HOST[:PORT]      address to bind (default 127.0.0.1)
  --database URL          database (default $DATABASE_URL, else sqlite:./data/attest.db)
  --run-tests             run the policy tests before a snapshot may serve
  --no-watch              do not reload when policy files change (SIGHUP and
                          POST /v1/admin/reload still do)
  --no-ledger             record nothing (benchmarks only: decisions are NOT logged)
  --max-body BYTES        largest request body, also after gzip (default 1048576)
  --max-depth N           deepest JSON nesting accepted (default 512)
  --checkpoint-interval S seconds between signed ledger checkpoints (default 60; 0 = off)
  --checkpoint-key FILE   Ed25519 key for checkpoints (default ./data/checkpoint-key.pem, created if missing)
  --default-decision PATH path evaluated by POST / (default /system/main)

Prints "attest: listening on URL" once it accepts requests. SIGHUP reloads
the policies; SIGTERM and SIGINT stop it after the requests in flight.`,
  async run(argv) {
    const args = parseArgs(argv, [
      { name: 'policies', kind: 'string' },
      { name: 'controls', kind: 'string' },
      { name: 'port', short: 'p', kind: 'string' },
      { name: 'addr', short: 'a', kind: 'string' },
      { name: 'database', kind: 'string' },
      { name: 'run-tests', kind: 'boolean' },
      { name: 'no-watch', kind: 'boolean' },
      { name: 'no-ledger', kind: 'boolean' },
      { name: 'max-body', kind: 'string' },
      { name: 'max-depth', kind: 'string' },
      { name: 'checkpoint-interval', kind: 'string' },
      { name: 'checkpoint-key', kind: 'string' },
      { name: 'default-decision', kind: 'string' },
    ]);
    if (args.positionals.length) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
    const addr = flagString(args, 'addr');
    let host = '127.0.0.1';
    let addrPort: string | undefined;
    if (addr) {
      const m = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(addr);
      if (!m) throw new UsageError(`--addr must be HOST or HOST:PORT, got ${addr}`);
      host = m[1].replace(/^\[|\]$/g, '') || '0.0.0.0';
      addrPort = m[2];
    }
    const port = intFlag(flagString(args, 'port') ?? addrPort ?? process.env.PORT ?? '8181', 'port', 0, 65535);
    const policies = flagString(args, 'policies') ?? 'policies';
    if (!existsSync(policies)) console.error(`attest: warning: policy directory ${policies} does not exist`);

    const { startServer } = await import('../../server/index.js');
    const server = await startServer({
      policies,
      controls: flagString(args, 'controls') ?? 'controls',
      databaseUrl: flagString(args, 'database'),
      port,
      host,
      ledger: !flagBool(args, 'no-ledger'),
      watch: !flagBool(args, 'no-watch'),
      runTests: flagBool(args, 'run-tests'),
      maxBodyBytes: optionalInt(args, 'max-body', 1, 1 << 30),
      maxDepth: optionalInt(args, 'max-depth', 1, 100000),
      checkpointIntervalMs: (() => {
        const s = optionalInt(args, 'checkpoint-interval', 0, 86400);
        return s === undefined ? undefined : s * 1000;
      })(),
      checkpointKeyFile: flagString(args, 'checkpoint-key'),
      defaultDecision: flagString(args, 'default-decision'),
    });
    if (flagBool(args, 'no-ledger')) console.error('attest: warning: --no-ledger: decisions are not recorded');
    console.log(`attest: listening on ${server.url}`);
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        console.error(`attest: ${signal}: stopping`);
        server.close().then(resolve, (e: Error) => {
          console.error(`attest: shutdown: ${e.message}`);
          resolve();
        });
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    return 0;
  },
};

function intFlag(text: string, name: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${text}`);
  return n;
}

function optionalInt(args: ReturnType<typeof parseArgs>, name: string, min: number, max: number): number | undefined {
  const v = flagString(args, name);
  return v === undefined ? undefined : intFlag(v, name, min, max);
}
