// Verifying the pulled dumps of a database source before they are archived: the SHA-256 of the
// pulled file against its metadata, readability with the engine's own tool (and the compressor's,
// for compressed dumps), and (for directories the server's cron fills) that the newest file
// recognised as a dump is younger than max_age. Files that are not recognised as dumps never
// count: they are a warning naming each.
import { lstatSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { sha256File } from '../../util/files.js';
import { basename, join, posix } from 'node:path';
import type { SourceConfig } from '../../config/types.js';
import type { DumpEngine } from '../../config/types.js';
import type { EngineRunner } from '../../engines/engine.js';
import { getEngine } from '../../engines/registry.js';
import { localRunner } from '../../engines/runner.js';
import { sourceMirrorDir, type HostContext, type StepOutcome } from '../../job/context.js';
import type { DumpRecord } from '../../archive/manifest.js';
import { ageText } from './age-text.js';
import { dumpSightings, recordDumps, sightingKey, type VerifiedDump } from './record.js';
import { pastClaimWarning } from './times.js';
import { scanDumpDir, sniffHead, type FoundDump } from './scan.js';
import { decompressedName, decompressToFile, readCompressed, type DecompressedRead } from '../../tools/compress/decompress.js';
import { MARIADB_TRAILER } from '../../engines/mariadb.js';
import { printable } from '../../util/printable.js';

const ENGINES = new Set<string>(['postgres', 'mariadb', 'mysql', 'sqlite']);

/**
 * Verifies the pulled dumps of `source` (those `taken` this run, else those found, less the files
 * `refused` for a time in the future); failed names each bad file and why. Each record gets the
 * time pullback first saw the dump (now, for a dump new to the catalog).
 */
export async function verifyDumps(ctx: HostContext, source: SourceConfig, taken?: DumpRecord[], refused: readonly string[] = []): Promise<StepOutcome<DumpRecord[]>> {
  const dir = sourceMirrorDir(ctx.global, ctx.host.name, source.name);
  const run = localRunner({ logger: ctx.logger, signal: ctx.signal, timeoutMs: ctx.global.dumpTimeoutSeconds * 1000 });
  // Names the server chose: shown in warnings, the report and notifications, so control characters escaped.
  const where = (rel: string) => printable(posix.join(source.path, rel));
  const problems: string[] = [];
  const results: VerifiedDump[] = [];
  /** What was verified of each good dump, in words: which format and how completely (the step's details, the log). */
  const verification: string[] = [];
  /** Dumps checked but not listed in the manifest (compressed, or of an unknown format matching `pattern`). */
  const unrecorded: string[] = [];

  let candidates: FoundDump[];
  const warnings: string[] = [];
  const reads = new Map<FoundDump, DecompressedRead>();
  // Compressed dumps are decompressed here (never into the mirror, which is archived) to be read like the others.
  const readOpts = { logger: ctx.logger, signal: ctx.signal, timeoutMs: ctx.global.dumpTimeoutSeconds * 1000, scratchDir: join(ctx.global.stateDir, 'verify') };
  if (taken) {
    candidates = taken.map((r) => ({ rel: r.file, abs: join(dir, r.file), size: r.size, time: new Date(r.endedAt ?? Date.now()), meta: r, kind: r }));
  } else {
    const scan = scanDumpDir(dir, source.pattern, ctx.global.dumpMaxClockSkewSeconds * 1000);
    // Refused by dump_times (a claimed time in the future): never counted, so never the fresh newest.
    scan.candidates = scan.candidates.filter((c) => !refused.includes(c.rel));
    for (const u of scan.unrecognised) warnings.push(`${where(u.rel)} ${u.reason}: not counted as a dump`);
    const maxAge = (source.maxAgeSeconds ?? 0) * 1000;
    const fresh = (f: FoundDump) => maxAge <= 0 || Date.now() - f.time.getTime() <= maxAge;
    // Newest first: compressed files are opened until the newest dump is known, then those within max_age.
    const dumps: FoundDump[] = [];
    for (const c of scan.candidates) {
      if (dumps.length > 0 && !fresh(c)) break;
      if (c.compression && !c.kind) {
        const read = await readCompressed(c.compression, c.abs, readOpts);
        reads.set(c, read);
        c.kind = sniffHead(read.head);
        if (!c.kind && !c.matched && !read.problem) {
          warnings.push(`${where(c.rel)} not a dump: its ${c.compression}-decompressed content is not a recognised format: not counted as a dump`);
          continue;
        }
      }
      dumps.push(c);
    }
    const newest = dumps[0];
    if (!newest) {
      const others = scan.unrecognised.length + scan.candidates.length;
      problems.push(`no dump files in ${source.path}${others > 0 ? ` (${others} other file(s), none recognised as a dump${source.pattern ? ` matching ${JSON.stringify(source.pattern)}` : ''})` : ''}`);
    } else if (!fresh(newest)) {
      problems.push(
        `dump ${where(newest.rel)} is stale: the newest dump is ${ageText(Date.now() - newest.time.getTime())} old ` +
          `(${newest.meta?.endedAt ? 'ended' : 'modified'} ${newest.time.toISOString()}), older than max_age ${ageText(maxAge)}`,
      );
    }
    // The current set: every dump written within max_age (at least the newest). Older dumps were verified on earlier nights.
    candidates = problems.length > 0 ? [] : dumps;
  }

  const at = { runId: ctx.runId, host: ctx.host.name, source: source.name };
  const seen = dumpSightings(ctx.catalog, at);
  const now = new Date();
  for (const c of candidates) {
    if (ctx.signal?.aborted) break;
    const v = await verifyOne(run, c, taken ? undefined : source.database, reads.get(c), readOpts);
    if (v.problem) problems.push(`dump ${where(c.rel)}: ${v.problem}`);
    if (v.warning) warnings.push(`dump ${where(c.rel)}: ${v.warning}`);
    if (v.record) {
      // "Newest" is when pullback first saw a dump (a taken dump: now), never the server's claim.
      const first = seen.firstSeen.get(sightingKey(v.record.file, v.record.sha256));
      v.record.firstSeenAt = first ?? now.toISOString();
      const past = first || taken ? undefined : pastClaimWarning(where(c.rel), c.time, c.meta?.endedAt ? 'ended' : 'modified', seen.lastLook, ctx.global.dumpMaxClockSkewSeconds * 1000, now);
      if (past) warnings.push(past);
    }
    if (v.record) results.push({ record: v.record, taken: Boolean(taken), problem: v.problem });
    else if (!v.problem) unrecorded.push(c.rel);
    if (v.record && !v.problem) {
      const how = `dump ${where(c.rel)}: ${verificationText(v.record)}`;
      verification.push(how);
      ctx.logger.info({ source: source.name, dump: c.rel, verified: v.record.verified }, how);
    }
  }
  recordDumps(ctx.catalog, at, results);
  const value = results.filter((r) => !r.problem).map((r) => r.record);
  const details = { dumps: results.map((r) => ({ file: r.record.file, verified: r.record.verified, problem: r.problem })), verification, unrecorded, warnings };
  if (problems.length > 0) return { status: 'failed', error: [...problems, ...warnings].join('; '), value, details };
  const counted = { value, files: value.length + unrecorded.length, bytes: value.reduce((n, r) => n + r.size, 0), details };
  if (warnings.length > 0) return { status: 'warning', error: warnings.join('; '), ...counted };
  return { status: 'ok', ...counted };
}

/** The last line of a complete SQL dump of each kind, for reading compressed dumps. */
const TRAILERS: Record<string, string> = {
  'postgres/sql': '-- PostgreSQL database dump complete',
  'postgres/globals': '-- PostgreSQL database cluster dump complete',
  'mariadb/sql': MARIADB_TRAILER,
  'mysql/sql': MARIADB_TRAILER,
};

type ReadOpts = NonNullable<Parameters<typeof readCompressed>[2]> & { scratchDir: string };

/** What the night proved of a dump, for people: its format and the checks it passed (see docs/operations.md, Database dumps). */
export function verificationText(r: DumpRecord): string {
  const packed = r.compression ? `, ${r.compression}-compressed (decompressed whole)` : '';
  const rows = r.rowCounts ? `${Object.keys(r.rowCounts).length} table(s), ${Object.values(r.rowCounts).reduce((a, b) => a + b, 0)} row(s)` : 'no row counts';
  const sha = r.verified?.includes('sha256') ? '; SHA-256 matches its metadata' : '';
  const what = (() => {
    switch (`${r.engine}/${r.format}`) {
      case 'postgres/custom':
        return `PostgreSQL custom format${packed}: fully verified: pg_restore --list and a full read of its data (${rows})`;
      case 'postgres/sql':
        return `PostgreSQL plain SQL${packed}: verified: its trailer and the row counts read from its COPY blocks (${rows}); that every statement loads is proven by a drill (psql with ON_ERROR_STOP)`;
      case 'postgres/globals':
        return `PostgreSQL globals (roles)${packed}: its trailer (drills read it, never apply it)`;
      case 'sqlite/sqlite':
        return `SQLite database${packed}: fully verified: PRAGMA integrity_check and its row counts (${rows})`;
      default:
        return `${r.engine} SQL${packed}: verified: its trailer and the rows of its INSERT statements (${rows}); that every statement loads is proven by a drill`;
    }
  })();
  return `${what}${sha}`;
}

/**
 * Checks a compressed file of no engine pullback loads (matched by `pattern`) with its compressor
 * (read whole) and, for SQL dumps, its trailer. It is not recorded in the manifest: nothing loads it.
 */
async function verifyCompressed(c: FoundDump & { compression: NonNullable<FoundDump['compression']> }, read: DecompressedRead | undefined, opts?: ReadOpts): Promise<{ problem?: string; warning?: string }> {
  const r = read ?? (await readCompressed(c.compression, c.abs, opts));
  if (r.problem) return { problem: r.problem };
  const kind = c.kind ?? sniffHead(r.head);
  if (!kind) return { warning: `${c.compression} file matching the pattern, but its content is not a recognised dump format: only its age and compression were checked` };
  const trailer = TRAILERS[`${kind.engine}/${kind.format}`];
  if (trailer && !r.tail.some((l) => l.startsWith(trailer))) {
    const last = r.tail.at(-1);
    return { problem: `${c.compression}-compressed SQL dump is incomplete: it does not end with "${trailer}"${last ? ` (last line: ${JSON.stringify(last.slice(0, 80))})` : ' (empty)'}` };
  }
  return {};
}

/** Checks one dump; returns its record (when the engine is known), the first problem found, and what went unchecked. */
async function verifyOne(run: EngineRunner, c: FoundDump, configured: string | undefined, read?: DecompressedRead, readOpts?: ReadOpts): Promise<{ record?: DumpRecord; problem?: string; warning?: string }> {
  let size: number;
  try {
    const st = lstatSync(c.abs);
    if (!st.isFile()) return { problem: 'is not a regular file in the pulled copy' };
    size = st.size;
  } catch {
    return { problem: 'is missing from the pulled copy' };
  }
  if (c.compression) {
    const compressed = { ...c, compression: c.compression };
    if (c.meta || c.metaProblem) {
      // A metadata file beside a compressed dump describes it; its hash is checked like any other.
      const sha256 = await sha256File(c.abs);
      if (c.metaProblem) return { problem: c.metaProblem };
      if (c.meta!.sha256 !== sha256) return { problem: `SHA-256 of the pulled file (${sha256}) does not match its metadata (${c.meta!.sha256}): changed or damaged after the dump was written` };
    }
    if (read?.problem) return { problem: read.problem };
    const kind = c.kind ?? (read ? sniffHead(read.head) : undefined);
    if (!kind || !ENGINES.has(kind.engine) || !readOpts) return verifyCompressed(compressed, read, readOpts);
    return verifyDecompressed(run, { ...compressed, kind }, size, configured, readOpts);
  }
  const known = c.kind && ENGINES.has(c.kind.engine) ? c.kind : undefined;
  const sha256 = await sha256File(c.abs);
  const record: DumpRecord | undefined = known
    ? {
        ...(c.meta ?? {}),
        file: c.rel,
        engine: known.engine,
        // The configured database wins over the server's own metadata, which a compromised server writes.
        database: configured ?? c.meta?.database ?? known.database ?? (await nameInside(run, known, c.abs)) ?? '',
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
  if (!known) return { warning: 'matches the pattern, but its format is not recognised: only its age and readability were checked' };
  // One read of the whole dump checks it and counts its rows: what a drill or a restore expects is
  // exactly what the dump holds (its own snapshot), never the live database counted beside it.
  const reading = await getEngine(known.engine as DumpEngine).readDump(run, c.abs, known.format);
  if (reading.problem) return { record, problem: reading.problem };
  if (record && reading.rowCounts) record.rowCounts = reading.rowCounts;
  if (record && reading.binlogPosition) record.binlogPosition = reading.binlogPosition;
  done(known.format === 'custom' ? 'pg_restore' : known.format === 'sqlite' ? 'integrity_check' : 'trailer');
  if (known.format === 'sql' && reading.rowCounts) done(known.engine === 'postgres' ? 'copy_rows' : 'insert_rows');
  return { record };
}


/**
 * A compressed dump of a known format: decompressed into a scratch file (the compressor's full read
 * is its integrity test) and checked there exactly like an uncompressed one (pg_restore, trailer and
 * row counts, integrity_check), then recorded with its compression so restores and drills load it.
 */
async function verifyDecompressed(
  run: EngineRunner,
  c: FoundDump & { compression: NonNullable<FoundDump['compression']>; kind: NonNullable<FoundDump['kind']> },
  size: number,
  configured: string | undefined,
  opts: ReadOpts,
): Promise<{ record?: DumpRecord; problem?: string; warning?: string }> {
  mkdirSync(opts.scratchDir, { recursive: true, mode: 0o700 });
  const dir = mkdtempSync(join(opts.scratchDir, 'dump-'));
  try {
    const plain = join(dir, basename(decompressedName(c.abs)));
    const problem = await decompressToFile(c.compression, c.abs, plain, opts);
    if (problem) return { problem };
    const inner = await verifyOne(run, { rel: c.rel, abs: plain, size: 0, time: c.time, kind: c.kind }, configured);
    // `gzip-compressed SQL dump is incomplete: ...`: the problem names the compressed file's layer too.
    if (inner.problem) return { ...inner, problem: `${c.compression}-compressed ${inner.problem}` };
    if (!inner.record) return inner;
    const { modifiedAt, ...content } = inner.record;
    const record: DumpRecord = {
      ...(c.meta ?? {}),
      ...content,
      ...(c.meta ? {} : { modifiedAt }),
      file: c.rel,
      size,
      sha256: await sha256File(c.abs),
      compression: c.compression,
      verified: [...(c.meta ? ['sha256'] : []), c.compression, ...(content.verified ?? [])],
    };
    return { ...inner, record };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The database name inside the dump, for formats that carry one; undefined when unreadable (the check says why). */
async function nameInside(run: EngineRunner, kind: NonNullable<FoundDump['kind']>, file: string): Promise<string | undefined> {
  if (kind.format === 'globals') return '(globals)';
  const engine = getEngine(kind.engine as DumpEngine);
  return engine.dumpedDatabase?.(run, file).catch(() => undefined);
}
