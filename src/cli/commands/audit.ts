import { databaseUrlFromEnv, openDatabase } from '../../db/index.js';
import { listAdminActions, verifyAdminAudit } from '../../decisions/index.js';
import { verifyRetentionReceipts } from '../../decisions/retention.js';
import { flagBool, flagString, parseArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { printJSON } from '../output.js';

export const command: Command = {
  summary: 'The admin audit log: verify its hash chain, list entries',
  usage: `Usage: attest audit verify [--database URL] [--json]
       attest audit list [--limit N] [--database URL] [--json]

  verify   recomputes the admin audit log's hash chain (client changes, policy
           reloads, reports, key rotations, retention runs, legal holds) and
           names the first changed, deleted, inserted or reordered entry; also
           checks the ledger rows anonymised by retention against the receipts
           of their runs. Exit status 1 when anything is wrong.
  list     newest entries first (default 20)`,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub !== 'verify' && sub !== 'list') throw new UsageError('a subcommand is required: verify or list');
    const args = parseArgs(rest, [{ name: 'database', kind: 'string' }, { name: 'json', kind: 'boolean' }, { name: 'limit', kind: 'string' }]);
    const db = await openDatabase(flagString(args, 'database') ?? databaseUrlFromEnv());
    try {
      if (sub === 'list') {
        const limit = Number(flagString(args, 'limit') ?? 20);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be an integer from 1 to 1000');
        const entries = await listAdminActions(db, { limit });
        if (flagBool(args, 'json')) printJSON(entries);
        else for (const e of entries) console.log(`${String(e.seq).padStart(6)} ${e.timestamp} ${e.action.padEnd(22)} ${e.actor}${e.target ? ` → ${e.target}` : ''}${e.tenant ? ` [${e.tenant}]` : ''}`);
        return 0;
      }
      const chain = await verifyAdminAudit(db);
      const receipts = await verifyRetentionReceipts(db);
      const ok = chain.ok && receipts.problems.length === 0;
      if (flagBool(args, 'json')) {
        printJSON({ ok, admin_audit: chain, retention_receipts: receipts });
        return ok ? 0 : 1;
      }
      if (chain.ok) {
        console.log(`admin audit log: chain intact — ${chain.checked} entr${chain.checked === 1 ? 'y' : 'ies'} checked, head ${chain.head.seq} ${chain.head.hash.slice(0, 16)}…`);
      } else {
        console.log('admin audit log: CHAIN BROKEN');
        if (chain.firstBad) console.log(`  first bad entry: ${chain.firstBad.seq}${chain.firstBad.id ? ` (${chain.firstBad.id})` : ''} — ${chain.firstBad.kind}: ${chain.firstBad.message}`);
        if (chain.checkpoints.firstBad) console.log(`  checkpoint ${chain.checkpoints.firstBad.checkpointId}: ${chain.checkpoints.firstBad.message}`);
      }
      if (receipts.problems.length === 0) console.log(`retention receipts: ${receipts.rows} anonymised ledger row(s) in ${receipts.runs} run(s), all covered by their receipts`);
      else for (const p of receipts.problems) console.log(`retention receipts: PROBLEM — ${p.message}`);
      return ok ? 0 : 1;
    } catch (e) {
      if (e instanceof UsageError) throw e;
      console.error(`attest audit ${sub}: ${(e as Error).message}`);
      return 1;
    } finally {
      await db.close();
    }
  },
};
