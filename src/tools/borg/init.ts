// `borg init`: a host's repository, created on first use.
import { localRepoExists } from './repo.js';
import { borgErrorFrom, runBorg, type BorgContext } from './run.js';

export function buildInitArgs(repo: string, encryption: string): string[] {
  return ['init', '--encryption', encryption, '--make-parent-dirs', repo];
}

/** borg's words when `init` finds a repository already there. */
export function saysAlreadyExists(line: string): boolean {
  return /already exists/i.test(line);
}

/** Initialises the repository on first use; resolves true when it was created now. Throws ToolError. */
export async function ensureRepo(ctx: BorgContext, repo: string): Promise<boolean> {
  if (localRepoExists(repo) === true) return false;
  const stderr: string[] = [];
  const out = await runBorg(ctx, buildInitArgs(repo, ctx.repository.encryption), { onStderrLine: (l) => stderr.push(l) });
  if (out.verdict.kind !== 'failed') return true;
  if (stderr.some(saysAlreadyExists)) return false;
  throw borgErrorFrom(out.result, `borg init of ${repo}`);
}
