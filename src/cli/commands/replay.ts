import { databaseUrlFromEnv, openDatabase } from '../../db/index.js';
import { replayDecision, ReplayError } from '../../decisions/evaluate.js';
import { flagBool, flagString, parseArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { printJSON } from '../output.js';

export const command: Command = {
  summary: 'Re-evaluate a logged decision against the policy revision that made it',
  usage: `Usage: attest replay [--database URL] [--json] DECISION_ID

Loads the decision from the ledger and the sources of its policy revision
from the database, evaluates the logged (masked) input at the logged time,
and shows whether the outcome is the same, with the reasons.
Exit status: 0 same, 2 different, 1 when the replay could not run.`,
  async run(argv) {
    const args = parseArgs(argv, [
      { name: 'database', kind: 'string' },
      { name: 'json', kind: 'boolean' },
    ]);
    const id = args.positionals[0];
    if (!id || args.positionals.length > 1) throw new UsageError('exactly one DECISION_ID is required');
    const db = await openDatabase(flagString(args, 'database') ?? databaseUrlFromEnv());
    try {
      const r = await replayDecision(db, id);
      if (flagBool(args, 'json')) {
        printJSON({ decision_id: r.decision.decision_id, revision: r.decision.revision, same: r.same, outcome: r.outcome, logged_outcome: r.decision.outcome, result: r.result, logged_result: r.decision.result, enforcement_points: r.enforcement_points, logged_enforcement_points: r.decision.enforcement_points, reasons: r.reasons, error: r.error });
      } else {
        console.log(`decision ${r.decision.decision_id} at ${r.decision.timestamp}: ${r.decision.query !== undefined ? `query ${r.decision.query}` : r.decision.path}`);
        console.log(`revision ${r.decision.revision}${r.gitCommit ? ` (git ${r.gitCommit})` : ''}`);
        console.log(r.same ? 'SAME: the replay gives the logged decision' : 'DIFFERENT: the replay does not give the logged decision');
        for (const line of r.reasons) console.log(`  ${line}`);
      }
      return r.same ? 0 : 2;
    } catch (e) {
      if (e instanceof ReplayError) {
        console.error(`attest replay: ${e.message}`);
        return 1;
      }
      throw e;
    } finally {
      await db.close();
    }
  },
};
