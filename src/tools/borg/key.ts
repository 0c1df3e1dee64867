// `borg key export`: the repository key as borg prints it (a `BORG_KEY <repo id>` line, then base64),
// to be kept in escrow with the passphrase, apart from the backup host.
import { JobError } from '../../errors.js';
import { buildKeyExportArgs } from './args.js';
import { runBorgOrThrow, type BorgContext } from './run.js';

/** The key of `repo` as borg exports it; throws ToolError when borg fails, JobError when it printed no key. */
export async function exportRepoKey(ctx: BorgContext, repo: string): Promise<string> {
  const lines = await runBorgOrThrow(ctx, buildKeyExportArgs(repo), `borg key export of ${repo}`, { quiet: true });
  const text = `${lines.join('\n')}\n`;
  if (!/^BORG_KEY [0-9a-f]{64}\n[A-Za-z0-9+/=\n]+$/.test(text)) throw new JobError(`borg key export of ${repo} printed no key`);
  return text;
}
