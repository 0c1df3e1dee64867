// Taking the configured dumps on the main server over SSH, just before the pull: each written
// under a hidden temporary name with the tool's own output option, checksummed on the server,
// renamed when complete, described by a metadata file beside it, then rotated to `keep`.
import { posix } from 'node:path';
import type { DumpConfig, SourceConfig } from '../../config/types.js';
import { isPlainDatabaseName, PLAIN_DATABASE_NAME_RULE, programOf, type DatabaseEngine, type EngineRunner } from '../../engines/engine.js';
import { getEngine } from '../../engines/registry.js';
import { sshRunner } from '../../engines/runner.js';
import { describeError, JobError, ToolError } from '../../errors.js';
import { connectSshRetrying, interruptibleSession, type SshSession } from '../../tools/ssh/client.js';
import { sshForRole } from '../../tools/ssh/options.js';
import { remoteRun, remoteSha256, remoteStat } from '../../tools/ssh/remote.js';
import type { HostContext, StepOutcome } from '../../job/context.js';
import type { DumpRecord } from '../../archive/manifest.js';
import { ageText } from './age-text.js';
import { encodeMeta } from './meta.js';
import { databaseStem, dumpFileName, duplicateStems, GLOBALS_STEM, leftoverPartials, metaName, partialName, rotationVictims } from './naming.js';

export interface DumpJob {
  /** Database name (file path for sqlite); undefined for the globals dump. */
  database?: string;
  stem: string;
  extension: string;
  format: DumpRecord['format'];
}

/** Takes the dumps configured for `source` on the main server; a failed outcome names the dump and why. */
export async function takeDumps(ctx: HostContext, source: SourceConfig): Promise<StepOutcome<DumpRecord[]>> {
  const dump = source.dump;
  if (!dump) return { status: 'ok', value: [] };
  const engine = getEngine(dump.engine);
  if (ctx.dryRun) {
    ctx.logger.info({ source: source.name, engine: engine.name, databases: dump.databases }, 'dry run: would take dumps');
    return { status: 'skipped', value: [] };
  }
  const timeoutMs = ctx.global.dumpTimeoutSeconds * 1000;
  const connected = await connectSshRetrying({ address: ctx.host.address, port: ctx.host.port, user: ctx.host.user, name: ctx.host.name }, sshForRole(ctx.global.ssh, ctx.host, 'dump'), {
    signal: ctx.signal,
    logger: ctx.logger,
  });
  // After SIGINT/SIGTERM no new command reaches the server (not the rename of a finished dump, not
  // the rotation, not the removal of a partial one: the next night's rotation removes that).
  const session = interruptibleSession(connected, ctx.signal);
  try {
    const run = sshRunner(session, { timeoutMs, signal: ctx.signal });
    await remoteRun(session, ['mkdir', '-p', '--', source.path], `cannot create the dump directory ${source.path}`, { timeoutMs: 60_000 });
    const serverVersion = engine.parseVersion(await run.run(engine.versionArgv(dump.connection), { reason: `cannot read the ${engine.name} server version` }));
    const { jobs, notPlain } = await planDumpJobs(engine, dump, run);
    const records: DumpRecord[] = [];
    for (const job of jobs) {
      if (ctx.signal?.aborted) throw new JobError('interrupted');
      records.push(await takeOne(ctx, session, run, engine, dump, source, job, serverVersion));
    }
    if (ctx.signal?.aborted) throw new JobError('interrupted');
    const bytes = records.reduce((n, r) => n + r.size, 0);
    const done = { value: records, bytes, files: records.length };
    // Taken what could be taken; a database left out is a failed source, never a silent gap.
    const gap =
      notPlain.length > 0
        ? `${notPlain.length} database(s) not dumped: ${notPlain.map((n) => JSON.stringify(n)).join(', ')}: with databases: all only plain names are dumped (${PLAIN_DATABASE_NAME_RULE}), the only ones a restricted dump key accepts; list each such database by name under databases: in ${ctx.host.file}`
        : undefined;
    // The dumps are good whatever happens here: a failed rotation is a warning, not a failed backup.
    try {
      const deleted = await rotate(session, source.path, jobs, dump.keep);
      if (deleted.length > 0) ctx.logger.info({ source: source.name, deleted }, 'rotated old dumps');
      if (gap) return { ...done, status: 'failed', error: gap, details: { dumps: records.map((r) => r.file), rotated: deleted, notDumped: notPlain } };
      return { ...done, status: 'ok', details: { dumps: records.map((r) => r.file), rotated: deleted } };
    } catch (e) {
      if (ctx.signal?.aborted) throw e;
      const rotation = `old dumps in ${source.path} were not rotated: ${describeError(e)}`;
      return { ...done, status: gap ? 'failed' : 'warning', error: gap ? `${gap}; ${rotation}` : rotation, details: { dumps: records.map((r) => r.file) } };
    }
  } finally {
    session.close();
  }
}

export interface DumpPlan {
  jobs: DumpJob[];
  /** Databases `all` listed whose names are not plain (isPlainDatabaseName): not dumped. */
  notPlain: string[];
}

/**
 * The dumps to take: one per database (every user database with a plain name for `all`, plus the
 * globals where the engine has them); throws JobError on clashing names.
 */
export async function planDumpJobs(engine: DatabaseEngine, dump: DumpConfig, run: EngineRunner): Promise<DumpPlan> {
  const listed =
    dump.databases === 'all'
      ? engine.parseDatabaseList(await run.run(engine.listDatabasesArgv(dump.connection), { reason: `cannot list the ${engine.name} databases` }))
      : dump.databases;
  // A name from the server fills the dump template's @@DB@@, which the dump key's gate accepts only
  // plain (a libpq connection string there would dump any database anywhere). A name in the host
  // file is written into the template itself, so any name can be listed there.
  const notPlain = dump.databases === 'all' ? listed.filter((n) => !isPlainDatabaseName(n)) : [];
  const names = listed.filter((n) => !notPlain.includes(n));
  const jobs: DumpJob[] = names.map((database) => ({
    database,
    stem: databaseStem(engine.name, database),
    extension: engine.dumpFormat.extension,
    format: engine.dumpFormat.format,
  }));
  if (dump.databases === 'all' && engine.globalsFormat && engine.globalsDumpArgv) {
    jobs.unshift({ stem: GLOBALS_STEM, extension: engine.globalsFormat.extension, format: engine.globalsFormat.format });
  }
  if (jobs.length === 0 && notPlain.length === 0) throw new JobError(`no databases to dump: the ${engine.name} user ${dump.connection.user} sees none`);
  const dup = duplicateStems(jobs.map((j) => j.stem));
  if (dup.length > 0) {
    const which = jobs.filter((j) => dup.includes(j.stem)).map((j) => j.database);
    throw new JobError(`databases ${which.join(', ')} would share the dump name ${dup[0]}-*; give the files different base names`);
  }
  return { jobs, notPlain };
}

async function takeOne(
  ctx: HostContext,
  session: SshSession,
  run: EngineRunner,
  engine: DatabaseEngine,
  dump: DumpConfig,
  source: SourceConfig,
  job: DumpJob,
  serverVersion: string,
): Promise<DumpRecord> {
  const started = new Date();
  const file = dumpFileName(job.stem, started, job.extension);
  const final = posix.join(source.path, file);
  const partial = posix.join(source.path, partialName(file));
  const what = job.database === undefined ? 'the globals' : job.database;
  const argv = job.database === undefined ? engine.globalsDumpArgv!(dump.connection, partial) : engine.dumpArgv(dump.connection, job.database, partial, { binlogPosition: source.pitr !== undefined });
  ctx.logger.info({ database: what, file: final }, 'taking dump');
  try {
    // Read before the dump: what a restore re-creates where the database (or file) is gone, and what its check compares.
    const properties = job.database !== undefined && engine.properties ? await engine.properties(run, dump.connection, job.database) : undefined;
    // Dumps hold data and role password hashes: the file exists 0600 before the tool writes into it
    // (tools truncate an existing file, keeping its mode), and is made 0600 again after.
    await privateRemoteFile(session, partial);
    await run.run(argv, { reason: programOf(argv) });
    await remoteRun(session, ['chmod', '600', '--', partial], `cannot make ${partial} private`, { timeoutMs: 60_000, quiet: true });
    const ended = new Date();
    // Never the live database: rows written after the dump's snapshot would be counted too. The
    // pulled dump itself is counted when it is verified (readDump); only a dump that is itself a
    // database (sqlite) is counted here, in the file.
    let rowCounts: Record<string, number> | undefined;
    if (job.database !== undefined && engine.countsFromDump) rowCounts = await engine.rowCounts(run, dump.connection, partial);
    // Size and checksum last: nothing touches the file after this.
    const st = await remoteStat(session, partial);
    if (!st || st.type !== 'file') throw new JobError(`no file was written to ${partial}`);
    const sha256 = await remoteSha256(session, partial, ctx.global.dumpTimeoutSeconds * 1000);
    const record: DumpRecord = {
      file,
      engine: engine.name,
      database: job.database ?? '(globals)',
      format: job.format,
      serverVersion,
      startedAt: started.toISOString(),
      endedAt: ended.toISOString(),
      size: st.size,
      sha256,
      ...(rowCounts ? { rowCounts } : {}),
      ...(properties ? { properties } : {}),
    };
    await remoteRun(session, ['mv', '-f', '--', partial, final], `cannot rename ${partial} to ${file}`, { timeoutMs: 60_000 });
    await writeRemoteFile(session, posix.join(source.path, metaName(file)), encodeMeta(record));
    return record;
  } catch (e) {
    await session.exec(['rm', '-f', '--', partial], { timeoutMs: 60_000, quiet: true }).catch(() => undefined);
    const limit = e instanceof ToolError && e.details.timedOut ? ` (dump_timeout is ${ageText(ctx.global.dumpTimeoutSeconds * 1000)})` : '';
    throw new JobError(`${engine.name} dump of ${what} into ${final} failed: ${describeError(e)}${limit}`);
  }
}

/** Creates `path` on the server as an empty file of mode 0600 (replacing any file there). */
async function privateRemoteFile(session: SshSession, path: string): Promise<void> {
  await remoteRun(session, ['install', '-m', '600', '/dev/null', path], `cannot create ${path}`, { timeoutMs: 60_000, quiet: true });
}

/** Writes `text` to `path` on the server through a temporary name (tee's output file, no redirect). */
async function writeRemoteFile(session: SshSession, path: string, text: string): Promise<void> {
  const tmp = posix.join(posix.dirname(path), partialName(posix.basename(path)));
  await privateRemoteFile(session, tmp);
  await remoteRun(session, ['tee', '--', tmp], `cannot write ${tmp}`, { input: text, timeoutMs: 60_000, quiet: true });
  await remoteRun(session, ['mv', '-f', '--', tmp, path], `cannot rename ${tmp} to ${path}`, { timeoutMs: 60_000, quiet: true });
}

/** Deletes all but the `keep` newest dumps of each job (and their metadata) and leftover partials; returns the deleted names. */
async function rotate(session: SshSession, dir: string, jobs: DumpJob[], keep: number): Promise<string[]> {
  const r = await remoteRun(session, ['find', dir, '-mindepth', '1', '-maxdepth', '1', '-type', 'f', '-printf', '%f\\0'], `cannot list ${dir}`, {
    timeoutMs: 60_000,
    quiet: true,
  });
  const names = (r.stdout ?? '').split('\0').filter((n) => n !== '');
  const victims = jobs.flatMap((j) => [...rotationVictims(names, j.stem, j.extension, keep), ...leftoverPartials(names, j.stem, j.extension)]);
  if (victims.length > 0) {
    await remoteRun(session, ['rm', '-f', '--', ...victims.map((v) => posix.join(dir, v))], `cannot delete old dumps in ${dir}`, { timeoutMs: 60_000 });
  }
  return victims;
}
