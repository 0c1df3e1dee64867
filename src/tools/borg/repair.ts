// `borg check --repair`: borg deletes the chunks it cannot read and replaces the parts of files that
// used them with zeros (an archive stays listable and restorable; those files are damaged in it).
// borg asks on its terminal first; the caller answers through BORG_CHECK_I_KNOW_WHAT_I_AM_DOING only
// after the operator confirmed to pullback.
import { classifyBorgCheckExit, type BorgVerdict } from './exit-codes.js';
import { LOCK_WAIT } from './flags.js';
import { runBorg, type BorgContext } from './run.js';

/** `--info`: borg says at info level when a later repair healed a file an earlier one zero-filled. */
export function buildRepairArgs(repo: string, verifyData: boolean): string[] {
  return ['check', ...LOCK_WAIT, '--repair', '--info', ...(verifyData ? ['--verify-data'] : []), repo];
}

/** borg's answer to its own "Are you sure" prompt; given only after pullback's confirmation. */
export const REPAIR_CONFIRMED_ENV = { BORG_CHECK_I_KNOW_WHAT_I_AM_DOING: 'YES' } as const;

/** borg 1.2's line per file part it replaced: "<archive>: <path>: New missing file chunk detected (Byte a-b, Chunk id). Replacing with all-zero chunk." */
const ZEROED = /^(.+?): (.+): New missing file chunk detected \(Byte \d+-\d+, Chunk [0-9a-f]+\)/;
/** borg 1.2's line when every chunk of a file zero-filled by an earlier repair came back: "<archive>: <path>: Completely healed previously damaged file!". */
const HEALED = /^(.+?): (.+): Completely healed previously damaged file!$/;
/** borg's info line per chunk an earlier repair already zero-filled (one per chunk: not kept). */
const STILL_MISSING = /: Previously missing file chunk is still missing \(/;

export interface RepairOutcome {
  verdict: BorgVerdict;
  /** Files borg gave all-zero replacement chunks, per archive. */
  zeroed: Array<{ archive: string; path: string }>;
  /** Files an earlier repair zero-filled that borg healed (their original chunks are back), per archive. */
  healed: Array<{ archive: string; path: string }>;
  /** borg's other lines (what it found and did), bounded. */
  said: string[];
}

/** The zeroed files in borg's repair output, each once. Pure. */
export function parseRepairLines(lines: readonly string[]): Array<{ archive: string; path: string }> {
  return matching(lines, ZEROED);
}

/** The files borg healed completely in its repair output, each once. Pure. */
export function parseHealedLines(lines: readonly string[]): Array<{ archive: string; path: string }> {
  return matching(lines, HEALED);
}

function matching(lines: readonly string[], re: RegExp): Array<{ archive: string; path: string }> {
  const out: Array<{ archive: string; path: string }> = [];
  for (const l of lines) {
    const m = re.exec(l.trim());
    if (m && !out.some((o) => o.archive === m[1] && o.path === m[2])) out.push({ archive: m[1]!, path: m[2]! });
  }
  return out;
}

/** Runs `borg check --repair` with borg's confirmation answered; never throws for borg's exit code. */
export async function repairRepo(ctx: BorgContext, repo: string, verifyData: boolean): Promise<RepairOutcome> {
  // Every line naming a file is kept (each one is a file damaged or healed for good); borg's other words, bounded.
  const named: string[] = [];
  const said: string[] = [];
  const onStderrLine = (l: string) => {
    const t = l.trim();
    if (t === '') return;
    if (ZEROED.test(t) || HEALED.test(t)) named.push(t);
    else if (said.length < 50 && !STILL_MISSING.test(t)) said.push(l);
  };
  const out = await runBorg(ctx, buildRepairArgs(repo, verifyData), { extraEnv: { ...REPAIR_CONFIRMED_ENV }, onStderrLine });
  const zeroed = parseRepairLines(named);
  const healed = parseHealedLines(named);
  // exit 1 after a repair means borg found (and repaired) damage; the check after it is the proof.
  const verdict = out.verdict.kind === 'failed' && out.verdict.cause ? out.verdict : classifyBorgCheckExit(out.result.exitCode, out.result.timedOut, out.result.signal);
  return { verdict, zeroed, healed, said };
}
