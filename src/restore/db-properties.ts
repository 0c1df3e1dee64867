// The post-restore check of a database's own properties (mariadb/mysql character sets and
// collations, sqlite file mode, owner and journal mode): what the restore set, read back from the
// target. A dump taken before they were recorded, restored where nothing else says what they
// should be, is a warning: not verified, never a pass.
import { getEngine } from '../engines/registry.js';
import { describeError } from '../errors.js';
import type { PlannedDatabase } from './plan.js';
import type { ChecklistItem } from './readiness-verdict.js';
import { printable } from '../util/printable.js';
import type { RestoreContext } from './context.js';
import { databaseLabel, targetRunner } from './db-facts.js';

/** Figures listed before "and N more" in a figure. */
const SHOWN = 5;

/** The properties item of one restored database; undefined for engines without such properties (postgres). Never throws. */
export async function propertiesCheck(ctx: RestoreContext, source: string, db: PlannedDatabase): Promise<ChecklistItem | undefined> {
  const engine = getEngine(db.engine);
  if (!engine.properties) return undefined;
  const label = databaseLabel(db.engine, db.database, db.connection);
  const name = `${source}: ${db.engine === 'sqlite' ? 'mode, owner and journal mode' : 'character sets and collations'} of ${label}`;
  const expected = ctx.expectedProperties?.get(label);
  if (!expected) return { name, status: 'warn', figure: 'not verified: the dump records none (taken before pullback recorded them)' };
  try {
    const got = await engine.properties(targetRunner(ctx), db.connection, db.database);
    const want = expected.properties;
    const diff = Object.keys(want)
      .filter((k) => got[k] !== want[k])
      .map((k) => `${printable(k)}: expected ${printable(want[k]!)}, got ${got[k] === undefined ? 'none' : printable(got[k]!)}`);
    if (diff.length > 0) {
      const more = diff.length > SHOWN ? ` and ${diff.length - SHOWN} more` : '';
      return { name, status: 'fail', figure: `differs from ${expected.from}: ${diff.slice(0, SHOWN).join('; ')}${more}` };
    }
    return { name, status: 'pass', figure: `${summary(want)}, ${expected.from}` };
  } catch (e) {
    return { name, status: 'fail', figure: describeError(e) };
  }
}

/** The database's own properties in a few words (the per-object ones counted). */
function summary(p: Record<string, string>): string {
  const own = ['character set', 'collation', 'mode', 'owner', 'journal mode'].filter((k) => k in p).map((k) => `${k} ${p[k]}`);
  const objects = new Set(Object.keys(p).filter((k) => k.includes(': ')).map((k) => k.slice(0, k.lastIndexOf(': ')))).size;
  return [...own, ...(objects > 0 ? [`character sets and collations of ${objects} routine(s), trigger(s) or event(s)`] : [])].join(', ');
}
