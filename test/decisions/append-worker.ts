/**
 * Child process for the multi-process test: appends COUNT decisions to the
 * ledger at URL (schema SCHEMA, or "-") in waves, then prints its stats as JSON.
 */
import { openDatabase } from '../../src/db/index.js';
import { DecisionLedger } from '../../src/decisions/index.js';
import { decision } from './fixtures.js';

const [url, schema, countText, label] = process.argv.slice(2);
const db = await openDatabase(url, schema && schema !== '-' ? { schema } : {});
const ledger = new DecisionLedger(db);
const count = Number(countText);
const ids: string[] = [];
for (let done = 0; done < count; ) {
  const wave = Math.min(50, count - done);
  const recs = await Promise.all(Array.from({ length: wave }, (_, i) => ledger.append(decision(done + i, { caller: label }))));
  for (const r of recs) ids.push(r.decision_id);
  done += wave;
}
await ledger.close();
await db.close();
process.stdout.write(JSON.stringify({ label, ids, stats: ledger.stats }) + '\n');
