/**
 * Starting and stopping the decision service: open and migrate the database,
 * load the policy snapshot and the control registry, start the ledger,
 * periodic signed checkpoints, reload triggers, and the HTTP listener.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP } from 'node:net';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { databaseUrlFromEnv, migrateLatest, openDatabase, type Database } from '../db/index.js';
import { AsyncLedger, DecisionLedger, ed25519Signer, writeCheckpoint, type Signer } from '../decisions/index.js';
import { DecisionEvaluator } from '../decisions/evaluate.js';
import { gitCommit } from '../policy/snapshot.js';
import { loadRegistry } from '../controls/index.js';
import { KeyStore, type ReportJobContext } from '../evidence/index.js';
import type { EvalLimits } from '../rego/index.js';
import { createApp } from './app.js';
import { Authenticator } from './auth/authenticate.js';
import { Authorizer } from './auth/authz.js';
import { countActiveClients } from './auth/clients.js';
import { RateLimiter, type RateLimit } from './auth/ratelimit.js';
import { scheduleRetention } from './retention.js';
import { DEFAULT_BODY_LIMITS } from './body.js';
import { ServerMetrics } from './metrics.js';
import { createSnapshotManager, reloadOnSighup } from './reload.js';
import type { BuildInfo, ControlsState, ServerState } from './state.js';

export interface ServeOptions {
  /** Policies directory (default ./policies). */
  policies?: string;
  /** Controls directory (default ./controls). */
  controls?: string;
  /** Database URL (default DATABASE_URL or sqlite:./data/attest.db). */
  databaseUrl?: string;
  /** PostgreSQL schema (tests isolate themselves with it). */
  databaseSchema?: string;
  /** 0 picks a free port. Default 8181. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Record decisions (default true). Off only for benchmarks: nothing is logged. */
  ledger?: boolean;
  /**
   * `durable` (default): a decision is answered after its record committed.
   * `async`: once it is queued, or flushed to the spill file when the queue is
   * full or the database cannot be written (decisions/spill.ts).
   */
  ledgerMode?: 'durable' | 'async';
  /** The async mode's spill file (default ./data/ledger-spill.jsonl). */
  spillFile?: string;
  /** Reload when files under the policies directory change (default true). */
  watch?: boolean;
  /** Run the policy tests before a snapshot may serve (default false). */
  runTests?: boolean;
  maxBodyBytes?: number;
  maxDepth?: number;
  /** Signed checkpoint period in ms (default 60000; 0 turns checkpoints off). */
  checkpointIntervalMs?: number;
  /** Ed25519 private key (PKCS#8 PEM) for checkpoints; created when missing. Default ./data/checkpoint-key.pem. */
  checkpointKeyFile?: string;
  /**
   * Milliseconds decisions wait to share a ledger transaction (default 0:
   * decisions arriving while a batch commits share the next one by themselves,
   * and SQLite commits run on a writer thread, off the event loop).
   */
  ledgerLingerMs?: number;
  /** Slash path of the default decision (default system/main). */
  defaultDecision?: string;
  /** React to SIGHUP (default true). */
  sighup?: boolean;
  /**
   * Authentication and authorization (default true). false only for local
   * development and benchmarks: every request is served, and only on loopback.
   */
  auth?: boolean;
  /** The fallback `data.system.authz` policy file (default: the shipped policies/system/authz.rego). */
  authzFile?: string;
  /** Seconds-fresh client rows: how long a revocation made elsewhere may take to apply (default 1000 ms). */
  clientCacheMs?: number;
  /** TLS: PEM files. With `clientCa`, clients may (or with `requireClientCert` must) present a certificate it issued. */
  tls?: { cert: string; key: string; clientCa?: string; requireClientCert?: boolean };
  /** Serve plain HTTP on a non-loopback address (default false: refused). */
  allowInsecureBind?: boolean;
  /** Per-client rate limit (default 1000 requests/s, bursts of 2000; rate 0 turns it off). */
  rateLimit?: RateLimit;
  /** Deadline for a whole request in ms (default 30000; 0: none). */
  requestTimeoutMs?: number;
  /** Evaluation limits per decision (default 10,000,000 steps, 1000 ms, 1,000,000 members). */
  evalLimits?: Partial<EvalLimits>;
  /** Report folders for /v1/reports (default ./reports) and the signing key store (default $ATTEST_KEY_DIR or ./data/keys). */
  reportsDir?: string;
  keysDir?: string;
  /** Run `attest retention run` this often inside the server, in ms (default 0: off). */
  retentionIntervalMs?: number;
  log?: (message: string) => void;
}

export const DEFAULT_EVAL_LIMITS: EvalLimits = { maxSteps: 10_000_000, maxMillis: 1000, maxCollectionSize: 1_000_000 };

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

export interface RunningServer {
  url: string;
  port: number;
  state: ServerState;
  http: Server;
  /** Stops listening, lets requests in flight finish, flushes the ledger, closes the database. */
  close(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

function buildInfo(): BuildInfo {
  // dist/src/server → the package root.
  const root = resolve(here, '..', '..', '..');
  let version = '0.0.0';
  let timestamp = '';
  try {
    version = (JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version?: string }).version ?? version;
    timestamp = statSync(fileURLToPath(import.meta.url)).mtime.toISOString();
  } catch {
    // a packaged build without package.json: keep the defaults
  }
  return { version, build_commit: gitCommit(root) ?? '', build_timestamp: timestamp, build_hostname: hostname() };
}

/** The public half (PEM) of the checkpoint key in `file`, for reports to check checkpoints with; undefined without one. */
export function checkpointPublicKey(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  return createPublicKey(createPrivateKey(readFileSync(file, 'utf8'))).export({ type: 'spki', format: 'pem' }).toString();
}

/** Loads the checkpoint key, creating it (owner-readable only) the first time. */
export function loadCheckpointSigner(file: string, create = true): Signer | undefined {
  let privateKey: KeyObject;
  if (existsSync(file)) {
    privateKey = createPrivateKey(readFileSync(file, 'utf8'));
  } else {
    if (!create) return undefined;
    privateKey = generateKeyPairSync('ed25519').privateKey;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  return ed25519Signer({ privateKey, publicKey: createPublicKey(privateKey) });
}

export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const log = options.log ?? ((m: string) => process.stderr.write(`attest: ${m}\n`));
  const metricsLedger: { ledger?: DecisionLedger; async?: AsyncLedger } = {};
  const metrics = new ServerMetrics({
    queueDepth: () => metricsLedger.ledger?.stats.queueDepth ?? 0,
    spill: () => metricsLedger.async?.stats,
  });
  const useLedger = options.ledger ?? true;

  let db: Database | undefined;
  let ledger: DecisionLedger | undefined;
  let asyncLedger: AsyncLedger | undefined;
  /** Lets go of what was opened so far, in reverse order (on a failed start, and on close). */
  const release = async () => {
    await asyncLedger?.close();
    await ledger?.close();
    await db?.close();
    metrics.close();
  };
  if (useLedger) {
    const url = options.databaseUrl ?? databaseUrlFromEnv();
    db = await openDatabase(url, { schema: options.databaseSchema, log: (level, m) => level !== 'debug' && log(`database ${level}: ${m}`) });
    try {
      const { names } = await migrateLatest(db);
      if (names.length) log(`migrations applied: ${names.join(', ')}`);
    } catch (e) {
      await release();
      throw new Error(`database ${db.description}: migrations failed: ${(e as Error).message}`, { cause: e });
    }
    ledger = new DecisionLedger(db, {
      onCommit: (size, ms) => {
        metrics.ledgerBatch.observe([], size);
        metrics.ledgerCommits.observe([], ms / 1000);
      },
    });
    metricsLedger.ledger = ledger;
    if (options.ledgerMode === 'async') {
      asyncLedger = new AsyncLedger(ledger, { file: resolve(options.spillFile ?? 'data/ledger-spill.jsonl'), log });
      metricsLedger.async = asyncLedger;
      try {
        await asyncLedger.open();
      } catch (e) {
        asyncLedger = undefined;
        await release();
        throw new Error(`the spill file ${options.spillFile ?? 'data/ledger-spill.jsonl'} cannot be used: ${(e as Error).message}`, { cause: e });
      }
    }
  }

  const controls: ControlsState = { dir: resolve(options.controls ?? 'controls'), errors: [] };
  const loadControls = async () => {
    if (!existsSync(controls.dir)) {
      controls.errors = [`${controls.dir} does not exist`];
      return;
    }
    try {
      const { registry, errors } = await loadRegistry(controls.dir);
      controls.registry = registry;
      controls.errors = errors.map((e) => `${e.file}:${e.line}:${e.col}: ${e.message}`);
    } catch (e) {
      controls.errors = [(e as Error).message];
    }
  };

  const auth = options.auth ?? true;
  const host = options.host ?? '127.0.0.1';
  if (!options.tls && !isLoopback(host) && !options.allowInsecureBind) {
    await release();
    throw new Error(`refusing to serve plain HTTP on ${host}: without TLS attest binds to loopback only. Pass --tls-cert and --tls-key (npx attest certs dev makes a local pair), or --insecure-bind if TLS ends in front of attest`);
  }
  if (!auth && !isLoopback(host)) {
    await release();
    throw new Error('--insecure-no-auth serves only on a loopback address');
  }
  if (auth && !db) {
    await release();
    throw new Error('authentication needs the database (the API clients live there); --no-ledger only works with --insecure-no-auth');
  }
  const reportsDir = resolve(options.reportsDir ?? 'reports');
  const checkpointKeyFile = resolve(options.checkpointKeyFile ?? 'data/checkpoint-key.pem');
  let keyStore: KeyStore | undefined;

  const snapshots = createSnapshotManager({ dir: resolve(options.policies ?? 'policies'), db, metrics, runTests: options.runTests, log, alsoReload: loadControls });
  const state: ServerState = {
    snapshots,
    evaluator: new DecisionEvaluator(ledger ?? null, { lingerMs: options.ledgerLingerMs ?? 0, async: asyncLedger }),
    db,
    ledger,
    metrics,
    controls,
    limits: { maxBytes: options.maxBodyBytes ?? DEFAULT_BODY_LIMITS.maxBytes, maxDepth: options.maxDepth ?? DEFAULT_BODY_LIMITS.maxDepth },
    defaultDecision: (options.defaultDecision ?? 'system/main').replace(/^\/+|\/+$/g, ''),
    build: buildInfo(),
    security: {
      auth,
      authenticator: db ? new Authenticator(db, options.clientCacheMs ?? 1000) : undefined,
      authorizer: new Authorizer(options.authzFile),
      rateLimiter: new RateLimiter(options.rateLimit ?? { rate: 1000, burst: 2000 }),
      requestTimeoutMs: options.requestTimeoutMs ?? 30000,
      evalLimits: { ...DEFAULT_EVAL_LIMITS, ...options.evalLimits },
      requireClientCert: options.tls?.requireClientCert === true,
    },
    reports: db ? (): ReportJobContext => {
      keyStore ??= new KeyStore({ dir: options.keysDir });
      const checkpointKey = checkpointPublicKey(checkpointKeyFile);
      return {
        db: db as Database, keyStore, reportsDir, controlsDir: controls.dir, policiesDir: snapshots.dir, registry: controls.registry,
        checkpointKeys: checkpointKey ? [checkpointKey] : [],
      };
    } : undefined,
    log,
  };

  if (existsSync(snapshots.dir)) await snapshots.reload('startup');
  else log(`policies directory ${snapshots.dir} does not exist; serving nothing until it does (POST /v1/admin/reload or SIGHUP)`);
  await loadControls();
  if (options.watch ?? true) snapshots.watch();
  const stopSighup = options.sighup ?? true ? reloadOnSighup(snapshots) : () => undefined;

  let checkpointTimer: NodeJS.Timeout | undefined;
  const interval = options.checkpointIntervalMs ?? 60000;
  if (db && ledger && interval > 0) {
    const signer = loadCheckpointSigner(checkpointKeyFile);
    let lastRecords = 0;
    const cpDb = db;
    const cpLedger = ledger;
    checkpointTimer = setInterval(() => {
      if (!signer || cpLedger.stats.records === lastRecords) return;
      lastRecords = cpLedger.stats.records;
      writeCheckpoint(cpDb, signer).catch((e: Error) => log(`checkpoint failed: ${e.message}`));
    }, interval);
    checkpointTimer.unref();
  }

  const stopRetention = db && (options.retentionIntervalMs ?? 0) > 0
    ? scheduleRetention(state, options.retentionIntervalMs as number)
    : () => undefined;

  const app = createApp(state);
  const tls = options.tls;
  const http: Server = tls
    ? createHttpsServer({
      cert: readFileSync(tls.cert), key: readFileSync(tls.key), minVersion: 'TLSv1.2',
      ...(tls.clientCa ? { ca: readFileSync(tls.clientCa), requestCert: true, rejectUnauthorized: false } : {}),
    }, app.callback())
    : createHttpServer(app.callback());
  const timeout = state.security.requestTimeoutMs;
  if (timeout > 0) {
    // Node's own limits back ours up for clients that stall before the app sees them.
    http.requestTimeout = timeout + 5000;
    http.headersTimeout = Math.min(60000, timeout + 5000);
  }
  /** Stops what runs beside the HTTP server: watchers, signal handlers, timers. */
  const stopBackground = () => {
    snapshots.unwatch();
    stopSighup();
    stopRetention();
    clearInterval(checkpointTimer);
  };
  http.listen({ port: options.port ?? 8181, host });
  try {
    await new Promise<void>((resolveListen, reject) => {
      http.once('listening', resolveListen);
      http.once('error', reject);
    });
  } catch (e) {
    // The port is taken, say: nothing may keep running (or the process alive) after a failed start.
    stopBackground();
    await release();
    throw e;
  }
  http.keepAliveTimeout = 65000;
  const addr = http.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `${tls ? 'https' : 'http'}://${shownHost}:${addr.port}`;
  if (!tls) log(isLoopback(host) ? `no TLS: listening on loopback (${host}) only; pass --tls-cert/--tls-key to serve other hosts` : `WARNING: plain HTTP on ${host} (--insecure-bind): TLS must end in front of attest`);
  else log(`TLS on${tls.clientCa ? `, client certificates ${tls.requireClientCert ? 'required' : 'accepted'} (CA ${tls.clientCa})` : ''}`);
  if (!auth) log('WARNING: --insecure-no-auth: every request is served without a credential or authorization');
  else if (db) {
    const n = await countActiveClients(db);
    const who = Authorizer.snapshotDefines(snapshots.current) ? `data.system.authz of revision ${snapshots.current?.revision}` : `the shipped default data.system.authz (${state.security.authorizer.builtinRevision})`;
    log(`authentication: bearer tokens${tls?.clientCa ? ' or client certificates' : ''}; authorization: ${who}`);
    if (n === 0) log('no API clients exist yet: create one with `npx attest clients create --tenant TENANT --roles service` (the token is printed once)');
  }

  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (async () => {
    stopBackground();
    await new Promise<void>((r) => {
      http.close(() => r());
      http.closeIdleConnections();
    });
    await release();
  })());
  return { url, port: addr.port, state, http, close };
}
