/**
 * `attest impact --base REF`: the compliance impact of the change between a
 * Git revision and the working tree, for a pull-request comment.
 */
import { gitImpact, GitError, ledgerDecisions, parseReplayRange, renderImpactMarkdown, replayDecisions } from '../../controls/impact.js';
import { databaseUrlFromEnv, openDatabase, redactUrl } from '../../db/index.js';
import { isLedgerError } from '../../decisions/index.js';
import { flagChoice, flagString, parseArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { printJSON } from '../output.js';

export const command: Command = {
  summary: 'Compliance impact of a policy/control change against a Git revision (Markdown or JSON)',
  usage: `Usage: attest impact --base REF [--replay FROM..TO [--db URL] [--limit N]]
                    [--policies DIR] [--controls DIR] [--format markdown|json]

Loads policies/ and controls/ as they are at REF (via git) and in the working
tree, runs the policy tests on both, and reports the controls and requirements
the change touches, the coverage it adds or removes per framework, the tests
added or removed and the enforcement points that lost their tests.

--replay FROM..TO   re-evaluate the (masked) inputs recorded in the decision
                    ledger between FROM and TO (RFC 3339 or YYYY-MM-DD; either
                    side may be empty) against the base and the candidate
                    policies, and count changed outcomes per enforcement point.
--db URL            the ledger database (default: DATABASE_URL, else sqlite:./data/attest.db).
--limit N           replay at most N decisions (default 100000).

Exit status: 0 when the report was made (whatever it says), 1 on errors.`,
  async run(argv) {
    const args = parseArgs(argv, [
      { name: 'base', kind: 'string' },
      { name: 'replay', kind: 'string' },
      { name: 'db', kind: 'string' },
      { name: 'limit', kind: 'string', default: '100000' },
      { name: 'policies', kind: 'string', default: 'policies' },
      { name: 'controls', kind: 'string', default: 'controls' },
      { name: 'format', short: 'f', kind: 'string' },
    ]);
    const format = flagChoice(args, 'format', ['markdown', 'json'] as const, 'markdown');
    const base = flagString(args, 'base');
    if (!base) throw new UsageError('--base REF is required (for example --base origin/main or --base HEAD~1)');
    if (args.positionals.length) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
    const limit = Number(flagString(args, 'limit'));
    if (!Number.isSafeInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
    const replay = flagString(args, 'replay');
    let range: { from?: string; to?: string } | undefined;
    if (replay !== undefined) {
      try {
        range = parseReplayRange(replay);
      } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e));
      }
    }

    let result: Awaited<ReturnType<typeof gitImpact>>;
    try {
      result = await gitImpact(process.cwd(), base, { policies: flagString(args, 'policies') ?? 'policies', controls: flagString(args, 'controls') ?? 'controls' });
    } catch (e) {
      if (e instanceof GitError) {
        console.error(`attest impact: ${e.message}`);
        return 1;
      }
      throw e;
    }
    const { report } = result;

    if (range) {
      const url = flagString(args, 'db') ?? databaseUrlFromEnv();
      const db = await openDatabase(url);
      try {
        report.replay = await replayDecisions(ledgerDecisions(db, range, limit), result.base.policy, result.head.policy, range);
      } catch (e) {
        if (isLedgerError(e)) {
          console.error(`attest impact: cannot replay from ${redactUrl(url)}: ${e.message}`);
          return 1;
        }
        throw e;
      } finally {
        await db.close();
      }
    }

    if (format === 'json') printJSON(report);
    else process.stdout.write(renderImpactMarkdown(report));
    return 0;
  },
};
