// Verifying the pulled dumps of a database source before they are archived: the SHA-256 of the
// pulled file against its metadata, readability with the engine's own tool, and (for directories
// the server's cron fills) that the newest dump is younger than max_age.
import { lstatSync } from 'node:fs';
import { sha256File } from '../../util/files.js';
import { join, posix } from 'node:path';
import type { SourceConfig } from '../../config/types.js';
import type { DumpEngine } from '../../config/types.js';
import type { EngineRunner } from '../../engines/engine.js';
import { getEngine } from '../../engines/registry.js';
import { localRunner } from '../../engines/runner.js';
import { sourceMirrorDir, type HostContext, type StepOutcome } from '../context.js';
import type { DumpRecord } from '../database.js';
import { ageText } from './age-text.js';
import { recordDumps, type VerifiedDump } from './catalog.js';
import { scanDumpDir, type FoundDump } from './scan.js';

const ENGINES = new Set<string>(['postgres', 'mariadb', 'mysql', 'sqlite']);

/** Verifies the pulled dumps of `source` (those `taken` this run, else those found); failed names each bad file and why. */
export async function verifyDumps(ctx: HostContext, source: SourceConfig, taken?: DumpRecord[]): Promise<StepOutcome<DumpRecord[]>> {
  const dir = sourceMirrorDir(ctx.global, ctx.host.name, source.name);
  const run = localRunner({ logger: ctx.logger, signal: ctx.signal, timeoutMs: ctx.global.dumpTimeoutSeconds * 1000 });
  const where = (rel: string) => posix.join(source.path, rel);
  const problems: string[] = [];
  const results: VerifiedDump[] = [];

  let candidates: FoundDump[];
  if (taken) {
    candidates = taken.map((r) => ({ rel: r.file, abs: join(dir, r.file), size: r.size, time: new Date(r.endedAt ?? Date.now()), meta: r, kind: r }));
  } else {
    const found = scanDumpDir(dir);
    const maxAge = (source.maxAgeSeconds ?? 0) * 1000;
    const newest = found[0];
    if (!newest) {
      problems.push(`no dump files in ${source.path}`);
    } else if (maxAge > 0 && Date.now() - newest.time.getTime() > maxAge) {
      problems.push(
        `dump ${where(newest.rel)} is stale: the newest dump is ${ageText(Date.now() - newest.time.getTime())} old ` +
          `(${newest.meta?.endedAt ? 'ended' : 'modified'} ${newest.time.toISOString()}), older than max_age ${ageText(maxAge)}`,
      );
    }
    // The current set: everything written within max_age (at least the newest). Older dumps were verified on earlier nights.
    candidates = problems.length > 0 ? [] : found.filter((f, i) => i === 0 || maxAge <= 0 || Date.now() - f.time.getTime() <= maxAge);
  }

  for (const c of candidates) {
    if (ctx.signal?.aborted) break;
    const v = await verifyOne(run, c, taken ? undefined : source.database);
    if (v.problem) problems.push(`dump ${where(c.rel)}: ${v.problem}`);
    if (v.record) results.push({ record: v.record, taken: Boolean(taken), problem: v.problem });
  }
  recordDumps(ctx.catalog, { runId: ctx.runId, host: ctx.host.name, source: source.name }, results);
  const value = results.filter((r) => !r.problem).map((r) => r.record);
  const details = { dumps: results.map((r) => ({ file: r.record.file, verified: r.record.verified, problem: r.problem })) };
  if (problems.length > 0) return { status: 'failed', error: problems.join('; '), value, details };
  return { status: 'ok', value, files: value.length, bytes: value.reduce((n, r) => n + r.size, 0), details };
}

/** Checks one dump; returns its record (when the engine is known) and the first problem found. */
async function verifyOne(run: EngineRunner, c: FoundDump, configured: string | undefined): Promise<{ record?: DumpRecord; problem?: string }> {
  let size: number;
  try {
    const st = lstatSync(c.abs);
    if (!st.isFile()) return { problem: 'is not a regular file in the pulled copy' };
    size = st.size;
  } catch {
    return { problem: 'is missing from the pulled copy' };
  }
  const known = c.kind && ENGINES.has(c.kind.engine) ? c.kind : undefined;
  const sha256 = await sha256File(c.abs);
  const record: DumpRecord | undefined = known
    ? {
        ...(c.meta ?? {}),
        file: c.rel,
        engine: known.engine,
        database: c.meta?.database ?? configured ?? known.database ?? (await nameInside(run, known, c.abs)) ?? '',
        format: known.format,
        // Without metadata, the time of a dump is its mtime as pulled (rsync keeps it), never its name.
        ...(c.meta ? {} : { modifiedAt: c.time.toISOString() }),
        size,
        sha256,
        verified: [],
      }
    : undefined;
  const done = (check: string) => record?.verified?.push(check);

  if (c.metaProblem) return { record, problem: c.metaProblem };
  if (c.meta) {
    if (c.meta.sha256 !== sha256) {
      return { record, problem: `SHA-256 of the pulled file (${sha256}) does not match its metadata (${c.meta.sha256}): changed or damaged after the dump was written` };
    }
    if (c.meta.size !== size) return { record, problem: `size of the pulled file (${size}) does not match its metadata (${c.meta.size})` };
    done('sha256');
  }
  if (!known) return {};
  const problem = await getEngine(known.engine as DumpEngine).checkDump(run, c.abs, known.format);
  if (problem) return { record, problem };
  done(known.format === 'custom' ? 'pg_restore' : known.format === 'sqlite' ? 'integrity_check' : 'trailer');
  return { record };
}


/** The database name inside the dump, for formats that carry one; undefined when unreadable (the check says why). */
async function nameInside(run: EngineRunner, kind: NonNullable<FoundDump['kind']>, file: string): Promise<string | undefined> {
  if (kind.format === 'globals') return '(globals)';
  const engine = getEngine(kind.engine as DumpEngine);
  return engine.dumpedDatabase?.(run, file).catch(() => undefined);
}
