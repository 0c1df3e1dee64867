// Restoring a database source: its dumps are extracted from the archive, pushed into a temporary
// directory on the target, and each database replaced there by its engine so that it is exactly
// the dump (postgres: a fresh database swapped in; mariadb/mysql: dropped and re-created; sqlite:
// the file renamed over). The step says whether a failure changed anything on the target.
import { mkdirSync, rmSync } from 'node:fs';
import { decompressedName, decompressToFile } from '../tools/compress/decompress.js';
import type { DumpRecord } from '../archive/manifest.js';
import { dirname, posix, join } from 'node:path';
import { getEngine } from '../engines/registry.js';
import { sshRunner } from '../engines/runner.js';
import { describeError } from '../errors.js';
import { replacerOf } from './databases/registry.js';
import { ReplaceError } from './databases/replace.js';
import type { PlannedDatabase, PlannedStep } from './plan.js';
import { extractArchive } from '../tools/borg/extract.js';
import { removeLater, type RestoreContext, type RestoreStepResult } from './context.js';
import { databaseLabel, targetRunner } from './db-facts.js';
import { pushTree } from './files.js';
import { withRemoteTemp } from './remote-temp.js';
import { describeMismatches, stagedDumpMismatches } from './dump-digests.js';
import { dumpPaths, type Staging } from './staging.js';

/**
 * Restores every database of `step` (globals first, drops last); stops at the first failure; never
 * throws. The dumps come from `staging` when they were extracted ahead, else they are extracted now.
 */
export async function restoreDatabaseStep(ctx: RestoreContext, step: PlannedStep, staging?: Staging): Promise<RestoreStepResult> {
  const ahead = staging !== undefined && staging.ahead.includes(step.source) && (await staging.settled());
  const stage = ahead ? dirname(staging!.dirOf(step.source)) : join(ctx.workDir, 'stage-db');
  const done: string[] = [];
  const hows: string[] = [];
  const ended: string[] = [];
  const warnings: string[] = [];
  // Whether anything on the target may have changed: extracting and pushing to a temporary directory change nothing.
  let touched = false;
  // A replace under way: an error that is not the engine's own ReplaceError cannot say what it left.
  let replacing = false;
  if (!ahead) {
    rmSync(stage, { recursive: true, force: true });
    mkdirSync(stage, { recursive: true });
  }
  try {
    const files = dumpPaths(step);
    if (files.length > 0 && !ahead) await extractArchive(ctx.borg, ctx.repository, ctx.archive, stage, { exact: files });
    // Only the dumps the night recorded are loaded: compared again here, right before the push (nothing on the target has changed yet).
    const mismatched = await stagedDumpMismatches(step, join(stage, step.source));
    if (mismatched.length > 0) throw new Error(`nothing loaded: the extracted dump is not the one recorded at night: ${describeMismatches(mismatched)}`);
    // Compressed dumps are decompressed here, before anything is pushed: the target gets the file its client loads.
    const loaded = new Map<DumpRecord, string>();
    for (const d of [...(step.globals ? [step.globals.dump] : []), ...step.databases.map((x) => x.dump)]) loaded.set(d, await stagedFile(ctx, join(stage, step.source), d));
    await withRemoteTemp(ctx, async (tmp) => {
      if (files.length > 0) {
        const pushed = await pushTree(ctx, join(stage, step.source), tmp, [], { folder: false });
        if (pushed.status === 'failed') throw new Error(pushed.error);
      }
      if (step.globals) {
        touched = true;
        const engine = getEngine('postgres');
        await targetRunner(ctx, timeout(ctx)).run(engine.restoreGlobalsArgv!(step.globals.connection, posix.join(tmp, loaded.get(step.globals.dump)!)), {
          reason: 'applying the globals dump failed',
        });
        done.push('globals');
      }
      for (const db of step.databases) {
        const label = databaseLabel(db.engine, db.database, db.connection);
        replacing = true;
        const out = await restoreOne(ctx, db, posix.join(tmp, loaded.get(db.dump)!));
        done.push(label);
        hows.push(`${label}: ${out.how}`);
        warnings.push(...out.warnings.map((w) => `${label}: ${w}`));
        ended.push(...(out.endedSessions ?? []).map((s) => `${label}: ${s}`));
      }
    });
    for (const d of step.drops) {
      touched = true;
      await targetRunner(ctx).run(getEngine(d.engine).dropDatabaseArgv(d.connection, d.database), { reason: `cannot drop ${d.database}` });
      done.push(`dropped ${databaseLabel(d.engine, d.database, d.connection)}`);
    }
    // The sessions the replace ended on live databases are part of what the restore did: shown and recorded.
    const sessions = ended.length ? `; ended ${ended.length} session(s) on the live database: ${ended.join('; ')}` : '';
    // An engine's warning (e.g. a swap whose client failed after the server committed it) is shown on the step's line, never an OK.
    const warned = warnings.length ? `; warning: ${warnings.join('; ')}` : '';
    return { status: warnings.length ? 'warning' : 'ok', summary: `${done.join(', ')}${sessions}${warned}`, details: { restored: done, how: hows, endedSessions: ended, warnings } };
  } catch (e) {
    const ok = done.length ? ` (restored before the failure: ${done.join(', ')})` : '';
    // Proven untouched only when nothing was applied and the engine says so; an error of unknown kind during a replace is a possible change.
    const changed = touched || done.length > 0 ? true : e instanceof ReplaceError ? e.changed : replacing ? 'possibly' : false;
    return { status: 'failed', error: `${describeError(e)}${ok}`, details: { restored: done, how: hows, endedSessions: ended }, changed };
  } finally {
    if (ahead) removeLater(ctx, join(stage, step.source));
    else rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * The staged file of `dump` (relative to the source's stage) the target loads: the dump itself, or
 * for a compressed one its decompressed copy (the compressed file removed, so only it is pushed).
 * Throws when the compressor cannot read it whole (nothing on the target has changed yet).
 */
async function stagedFile(ctx: RestoreContext, stage: string, dump: DumpRecord): Promise<string> {
  if (!dump.compression) return dump.file;
  const name = decompressedName(dump.file);
  await decompressDump(ctx, dump, join(stage, dump.file), join(stage, name));
  rmSync(join(stage, dump.file), { force: true });
  return name;
}

/** Decompresses the staged copy `from` of the compressed `dump` into `to`; throws naming the dump when the compressor cannot read it whole. */
export async function decompressDump(ctx: Pick<RestoreContext, 'logger' | 'signal' | 'global'>, dump: DumpRecord, from: string, to: string): Promise<void> {
  const problem = await decompressToFile(dump.compression!, from, to, { logger: ctx.logger, signal: ctx.signal, timeoutMs: ctx.global.dumpTimeoutSeconds * 1000 });
  if (problem) throw new Error(`the dump ${dump.file} cannot be decompressed: ${problem}`);
}

function timeout(ctx: RestoreContext): number {
  return ctx.global.dumpTimeoutSeconds * 1000;
}

/** Replaces one database by its dump (databases/: postgres-swap.ts, mariadb-replace.ts, sqlite-replace.ts); returns how, its warnings, and the sessions it ended. */
async function restoreOne(ctx: RestoreContext, db: PlannedDatabase, remoteFile: string): Promise<{ how: string; warnings: string[]; endedSessions?: string[] }> {
  const cleanup = sshRunner(ctx.session, { timeoutMs: 300_000, logger: ctx.logger });
  const out = await replacerOf(db.engine)(targetRunner(ctx, timeout(ctx)), db.connection, db.database, remoteFile, {
    cleanup,
    timeoutMs: timeout(ctx),
    format: db.dump.format,
    ...(db.dump.properties ? { recorded: db.dump.properties } : {}),
  });
  if (out.expected) (ctx.expectedProperties ??= new Map()).set(databaseLabel(db.engine, db.database, db.connection), out.expected);
  return { how: out.warnings.length ? `${out.how}; warning: ${out.warnings.join('; ')}` : out.how, warnings: out.warnings, endedSessions: out.endedSessions };
}
