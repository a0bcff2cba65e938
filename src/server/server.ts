/**
 * Starting and stopping the decision service: open and migrate the database,
 * load the policy snapshot and the control registry, start the ledger,
 * periodic signed checkpoints, reload triggers, and the HTTP listener.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { databaseUrlFromEnv, migrateLatest, openDatabase, type Database } from '../db/index.js';
import { DecisionLedger, ed25519Signer, writeCheckpoint, type Signer } from '../decisions/index.js';
import { DecisionEvaluator } from '../decisions/evaluate.js';
import { gitCommit } from '../policy/snapshot.js';
import { loadRegistry } from '../controls/index.js';
import { createApp } from './app.js';
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
   * Milliseconds decisions wait to share a ledger transaction (default 2 on
   * SQLite, whose commits block the event loop; 0 on PostgreSQL).
   */
  ledgerLingerMs?: number;
  /** Slash path of the default decision (default system/main). */
  defaultDecision?: string;
  /** React to SIGHUP (default true). */
  sighup?: boolean;
  log?: (message: string) => void;
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
  const metricsLedger: { ledger?: DecisionLedger } = {};
  const metrics = new ServerMetrics({ queueDepth: () => metricsLedger.ledger?.stats.queueDepth ?? 0 });
  const useLedger = options.ledger ?? true;

  let db: Database | undefined;
  let ledger: DecisionLedger | undefined;
  if (useLedger) {
    const url = options.databaseUrl ?? databaseUrlFromEnv();
    db = await openDatabase(url, { schema: options.databaseSchema, log: (level, m) => level !== 'debug' && log(`database ${level}: ${m}`) });
    try {
      const { names } = await migrateLatest(db);
      if (names.length) log(`migrations applied: ${names.join(', ')}`);
    } catch (e) {
      await db.close();
      throw new Error(`database ${db.description}: migrations failed: ${(e as Error).message}`, { cause: e });
    }
    ledger = new DecisionLedger(db, {
      onCommit: (size, ms) => {
        metrics.ledgerBatch.observe([], size);
        metrics.ledgerCommits.observe([], ms / 1000);
      },
    });
    metricsLedger.ledger = ledger;
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

  const snapshots = createSnapshotManager({ dir: resolve(options.policies ?? 'policies'), db, metrics, runTests: options.runTests, log, alsoReload: loadControls });
  const state: ServerState = {
    snapshots,
    evaluator: new DecisionEvaluator(ledger ?? null, { lingerMs: options.ledgerLingerMs ?? (db?.dialect === 'sqlite' ? 2 : 0) }),
    db,
    ledger,
    metrics,
    controls,
    limits: { maxBytes: options.maxBodyBytes ?? DEFAULT_BODY_LIMITS.maxBytes, maxDepth: options.maxDepth ?? DEFAULT_BODY_LIMITS.maxDepth },
    defaultDecision: (options.defaultDecision ?? 'system/main').replace(/^\/+|\/+$/g, ''),
    build: buildInfo(),
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
    const signer = loadCheckpointSigner(resolve(options.checkpointKeyFile ?? 'data/checkpoint-key.pem'));
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

  const app = createApp(state);
  const http = app.listen({ port: options.port ?? 8181, host: options.host ?? '127.0.0.1' });
  await new Promise<void>((resolveListen, reject) => {
    http.once('listening', resolveListen);
    http.once('error', reject);
  });
  http.keepAliveTimeout = 65000;
  const addr = http.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;

  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (async () => {
    snapshots.unwatch();
    stopSighup();
    clearInterval(checkpointTimer);
    await new Promise<void>((r) => {
      http.close(() => r());
      http.closeIdleConnections();
    });
    await ledger?.close();
    await db?.close();
  })());
  return { url, port: addr.port, state, http, close };
}
