// `borg check --repair`: borg deletes the chunks it cannot read and replaces the parts of files that
// used them with zeros (an archive stays listable and restorable; those files are damaged in it).
// borg asks on its terminal first; the caller answers through BORG_CHECK_I_KNOW_WHAT_I_AM_DOING only
// after the operator confirmed to pullback.
import { classifyBorgCheckExit, type BorgVerdict } from './exit-codes.js';
import { LOCK_WAIT } from './flags.js';
import { runBorg, type BorgContext } from './run.js';

export function buildRepairArgs(repo: string, verifyData: boolean): string[] {
  return ['check', ...LOCK_WAIT, '--repair', ...(verifyData ? ['--verify-data'] : []), repo];
}

/** borg's answer to its own "Are you sure" prompt; given only after pullback's confirmation. */
export const REPAIR_CONFIRMED_ENV = { BORG_CHECK_I_KNOW_WHAT_I_AM_DOING: 'YES' } as const;

/** borg 1.2's line per file part it replaced: "<archive>: <path>: New missing file chunk detected (Byte a-b, Chunk id). Replacing with all-zero chunk." */
const ZEROED = /^(.+?): (.+): New missing file chunk detected \(Byte \d+-\d+, Chunk [0-9a-f]+\)/;

export interface RepairOutcome {
  verdict: BorgVerdict;
  /** Files borg gave all-zero replacement chunks, per archive. */
  zeroed: Array<{ archive: string; path: string }>;
  /** borg's other lines (what it found and did), bounded. */
  said: string[];
}

/** The zeroed files in borg's repair output, each once. Pure. */
export function parseRepairLines(lines: readonly string[]): Array<{ archive: string; path: string }> {
  const out: Array<{ archive: string; path: string }> = [];
  for (const l of lines) {
    const m = ZEROED.exec(l.trim());
    if (m && !out.some((o) => o.archive === m[1] && o.path === m[2])) out.push({ archive: m[1]!, path: m[2]! });
  }
  return out;
}

/** Runs `borg check --repair` with borg's confirmation answered; never throws for borg's exit code. */
export async function repairRepo(ctx: BorgContext, repo: string, verifyData: boolean): Promise<RepairOutcome> {
  const lines: string[] = [];
  const out = await runBorg(ctx, buildRepairArgs(repo, verifyData), { extraEnv: { ...REPAIR_CONFIRMED_ENV }, onStderrLine: (l) => lines.length < 10_000 && l.trim() !== '' && lines.push(l) });
  const zeroed = parseRepairLines(lines);
  const said = lines.filter((l) => !ZEROED.test(l.trim())).slice(0, 50);
  // exit 1 after a repair means borg found (and repaired) damage; the check after it is the proof.
  const verdict = out.verdict.kind === 'failed' && out.verdict.cause ? out.verdict : classifyBorgCheckExit(out.result.exitCode, out.result.timedOut, out.result.signal);
  return { verdict, zeroed, said };
}
