import { databaseUrlFromEnv, migrateLatest, openDatabase, type Database } from '../../db/index.js';
import { listHolds, placeHold, releaseHold, reviewHold, RetentionError, runRetention, type RetentionReceipt } from '../../decisions/retention.js';
import { buildSnapshot } from '../../policy/snapshot.js';
import { flagBool, flagString, parseArgs, UsageError, type ParsedArgs } from '../args.js';
import type { Command } from '../command.js';
import { printJSON } from '../output.js';

export const command: Command = {
  summary: "Apply the RetentionSchedule to attest's own records; legal holds",
  usage: `Usage: attest retention run [--policies DIR] [--dry-run] [--now TIME] [--archive-dir DIR] [--json]
       attest retention holds [--all] [--json]
       attest retention hold --type legal [--tenant T] [--ticket ID] [--reason TEXT]
       attest retention release|review HOLD_ID

  run      puts attest's records to data.retention.decision under the
           RetentionSchedule in DIR (default ./policies): decision ledger rows
           (class decision_log) whose end action is due lose their payload
           (input, result) and keep their digests, so \`attest decisions
           verify\` still passes; admin audit rows (admin_audit_log) due for
           archiving are copied to --archive-dir (default ./data/archive) and
           kept. A tenant under an active legal hold is skipped. Each run
           appends its receipt (what was due, done, held, and why) to the
           admin audit log; --dry-run only reports.
  hold     places a legal hold on a tenant's records (all tenants without
           --tenant); the policy decides whether it is active (a ticket, a
           review within the schedule's review_every)
  release  ends a hold; review records that a hold was reviewed

Flags: --database URL (default $DATABASE_URL, else sqlite:./data/attest.db).`,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (!['run', 'holds', 'hold', 'release', 'review'].includes(sub)) throw new UsageError('a subcommand is required: run, holds, hold, release or review');
    const args = parseArgs(rest, [
      { name: 'database', kind: 'string' },
      { name: 'policies', kind: 'string' },
      { name: 'dry-run', kind: 'boolean' },
      { name: 'now', kind: 'string' },
      { name: 'archive-dir', kind: 'string' },
      { name: 'json', kind: 'boolean' },
      { name: 'all', kind: 'boolean' },
      { name: 'type', kind: 'string' },
      { name: 'tenant', kind: 'string' },
      { name: 'ticket', kind: 'string' },
      { name: 'reason', kind: 'string' },
    ]);
    const db = await openDatabase(flagString(args, 'database') ?? databaseUrlFromEnv());
    const by = `cli:${process.env.USER ?? process.env.USERNAME ?? 'unknown'}`;
    try {
      await migrateLatest(db);
      if (sub === 'run') return await run(db, args, by);
      if (sub === 'holds') {
        const holds = await listHolds(db, { includeReleased: flagBool(args, 'all') });
        if (flagBool(args, 'json')) printJSON(holds);
        else if (holds.length === 0) console.log('no legal holds');
        else for (const h of holds) console.log(`${h.id} ${h.type} tenant ${h.tenant ?? '(all)'} ticket ${h.ticket ?? '-'} placed ${h.placed_at} by ${h.placed_by}${h.released_at ? `, released ${h.released_at}` : ''}`);
        return 0;
      }
      if (sub === 'hold') {
        const type = flagString(args, 'type');
        if (!type) throw new UsageError('--type is required (e.g. legal)');
        const h = await placeHold(db, { type, tenant: flagString(args, 'tenant') ?? null, ticket: flagString(args, 'ticket'), reason: flagString(args, 'reason'), by });
        console.log(h.id);
        return 0;
      }
      const id = args.positionals[0];
      if (!id) throw new UsageError(`attest retention ${sub} takes a hold id`);
      if (sub === 'release') await releaseHold(db, id, by);
      else await reviewHold(db, id, by);
      return 0;
    } catch (e) {
      if (e instanceof UsageError) throw e;
      console.error(`attest retention ${sub}: ${(e as Error).message}`);
      return 1;
    } finally {
      await db.close();
    }
  },
};

async function run(db: Database, args: ParsedArgs, by: string): Promise<number> {
  const nowText = flagString(args, 'now');
  const now = nowText === undefined ? new Date() : new Date(nowText);
  if (Number.isNaN(now.getTime())) throw new UsageError(`--now must be an RFC 3339 time, got ${nowText}`);
  const snapshot = buildSnapshot(flagString(args, 'policies') ?? 'policies');
  let receipt: RetentionReceipt;
  try {
    receipt = await runRetention({ db, snapshot, actor: by, now, dryRun: flagBool(args, 'dry-run'), archiveDir: flagString(args, 'archive-dir') });
  } catch (e) {
    if (e instanceof RetentionError) {
      console.error(`attest retention run: ${e.message}`);
      return 1;
    }
    throw e;
  }
  if (flagBool(args, 'json')) {
    printJSON(receipt);
    return 0;
  }
  const verb = receipt.dry_run ? 'due' : 'anonymised';
  console.log(`retention run ${receipt.run_id}${receipt.dry_run ? ' (dry run: nothing changed, no receipt)' : ''} at ${receipt.now}, policies ${receipt.policy_revision}`);
  for (const t of receipt.decision_log.tenants) {
    console.log(`  decision_log tenant ${t.tenant ?? '(none)'}: ${t.held ? 'HELD' : t.action} — ${t.rows} row(s) ${verb} before ${t.due_before}${t.held || t.action === 'retain' ? `: ${t.reasons[0] ?? ''}` : ''}`);
  }
  if (receipt.decision_log.tenants.length === 0) console.log('  decision_log: nothing due');
  const a = receipt.admin_audit_log;
  console.log(`  admin_audit_log: ${a.archived ? `${a.archived} entr${a.archived === 1 ? 'y' : 'ies'} ${receipt.dry_run ? 'due for archiving' : `archived to ${a.file}`}` : a.held ? `HELD: ${a.reasons[0] ?? ''}` : 'nothing due'}`);
  if (!receipt.dry_run) console.log(`receipt recorded in the admin audit log (retention.run ${receipt.run_id}); digest ${receipt.decision_log.digest ?? '-'}`);
  return 0;
}
