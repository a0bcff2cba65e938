import type { Database } from './connection.js';

/** A policy snapshot as stored: once per revision. */
export interface PolicyRevision {
  id: string;
  content_hash: string;
  git_commit: string | null;
  /** Source files of the snapshot, path → text. */
  sources: Record<string, string>;
  created_at: string;
}

interface PolicyRevisionRow {
  id: string;
  content_hash: string;
  git_commit: string | null;
  sources: string;
  created_at: string;
}

/**
 * Stores a revision unless it is already there (several servers may load the
 * same revision). Returns true when this call inserted it.
 */
export async function storePolicyRevision(db: Database, rev: Omit<PolicyRevision, 'created_at'> & { created_at?: string }): Promise<boolean> {
  const inserted = await db.knex<PolicyRevisionRow>('policy_revisions')
    .insert({
      id: rev.id,
      content_hash: rev.content_hash,
      git_commit: rev.git_commit,
      sources: JSON.stringify(rev.sources),
      created_at: rev.created_at ?? new Date().toISOString(),
    })
    .onConflict('id')
    .ignore()
    .returning('id');
  return inserted.length > 0;
}

export async function getPolicyRevision(db: Database, id: string): Promise<PolicyRevision | undefined> {
  const row = await db.knex<PolicyRevisionRow>('policy_revisions').where({ id }).first();
  if (!row) return undefined;
  return { ...row, sources: JSON.parse(row.sources) as Record<string, string> };
}
