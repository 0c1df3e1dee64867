// Replacing a SQLite database (a file) by its dump, which is itself a whole database file: copied
// beside the target, given the properties it should have, then renamed over it (see replaceSqliteFile).
import { posix } from 'node:path';
import type { DatabaseProperties, ExpectedProperties } from '../../engines/engine.js';
import { sqliteEngine, walModeArgv } from '../../engines/sqlite.js';
import { describeError } from '../../errors.js';
import { ReplaceError, type DatabaseReplacer } from './replace.js';

/** Gives `file` the journal mode, mode and owner in `props`; returns warnings for what could not be set (the owner, without privileges). */
async function applyProperties(step: (argv: string[], reason: string) => Promise<string>, file: string, props: DatabaseProperties): Promise<string[]> {
  // Set on the copy while nothing else has it open: the last connection's close folds the WAL back, leaving one file.
  if (props['journal mode'] === 'wal') await step(walModeArgv(file), `cannot put ${file} in WAL mode`);
  if (props.mode && /^[0-7]{3,4}$/.test(props.mode)) await step(['chmod', props.mode, '--', file], `cannot set the mode of ${file}`);
  if (!props.owner || !/^\d+:\d+$/.test(props.owner)) return [];
  // Changing the owner needs privileges the login user may not have: a warning, and the check says it differs.
  return step(['chown', props.owner, '--', file], '').then(
    () => [],
    (e: unknown) => [`cannot give it the owner ${props.owner}: ${describeError(e)}`],
  );
}

/**
 * Replaces a database file atomically: the dump copied beside it under a temporary name (same
 * filesystem), given the journal mode, mode and owner the old file had (or, when there was none,
 * those recorded with the dump), the old file's journals removed (a stale -wal must never be
 * replayed onto the new file), then renamed over it. The dump is a whole database, so the result is
 * exactly the dump.
 */
export const replaceSqliteFile: DatabaseReplacer = async (run, conn, target, dumpFile, { timeoutMs, recorded }) => {
  const dir = posix.dirname(target);
  const tmp = posix.join(dir, `.${posix.basename(target)}.pullback-restore`);
  const step = (argv: string[], reason: string) => run.run(argv, { reason, timeoutMs });
  let expected: ExpectedProperties | undefined;
  let warnings: string[] = [];
  try {
    const existed = await step(['test', '-e', target], '').then(() => true, () => false);
    const own = existed ? await sqliteEngine.properties!(run, conn, target) : undefined;
    expected = own ? { properties: own, from: 'as the replaced file had them' } : recorded ? { properties: recorded, from: 'as dumped' } : undefined;
    await step(['mkdir', '-p', '--', dir], `cannot create ${dir}`);
    await step(['cp', '--sparse=always', '--', dumpFile, tmp], `cannot copy the dump beside ${target}`);
    if (expected) warnings = await applyProperties(step, tmp, expected.properties);
  } catch (e) {
    await run.run(['rm', '-f', '--', tmp, `${tmp}-wal`, `${tmp}-shm`], { reason: `cannot remove ${tmp}`, timeoutMs: 60_000 }).catch(() => undefined);
    throw new ReplaceError(describeError(e), false);
  }
  try {
    await step(['rm', '-f', '--', `${target}-wal`, `${target}-shm`, `${target}-journal`], `cannot remove the journals of ${target}`);
    await step(['mv', '-f', '-T', '--', tmp, target], `cannot rename ${tmp} to ${target}`);
  } catch (e) {
    throw new ReplaceError(`${describeError(e)} (its journals may be gone)`, true);
  }
  const how = `replaced by the dumped file (atomic rename)${expected ? `, with its mode, owner and journal mode ${expected.from}` : ''}`;
  return { how, warnings, ...(expected ? { expected } : {}) };
};
