// A repository's identity: borg's repository id, read from `<repo>/config` for a local repository
// (no process, no passphrase) and from `borg list --json` for a remote one.
//
// "No manifest" (a `borg init` killed before its first commit, or a damaged repository) is borg's
// own verdict, read from its words "Repository has no manifest." and never guessed from the files:
// a repository whose index was deleted is healthy (borg rebuilds the index from the segments). For a
// local repository borg is asked only when there is no `index.<n>` file (every committed
// repository has one), so a healthy repository is still opened without a process.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JobError } from '../../errors.js';
import { LOCK_WAIT } from './flags.js';
import { isLocalRepo } from './repo.js';
import { runBorg, runBorgOrThrow, type BorgContext, borgFailure } from './run.js';

/** `borg list --json --last 1 REPO`: the cheapest call that prints the repository's id (reads the manifest only). */
export function buildRepoIdArgs(repo: string): string[] {
  return ['list', ...LOCK_WAIT, '--json', '--last', '1', repo];
}

/** What is at a repository's location: no repository, one with this id, or one whose manifest borg cannot find. */
export type RepoObservation = { kind: 'missing' } | { kind: 'present'; id: string } | { kind: 'no-manifest'; id?: string };

/** borg's words for a repository without a manifest (exit 2 of list, create, check, ...). */
export function isNoManifestLine(line: string): boolean {
  return /^Repository has no manifest\.$/.test(line.trim());
}

/** True when the local repository directory holds an `index.<n>` file (written by every commit). */
export function hasCommittedIndex(repo: string): boolean {
  return readdirSync(repo).some((f) => /^index\.\d+$/.test(f));
}

/** The `id = <hex>` of the [repository] section of a borg repository config file; undefined when absent. */
export function parseRepoConfigId(text: string): string | undefined {
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const s = /^\[(.+)\]$/.exec(line);
    if (s) section = s[1]!.trim();
    else if (section === 'repository') {
      const m = /^id\s*=\s*([0-9a-f]{64})$/i.exec(line);
      if (m) return m[1]!.toLowerCase();
    }
  }
  return undefined;
}

/** borg's words for "there is no repository here" (a missing directory, or one without a config). */
export function isMissingRepoLine(line: string): boolean {
  return /^Repository .* does not exist\.$/.test(line) || / is not a valid repository\. Check repo config\.$/.test(line);
}

/** What is at `repo` now; never creates anything. Throws JobError/ToolError when it cannot tell. */
export async function observeRepo(ctx: BorgContext, repo: string): Promise<RepoObservation> {
  if (isLocalRepo(repo)) {
    const config = join(repo, 'config');
    if (!existsSync(config)) return { kind: 'missing' };
    const id = parseRepoConfigId(readFileSync(config, 'utf8'));
    if (!id) throw new JobError(`${config} names no repository id: is ${repo} a borg repository?`);
    if (hasCommittedIndex(repo)) return { kind: 'present', id };
    // No commit's index: a half-made init, or an index deleted (borg rebuilds it). borg says which.
    const said: string[] = [];
    const out = await runBorg(ctx, buildRepoIdArgs(repo), { quiet: true, onStderrLine: (l) => said.push(l) });
    if (out.verdict.kind === 'failed' && said.some(isNoManifestLine)) return { kind: 'no-manifest', id };
    return { kind: 'present', id };
  }
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out = await runBorg(ctx, buildRepoIdArgs(repo), { quiet: true, onStdoutLine: (l) => stdout.push(l), onStderrLine: (l) => stderr.push(l) });
  if (out.verdict.kind === 'failed') {
    if (stderr.some(isMissingRepoLine)) return { kind: 'missing' };
    if (stderr.some(isNoManifestLine)) return { kind: 'no-manifest', id: await configRepoId(ctx, repo).catch(() => undefined) };
    // A repository borg refuses as rolled back still says its id to `borg config` (which reads no manifest).
    if (out.verdict.cause === 'rolled-back') return { kind: 'present', id: await configRepoId(ctx, repo) };
    throw borgFailure(out, `borg list of ${repo}`);
  }
  let id: unknown;
  try {
    id = (JSON.parse(stdout.join('\n')) as { repository?: { id?: unknown } }).repository?.id;
  } catch {
    id = undefined;
  }
  if (typeof id !== 'string' || id === '') throw new JobError(`borg list of ${repo} printed no repository id`);
  return { kind: 'present', id: id.toLowerCase() };
}

/** `borg config REPO id`: the repository id from its config, without reading the manifest (borg's FAQ way to find it). */
export function buildConfigIdArgs(repo: string): string[] {
  return ['config', ...LOCK_WAIT, repo, 'id'];
}

/** The repository's id by `borg config`; throws ToolError/JobError when it cannot be read. */
export async function configRepoId(ctx: BorgContext, repo: string): Promise<string> {
  const lines = await runBorgOrThrow(ctx, buildConfigIdArgs(repo), `borg config of ${repo}`, { quiet: true });
  const id = lines.map((l) => l.trim()).find((l) => /^[0-9a-f]{64}$/i.test(l));
  if (!id) throw new JobError(`borg config of ${repo} printed no repository id`);
  return id.toLowerCase();
}
