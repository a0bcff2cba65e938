/**
 * The retention schedule inside `attest serve` (off unless
 * --retention-interval is given): runs `attest retention run` against the
 * serving snapshot, one run at a time, and logs each receipt's totals.
 */
import { runRetention } from '../decisions/retention.js';
import type { ServerState } from './state.js';

export function scheduleRetention(state: ServerState, intervalMs: number): () => void {
  let running = false;
  const tick = async () => {
    const snapshot = state.snapshots.current;
    if (running || !state.db || !snapshot) return;
    running = true;
    try {
      const r = await runRetention({ db: state.db, snapshot, actor: 'attest-serve:retention' });
      state.log(`retention run ${r.run_id}: ${r.decision_log.anonymised} ledger rows anonymised, ${r.admin_audit_log.archived} audit rows archived, ${r.decision_log.tenants.filter((t) => t.held).length} tenants held`);
    } catch (e) {
      state.log(`retention run failed: ${(e as Error).message}`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
