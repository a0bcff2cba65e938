/** Re-exports used by the fixtures, plus storing a policy revision. */
import { createHash } from 'node:crypto';
import { storePolicyRevision, type Database } from '../../src/db/index.js';

export { DecisionLedger, appendAdminAction, type DecisionInput } from '../../src/decisions/index.js';

export async function storeRevisionFor(db: Database, id: string, sources: Record<string, string>): Promise<void> {
  const h = createHash('sha256');
  for (const k of Object.keys(sources).sort()) h.update(`${k}\0${sources[k]}\0`);
  await storePolicyRevision(db, { id, content_hash: h.digest('hex'), git_commit: null, sources });
}
