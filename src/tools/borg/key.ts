// `borg key export`: the repository key as borg prints it (a `BORG_KEY <repo id>` line, then base64),
// to be kept in escrow with the passphrase, apart from the backup host.
import { JobError } from '../../errors.js';
import { runBorgOrThrow, type BorgContext } from './run.js';

/** `borg key export REPO` without PATH: the key goes to stdout, and pullback writes the file itself (mode 600, never over another). */
export function buildKeyExportArgs(repo: string): string[] {
  return ['key', 'export', repo];
}

/** The exported key text from borg's stdout lines; undefined when they hold no key. */
export function parseExportedKey(lines: readonly string[]): string | undefined {
  const text = `${lines.join('\n')}\n`;
  return /^BORG_KEY [0-9a-f]{64}\n[A-Za-z0-9+/=\n]+$/.test(text) ? text : undefined;
}

/** The key of `repo` as borg exports it; throws ToolError when borg fails, JobError when it printed no key. */
export async function exportRepoKey(ctx: BorgContext, repo: string): Promise<string> {
  const lines = await runBorgOrThrow(ctx, buildKeyExportArgs(repo), `borg key export of ${repo}`, { quiet: true });
  const key = parseExportedKey(lines);
  if (key === undefined) throw new JobError(`borg key export of ${repo} printed no key`);
  return key;
}
