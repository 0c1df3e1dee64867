// Restoring a database source: its dumps are extracted from the archive, pushed into a temporary
// directory on the target, and restored there by the engine's own client (pg_restore --clean
// --if-exists --exit-on-error --single-transaction; the mariadb client; sqlite: the file copied
// beside the target under a temporary name and renamed over it).
import { mkdirSync, rmSync } from 'node:fs';
import { posix, join } from 'node:path';
import { getEngine } from '../../engines/registry.js';
import { describeError } from '../../errors.js';
import type { PlannedDatabase, PlannedStep } from '../../plan/restore-plan.js';
import { extractArchive } from '../../tools/borg/items.js';
import { remoteRun } from '../../tools/ssh/remote.js';
import type { RestoreContext, RestoreStepResult } from './context.js';
import { databaseExists, databaseLabel, targetRunner } from './db-facts.js';
import { pushTree } from './files.js';
import { withRemoteTemp } from './remote-temp.js';

/** Restores every database of `step` (globals first, drops last); stops at the first failure; never throws. */
export async function restoreDatabaseStep(ctx: RestoreContext, step: PlannedStep): Promise<RestoreStepResult> {
  const stage = join(ctx.workDir, 'stage-db');
  const done: string[] = [];
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  try {
    const files = [...(step.globals ? [step.globals.dump.file] : []), ...step.databases.map((d) => d.dump.file)];
    if (files.length > 0) await extractArchive(ctx.borg, ctx.repository, ctx.archive, stage, files.map((f) => `${step.source}/${f}`));
    await withRemoteTemp(ctx, async (tmp) => {
      if (files.length > 0) {
        const pushed = await pushTree(ctx, join(stage, step.source), tmp);
        if (pushed.status === 'failed') throw new Error(pushed.error);
      }
      if (step.globals) {
        const engine = getEngine('postgres');
        await targetRunner(ctx, timeout(ctx)).run(engine.restoreGlobalsArgv!(step.globals.connection, posix.join(tmp, step.globals.dump.file)), {
          reason: 'applying the globals dump failed',
        });
        done.push('globals');
      }
      for (const db of step.databases) {
        await restoreOne(ctx, db, posix.join(tmp, db.dump.file));
        done.push(databaseLabel(db.engine, db.database, db.connection));
      }
    });
    for (const d of step.drops) {
      await targetRunner(ctx).run(getEngine(d.engine).dropDatabaseArgv(d.connection, d.database), { reason: `cannot drop ${d.database}` });
      done.push(`dropped ${databaseLabel(d.engine, d.database, d.connection)}`);
    }
    return { status: 'ok', summary: done.join(', '), details: { restored: done } };
  } catch (e) {
    const ok = done.length ? ` (restored before the failure: ${done.join(', ')})` : '';
    return { status: 'failed', error: `${describeError(e)}${ok}`, details: { restored: done } };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function timeout(ctx: RestoreContext): number {
  return ctx.global.dumpTimeoutSeconds * 1000;
}

async function restoreOne(ctx: RestoreContext, db: PlannedDatabase, remoteFile: string): Promise<void> {
  const engine = getEngine(db.engine);
  const label = databaseLabel(db.engine, db.database, db.connection);
  if (db.engine === 'sqlite') return replaceSqliteFile(ctx, remoteFile, db.database);
  if (!(await databaseExists(ctx, db.engine, db.connection, db.database))) {
    await targetRunner(ctx).run(engine.createDatabaseArgv(db.connection, db.database), { reason: `cannot create ${label}` });
  }
  await targetRunner(ctx, timeout(ctx)).run(engine.restoreArgv(db.connection, db.database, remoteFile, { clean: true }), {
    reason: `restoring ${label} failed`,
  });
}

/**
 * Replaces a sqlite file atomically: copy beside it under a temporary name (same filesystem), give
 * it the old file's mode and owner, remove the old file's journals (a stale -wal must never be
 * replayed onto the new file), then rename over it.
 */
async function replaceSqliteFile(ctx: RestoreContext, from: string, target: string): Promise<void> {
  const dir = posix.dirname(target);
  const tmp = posix.join(dir, `.${posix.basename(target)}.pullback-restore`);
  const run = (argv: string[], why: string) => remoteRun(ctx.session, argv, why, { timeoutMs: timeout(ctx), signal: ctx.signal });
  await run(['mkdir', '-p', '--', dir], `cannot create ${dir}`);
  await run(['cp', '--', from, tmp], `cannot copy the dump beside ${target}`);
  if (await databaseExists(ctx, 'sqlite', { host: '', port: 0, user: '' }, target)) {
    await run(['chmod', '--reference', target, '--', tmp], `cannot set the mode of ${tmp}`);
    // Changing the owner needs privileges the login user may not have; the mode is what matters most.
    await ctx.session.exec(['chown', '--reference', target, '--', tmp], { quiet: true, timeoutMs: 60_000 });
  }
  await run(['rm', '-f', '--', `${target}-wal`, `${target}-shm`, `${target}-journal`], `cannot remove the journals of ${target}`);
  await run(['mv', '-f', '-T', '--', tmp, target], `cannot rename ${tmp} to ${target}`);
}
