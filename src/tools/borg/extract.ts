// `borg extract`: an archive's files (or some of them) into a directory, or read back without
// writing anything (`--dry-run` still fetches, decrypts and verifies every chunk of every file).
import { mkdirSync } from 'node:fs';
import { archivePathArgs, LOCK_WAIT, type ArchivePaths } from './flags.js';
import { borgErrorFrom, runBorg, runBorgOrThrow, type BorgContext } from './run.js';

export interface ExtractArgOptions {
  dryRun?: boolean;
  /** `--log-json --list`: each item's path as a JSON log line before its chunks are read (readBack names a damaged file by it). */
  listJson?: boolean;
  /** Files left out (`-pf:` patterns, first so they win): damaged files already named. */
  skip?: readonly string[];
}

/** `borg extract` (ACLs and xattrs are restored by default); holes of sparse files stay holes (`--sparse`). */
export function buildExtractArgs(repo: string, archive: string, paths?: ArchivePaths, opts: ExtractArgOptions = {}): string[] {
  const p = archivePathArgs(paths);
  const args = ['extract', ...LOCK_WAIT, '--numeric-ids', '--sparse'];
  if (opts.dryRun) args.push('--dry-run');
  if (opts.listJson) args.push('--log-json', '--list');
  args.push(...(opts.skip ?? []).map((x) => `--pattern=-pf:${x}`), ...p.options, `${repo}::${archive}`, ...p.paths);
  return args;
}

/** Extracts `paths` (everything when not given) of `archive` into `dest`; throws ToolError when borg fails. */
export async function extractArchive(ctx: BorgContext, repo: string, archive: string, dest: string, paths?: ArchivePaths): Promise<void> {
  mkdirSync(dest, { recursive: true });
  await runBorgOrThrow(ctx, buildExtractArgs(repo, archive, paths), `borg extract ${archive}`, { cwd: dest });
}

export interface ReadBack {
  /** Every chunk of every selected file was read and verified. */
  ok: boolean;
  /** Files whose chunks are unreadable (a segment entry's checksum, a chunk's MAC or id hash wrong, a chunk missing). */
  damaged: string[];
  /** False when borg stopped before a file (the archive's own item metadata is unreadable), or more damaged files may follow the last one named. */
  complete: boolean;
  /** borg's first words about the damage (e.g. `Data integrity error: Segment entry checksum mismatch [segment 2, offset 2769913]`). */
  error?: string;
  durationMs: number;
}

/** How many damaged files a read back names (each one more is another pass over the selection). */
export const MAX_DAMAGED_NAMED = 5;

/** borg's error ids (and words) that mean the repository's data is damaged, not that borg could not run. */
const DAMAGE = /IntegrityError|ObjectNotFound|checksum mismatch|not found in repository|\bMAC\b|decrypt/i;

/**
 * Reads back `paths` of `archive` with `borg extract --dry-run` (every chunk fetched and verified,
 * nothing written). borg stops at the first unreadable chunk, after listing the file it belongs to:
 * that file is named, left out, and the rest read again, up to MAX_DAMAGED_NAMED files. Throws
 * ToolError when borg fails for another reason (lock, passphrase): that says nothing of the data.
 */
export async function readBack(ctx: BorgContext, repo: string, archive: string, paths?: ArchivePaths, o: { onPath?: (path: string) => void } = {}): Promise<ReadBack> {
  const started = Date.now();
  const damaged: string[] = [];
  // borg's words about the first damage met (a later pass, past the damaged files, may succeed).
  let error: string | undefined;
  for (;;) {
    let last: string | undefined;
    let inFile = false;
    let damage = false;
    const out = await runBorg(ctx, buildExtractArgs(repo, archive, paths, { dryRun: true, listJson: true, skip: damaged }), {
      mapStderrLine: (line) => {
        const m = parseLogJson(line);
        if (!m) return line;
        if (m.name === 'borg.output.list') {
          last = m.message;
          o.onPath?.(m.message);
          return undefined; // one line per file: never kept
        }
        // The traceback says where borg was: reading a file's chunks (extract_item) or the archive's item list.
        if (m.message.startsWith('Traceback')) {
          if (/extract_item/.test(m.message)) inFile = true;
          return undefined;
        }
        if (/^(ERROR|CRITICAL)$/.test(m.levelname ?? '') && DAMAGE.test(`${m.msgid ?? ''} ${m.message}`)) {
          damage = true;
          error ??= m.message.split('\n')[0];
        }
        return m.message.split('\n')[0];
      },
    });
    if (out.verdict.kind !== 'failed') return { ok: damaged.length === 0, damaged, complete: true, error, durationMs: Date.now() - started };
    if (!damage) throw borgErrorFrom(out.result, `borg extract --dry-run of ${archive}`);
    if (!inFile || last === undefined || damaged.includes(last)) return { ok: false, damaged, complete: false, error, durationMs: Date.now() - started };
    damaged.push(last);
    if (damaged.length >= MAX_DAMAGED_NAMED) return { ok: false, damaged, complete: false, error, durationMs: Date.now() - started };
  }
}

/** A `--log-json` line of borg, or undefined when the line is not one. */
function parseLogJson(line: string): { name?: string; message: string; levelname?: string; msgid?: string } | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const j = JSON.parse(line) as { type?: string; name?: string; message?: unknown; levelname?: string; msgid?: string };
    return j.type === 'log_message' && typeof j.message === 'string' ? { name: j.name, message: j.message, levelname: j.levelname, msgid: j.msgid } : undefined;
  } catch {
    return undefined;
  }
}
