// The times a main server claims for the dumps of a directory its own cron fills (a metadata file's
// end time, else the file's modification time), judged against this backup host's clock at the
// pull. The server's clock may be wrong (or a file touched): a dump that claims a time beyond
// dumps.max_clock_skew ahead is refused red, so it never looks fresh and a restore never takes it
// for the newest. A dump that first appears claiming a time before pullback's last look at the
// directory is an old dump put back (or a server clock behind): a warning, not a refusal, since the
// dump itself may be good; restores order dumps by when pullback first saw them (record.ts).
import { posix } from 'node:path';
import type { SourceConfig } from '../../config/types.js';
import { sourceMirrorDir, type HostContext, type StepOutcome } from '../../job/context.js';
import { printable } from '../../util/printable.js';
import { ageText } from './age-text.js';
import { scanDumpDir, type FoundDump } from './scan.js';

/** A dump refused for a claimed time in the future. */
export interface FutureDump {
  rel: string;
  claimed: Date;
  message: string;
}

/** How a dump's claimed time is said: the metadata's end time or the file's modification time. */
const claimWord = (f: Pick<FoundDump, 'meta'>) => (f.meta?.endedAt ? 'its metadata says it ended' : 'modified');

/** The candidates whose claimed time lies more than `skewMs` after `now`, each with the message that names it. */
export function futureDumps(candidates: readonly FoundDump[], now: Date, skewMs: number, where: (rel: string) => string): FutureDump[] {
  return candidates
    .filter((c) => c.time.getTime() > now.getTime() + skewMs)
    .map((c) => ({
      rel: c.rel,
      claimed: c.time,
      message:
        `dump ${where(c.rel)} claims a time ${ageText(c.time.getTime() - now.getTime())} in the future ` +
        `(${claimWord(c)} ${c.time.toISOString()}; this backup host's clock said ${now.toISOString()} at the pull, dumps.max_clock_skew ${ageText(skewMs)}): ` +
        "the main server's clock or the file's time is wrong. It is refused: not verified, not listed as a dump of the archive, never chosen by a restore. " +
        "Check the server's clock (timedatectl), then correct the file's time or remove the file",
    }));
}

/**
 * The dump_times step of a cron-filled dump directory: failed (naming each) when a dump claims a
 * time beyond the allowed clock skew; its value is the refused files (relative paths), which the
 * verification leaves out. OK only when every candidate's time was read and is within the allowance.
 */
export async function judgeDumpTimes(ctx: HostContext, source: SourceConfig, now = new Date()): Promise<StepOutcome<string[]>> {
  const dir = sourceMirrorDir(ctx.global, ctx.host.name, source.name);
  const skewMs = ctx.global.dumpMaxClockSkewSeconds * 1000;
  const scan = scanDumpDir(dir, source.pattern, skewMs);
  const refused = futureDumps(scan.candidates, now, skewMs, (rel) => printable(posix.join(source.path, rel)));
  const details = { checked: scan.candidates.length, at: now.toISOString(), maxClockSkewSeconds: ctx.global.dumpMaxClockSkewSeconds, refused: refused.map((r) => ({ file: r.rel, claimed: r.claimed.toISOString() })) };
  if (refused.length > 0) return { status: 'failed', error: refused.map((r) => r.message).join('; '), value: refused.map((r) => r.rel), details };
  return { status: 'ok', value: [], files: scan.candidates.length, details };
}

/**
 * The warning for a dump pullback sees for the first time although it claims a time before
 * pullback's last look at the directory (`lastLook`, the start of the last pull that recorded its
 * dumps), or undefined when its claim is plausible.
 */
export function pastClaimWarning(where: string, claimed: Date, how: 'ended' | 'modified', lastLook: Date | undefined, skewMs: number, now: Date): string | undefined {
  if (!lastLook || claimed.getTime() + skewMs >= lastLook.getTime()) return undefined;
  return (
    `dump ${where} is new to pullback but claims to be older than its last look at the directory ` +
    `(${how} ${claimed.toISOString()}; the last pull that found its dumps began ${lastLook.toISOString()}): an old dump put back, or the main server's clock is behind. ` +
    `It counts as first seen now (${now.toISOString()}), and restores take the dump first seen last as the newest: remove it if it is an old dump`
  );
}
