import { existsSync } from 'node:fs';
import { parseDuration } from '../../server/auth/tokens.js';
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
  --ledger-mode MODE      durable (default): answer after the record committed;
                          async: answer once it is queued, spilling to a local
                          file when the queue is full or the database is away
  --spill-file FILE       async mode's spill file (default ./data/ledger-spill.jsonl)
  --max-body BYTES        largest request body, also after gzip (default 1048576)
  --max-depth N           deepest JSON nesting accepted (default 512)
  --checkpoint-interval S seconds between signed ledger checkpoints (default 60; 0 = off)
  --checkpoint-key FILE   Ed25519 key for checkpoints (default ./data/checkpoint-key.pem, created if missing)
  --default-decision PATH path evaluated by POST / (default /system/main)

Security (see the README's Security section):
  --tls-cert FILE --tls-key FILE   serve HTTPS (npx attest certs dev makes a local pair)
  --tls-client-ca FILE    accept client certificates issued by this CA (npx attest certs init)
  --require-client-cert   with --tls-client-ca: refuse requests without one
  --insecure-bind         allow plain HTTP on a non-loopback --addr (TLS ends in front of attest)
  --insecure-no-auth      serve without credentials or authorization: loopback only,
                          for local experiments and benchmarks
  --rate-limit N[:BURST]  requests per second per client (default 1000:2000; 0 = off)
  --request-timeout DUR   deadline for a whole request (default 30s; 0 = none)
  --eval-timeout DUR      evaluation time per decision (default 1000ms)
  --eval-max-steps N      evaluation steps per decision (default 10000000)
  --retention-interval DUR  apply the RetentionSchedule every DUR (e.g. 24h; default off)
  --reports DIR           where POST /v1/reports writes (default ./reports)

Every request needs a bearer token (npx attest clients create) except
GET /health; data.system.authz decides what each credential may do.

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
      { name: 'ledger-mode', kind: 'string' },
      { name: 'spill-file', kind: 'string' },
      { name: 'max-body', kind: 'string' },
      { name: 'max-depth', kind: 'string' },
      { name: 'checkpoint-interval', kind: 'string' },
      { name: 'checkpoint-key', kind: 'string' },
      { name: 'default-decision', kind: 'string' },
      { name: 'tls-cert', kind: 'string' },
      { name: 'tls-key', kind: 'string' },
      { name: 'tls-client-ca', kind: 'string' },
      { name: 'require-client-cert', kind: 'boolean' },
      { name: 'insecure-bind', kind: 'boolean' },
      { name: 'insecure-no-auth', kind: 'boolean' },
      { name: 'rate-limit', kind: 'string' },
      { name: 'request-timeout', kind: 'string' },
      { name: 'eval-timeout', kind: 'string' },
      { name: 'eval-max-steps', kind: 'string' },
      { name: 'retention-interval', kind: 'string' },
      { name: 'reports', kind: 'string' },
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

    const cert = flagString(args, 'tls-cert');
    const key = flagString(args, 'tls-key');
    if ((cert === undefined) !== (key === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
    const clientCa = flagString(args, 'tls-client-ca');
    if (clientCa && !cert) throw new UsageError('--tls-client-ca needs --tls-cert and --tls-key');
    if (flagBool(args, 'require-client-cert') && !clientCa) throw new UsageError('--require-client-cert needs --tls-client-ca');
    const rate = flagString(args, 'rate-limit');
    let rateLimit: { rate: number; burst?: number } | undefined;
    if (rate !== undefined) {
      const m = /^(\d+)(?::(\d+))?$/.exec(rate);
      if (!m) throw new UsageError(`--rate-limit must be N or N:BURST, got ${rate}`);
      rateLimit = { rate: Number(m[1]), burst: m[2] === undefined ? undefined : Number(m[2]) };
    }
    const ledgerMode = flagString(args, 'ledger-mode') ?? 'durable';
    if (ledgerMode !== 'durable' && ledgerMode !== 'async') throw new UsageError(`--ledger-mode must be durable or async, got ${ledgerMode}`);
    if (flagString(args, 'spill-file') !== undefined && ledgerMode !== 'async') throw new UsageError('--spill-file goes with --ledger-mode async');
    const evalTimeout = durationFlag(args, 'eval-timeout');
    const evalSteps = optionalInt(args, 'eval-max-steps', 1000, 1_000_000_000);

    const { startServer } = await import('../../server/index.js');
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await startServer({
      policies,
      controls: flagString(args, 'controls') ?? 'controls',
      databaseUrl: flagString(args, 'database'),
      port,
      host,
      ledger: !flagBool(args, 'no-ledger'),
      ledgerMode,
      spillFile: flagString(args, 'spill-file'),
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
      tls: cert && key ? { cert, key, clientCa, requireClientCert: flagBool(args, 'require-client-cert') } : undefined,
      allowInsecureBind: flagBool(args, 'insecure-bind'),
      auth: !flagBool(args, 'insecure-no-auth'),
      rateLimit,
      requestTimeoutMs: durationFlag(args, 'request-timeout'),
      evalLimits: { ...(evalTimeout !== undefined ? { maxMillis: evalTimeout } : {}), ...(evalSteps !== undefined ? { maxSteps: evalSteps } : {}) },
      retentionIntervalMs: durationFlag(args, 'retention-interval'),
      reportsDir: flagString(args, 'reports'),
      log: (m: string) => console.error(`attest: ${m}`),
      });
    } catch (e) {
      console.error(`attest serve: ${(e as Error).message}`);
      return 1;
    }
    if (flagBool(args, 'no-ledger')) console.error('attest: warning: --no-ledger: decisions are not recorded');
    else if (ledgerMode === 'async') console.error('attest: warning: --ledger-mode async: decisions are answered before their records commit; those still queued are lost if the process dies');
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

/** A duration flag (30s, 1000ms, 24h; a bare number is milliseconds; 0 = off). */
function durationFlag(args: ReturnType<typeof parseArgs>, name: string): number | undefined {
  const v = flagString(args, name);
  if (v === undefined) return undefined;
  if (/^\d+$/.test(v)) return Number(v);
  try {
    return parseDuration(v) ?? 0;
  } catch (e) {
    throw new UsageError(`--${name}: ${(e as Error).message}`);
  }
}

function optionalInt(args: ReturnType<typeof parseArgs>, name: string, min: number, max: number): number | undefined {
  const v = flagString(args, name);
  return v === undefined ? undefined : intFlag(v, name, min, max);
}
