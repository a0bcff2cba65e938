/**
 * Policy reloads for the server: the snapshot manager wired to the database
 * (sources stored once per revision before a snapshot may serve), metrics,
 * the log, SIGHUP, and POST /v1/admin/reload (recorded in the admin audit log).
 */
import type { Database } from '../db/index.js';
import { storePolicyRevision } from '../db/index.js';
import { appendAdminAction } from '../decisions/index.js';
import { SnapshotError, SnapshotManager, type PolicySnapshot, type ReloadStatus, type SnapshotProblem } from '../policy/snapshot.js';
import { HttpError } from './errors.js';
import { identityOf } from './identity.js';
import type { ServerMetrics } from './metrics.js';
import { reply } from './json.js';
import type { Router } from './router.js';
import type { ServerState } from './state.js';

/** The problems behind a failed reload, as OPA error objects. */
export function formatProblems(err: Error | undefined): SnapshotProblem[] {
  if (!err) return [];
  if (err instanceof SnapshotError) return err.problems;
  return [{ code: 'reload_error', message: err.message }];
}

export interface ReloadWiring {
  dir: string;
  db?: Database;
  metrics: ServerMetrics;
  runTests?: boolean;
  log(message: string): void;
  /** Also reload something else with the policies (the control registry). */
  alsoReload?(): Promise<void>;
}

export function createSnapshotManager(w: ReloadWiring): SnapshotManager {
  return new SnapshotManager(w.dir, {
    runTests: w.runTests,
    async beforeSwap(next: PolicySnapshot) {
      if (w.db) {
        await storePolicyRevision(w.db, { id: next.revision, content_hash: next.contentHash, git_commit: next.gitCommit, sources: { ...next.sources } });
      }
    },
    onReload(status: ReloadStatus, serving: PolicySnapshot | undefined) {
      w.metrics.reloads.inc([status.ok ? 'ok' : 'failed']);
      w.metrics.reloadOk.set([], status.ok ? 1 : 0);
      w.metrics.reloadTime.set([], status.at.getTime() / 1000);
      if (serving) {
        w.metrics.snapshotInfo.reset();
        w.metrics.snapshotInfo.set([serving.revision], 1);
      }
      if (status.ok) {
        w.log(`policies loaded (${status.trigger}): revision ${status.revision}`);
      } else {
        const keep = serving ? `; still serving revision ${serving.revision}` : '; no policy snapshot is serving';
        w.log(`policy reload failed (${status.trigger})${keep}:\n${formatProblems(status.error).map((p) => `  ${p.location ? `${p.location.file}:${p.location.row}:${p.location.col}: ` : ''}${p.code}: ${p.message}`).join('\n')}`);
      }
      if (status.ok && w.alsoReload) void w.alsoReload();
    },
  });
}

export function adminRoutes(router: Router, state: ServerState): void {
  router.post('/v1/admin/reload', async (ctx) => {
    const before = state.snapshots.current?.revision;
    const status = await state.snapshots.reload('api');
    if (state.db) {
      await appendAdminAction(state.db, {
        actor: identityOf(ctx).caller,
        tenant: identityOf(ctx).tenant,
        action: 'policy.reload',
        target: state.snapshots.dir,
        details: { ok: status.ok, revision: status.revision ?? null, previous: before ?? null, error: status.error?.message ?? null },
      });
    }
    if (!status.ok) {
      const problems = formatProblems(status.error);
      const stage = status.error instanceof SnapshotError ? status.error.stage : 'load';
      const message = stage === 'compile' ? 'error(s) occurred while compiling module(s)' : `policy reload failed at ${stage}`;
      throw new HttpError(400, 'invalid_parameter', `${message}; the previous snapshot keeps serving`, problems, { revision: before ?? null });
    }
    reply(ctx, 200, { result: { revision: status.revision, previous: before ?? null, changed: status.revision !== before } });
  });
}

/** SIGHUP reloads, like many daemons; returns a function that removes the handler. */
export function reloadOnSighup(manager: SnapshotManager): () => void {
  const handler = () => void manager.reload('signal');
  process.on('SIGHUP', handler);
  return () => process.off('SIGHUP', handler);
}
