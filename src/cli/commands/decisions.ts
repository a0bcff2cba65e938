import { resolve } from 'node:path';
import { databaseUrlFromEnv, openDatabase, type Database } from '../../db/index.js';
import { getDecision, listDecisions, verifyAdminAudit, verifyLedger, type DecisionFilter, type VerifyReport } from '../../decisions/index.js';
import { flagBool, flagString, parseArgs, UsageError, type ParsedArgs } from '../args.js';
import type { Command } from '../command.js';
import { printJSON } from '../output.js';

export const command: Command = {
  summary: 'Check the decision ledger (verify), list decisions, show one',
  usage: `Usage: attest decisions verify [--from SEQ|TIME] [--to SEQ|TIME] [--json]
       attest decisions list [--path P] [--outcome O] [--tenant T] [--enforcement-point ID]
                             [--from TIME] [--to TIME] [--limit N] [--cursor C] [--json]
       attest decisions show DECISION_ID

  verify   recomputes the hash chain and names the first changed, deleted,
           inserted or reordered record; checks signed checkpoints (with
           --checkpoint-key, default ./data/checkpoint-key.pem) and the admin
           audit log. Exit status 1 when anything is wrong.
  --database URL   database (default $DATABASE_URL, else sqlite:./data/attest.db)`,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub !== 'verify' && sub !== 'list' && sub !== 'show') throw new UsageError('a subcommand is required: verify, list or show');
    const args = parseArgs(rest, [
      { name: 'database', kind: 'string' },
      { name: 'from', kind: 'string' },
      { name: 'to', kind: 'string' },
      { name: 'json', kind: 'boolean' },
      { name: 'path', kind: 'string' },
      { name: 'outcome', kind: 'string' },
      { name: 'tenant', kind: 'string' },
      { name: 'enforcement-point', kind: 'string' },
      { name: 'limit', kind: 'string' },
      { name: 'cursor', kind: 'string' },
      { name: 'checkpoint-key', kind: 'string' },
    ]);
    const db = await openDatabase(flagString(args, 'database') ?? databaseUrlFromEnv());
    try {
      if (sub === 'verify') return await verify(db, args);
      if (sub === 'list') return await list(db, args);
      return await show(db, args);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      console.error(`attest decisions ${sub}: ${(e as Error).message}`);
      return 1;
    } finally {
      await db.close();
    }
  },
};

/** A seq (digits) or a time. */
function bound(v: string | undefined): number | string | undefined {
  if (v === undefined) return undefined;
  return /^\d+$/.test(v) ? Number(v) : v;
}

async function verify(db: Database, args: ParsedArgs): Promise<number> {
  const { loadCheckpointSigner } = await import('../../server/index.js');
  const signer = loadCheckpointSigner(resolve(flagString(args, 'checkpoint-key') ?? 'data/checkpoint-key.pem'), false);
  const options = { from: bound(flagString(args, 'from')), to: bound(flagString(args, 'to')), signers: signer ? [signer] : undefined };
  const ledger = await verifyLedger(db, options);
  const audit = await verifyAdminAudit(db, { signers: options.signers });
  if (flagBool(args, 'json')) {
    printJSON({ decisions: ledger, admin_audit: audit });
  } else {
    console.log(describe('decision ledger', ledger));
    console.log(describe('admin audit log', audit));
  }
  return ledger.ok && audit.ok ? 0 : 1;
}

function describe(name: string, r: VerifyReport): string {
  const cp = r.checkpoints;
  const cpText = cp.checked === 0 ? 'no checkpoints' : `${cp.checked} checkpoint(s), ${cp.signaturesVerified} signature(s) verified, ${cp.signaturesUnchecked} unchecked`;
  if (r.ok) {
    return `${name}: chain intact — ${r.checked} record(s) checked (seq ${r.checked ? `${r.from}..${r.to}` : '-'}), head ${r.head.seq} ${r.head.hash.slice(0, 16)}…; ${cpText}`;
  }
  const lines = [`${name}: CHAIN BROKEN`];
  if (r.firstBad) lines.push(`  first bad record: ${r.firstBad.seq}${r.firstBad.id ? ` (${r.firstBad.id})` : ''} — ${r.firstBad.kind}: ${r.firstBad.message}`);
  if (cp.firstBad) lines.push(`  checkpoint ${cp.firstBad.checkpointId} at record ${cp.firstBad.seq}: ${cp.firstBad.message}`);
  lines.push(`  ${r.checked} record(s) checked before stopping; ${cpText}`);
  return lines.join('\n');
}

async function list(db: Database, args: ParsedArgs): Promise<number> {
  const filter: DecisionFilter = {};
  const path = flagString(args, 'path');
  if (path !== undefined) filter.path = path.replace(/^\//, '');
  for (const [flag, key] of [['outcome', 'outcome'], ['tenant', 'tenant'], ['enforcement-point', 'enforcementPoint'], ['from', 'from'], ['to', 'to']] as const) {
    const v = flagString(args, flag);
    if (v !== undefined) filter[key] = v;
  }
  const limit = Number(flagString(args, 'limit') ?? '20');
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be an integer from 1 to 1000');
  const page = await listDecisions(db, filter, { limit, cursor: flagString(args, 'cursor') });
  if (flagBool(args, 'json')) {
    printJSON(page);
    return 0;
  }
  for (const d of page.decisions) {
    const eps = d.enforcement_points.length ? `  [${d.enforcement_points.join(', ')}]` : '';
    console.log(`${String(d.seq).padStart(6)}  ${d.timestamp}  ${d.decision_id}  ${d.path}  ${d.outcome}${d.tenant ? `  tenant=${d.tenant}` : ''}${eps}`);
  }
  if (page.next) console.log(`more: attest decisions list --cursor ${page.next}`);
  return 0;
}

async function show(db: Database, args: ParsedArgs): Promise<number> {
  const id = args.positionals[0];
  if (!id) throw new UsageError('a DECISION_ID is required');
  const d = await getDecision(db, id);
  if (!d) {
    console.error(`attest decisions show: decision ${id} is not in the ledger`);
    return 1;
  }
  printJSON(d);
  return 0;
}
