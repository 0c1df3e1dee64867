// `borg check` of a repository and/or its archives: the verdict (exit 1 is damage found, not a
// warning) and borg's complaints.
import { classifyBorgCheckExit, type BorgVerdict } from './exit-codes.js';
import { LOCK_WAIT } from './flags.js';
import { runBorg, type BorgContext } from './run.js';

export interface CheckOptions {
  repo: string;
  repository: boolean;
  archives: boolean;
  verifyData: boolean;
  /** Limit archive checks to these archives (glob). */
  glob?: string;
  /** Check only this archive. */
  archive?: string;
  /** A partial repository check of at most this long, resuming where the last one stopped (repository only; borg says how far it got at --info). */
  maxDurationSeconds?: number;
}

export function buildCheckArgs(o: CheckOptions): string[] {
  const args = ['check', ...LOCK_WAIT];
  const archives = o.archives || o.verifyData;
  if (o.repository && !archives) args.push('--repository-only');
  if (o.repository && !archives && o.maxDurationSeconds) args.push('--info', '--max-duration', String(o.maxDurationSeconds));
  if (!o.repository && archives) args.push('--archives-only');
  if (o.verifyData) args.push('--verify-data');
  if (archives && o.glob && !o.archive) args.push('--glob-archives', o.glob);
  args.push(o.archive ? `${o.repo}::${o.archive}` : o.repo);
  return args;
}

export interface CheckOutcome {
  verdict: BorgVerdict;
  /** borg's complaints (damaged segments, missing chunks), for people and the catalog. */
  problems: string[];
}

/** How many of borg's complaint lines a check keeps. */
const MAX_PROBLEMS = 200;

/** `borg check`; never throws on a failed check (exit 1 included): the caller records and reports it. */
export async function checkRepo(ctx: BorgContext, o: CheckOptions): Promise<CheckOutcome> {
  const problems: string[] = [];
  const out = await runBorg(ctx, buildCheckArgs(o), {
    onStderrLine: (l) => {
      if (problems.length < MAX_PROBLEMS && l.trim() !== '') problems.push(l);
    },
  });
  // A wrong passphrase checked nothing: it is not damage borg found.
  if (out.verdict.kind === 'failed' && out.verdict.cause) return { verdict: out.verdict, problems };
  return { verdict: classifyBorgCheckExit(out.result.exitCode, out.result.timedOut, out.result.signal), problems };
}
