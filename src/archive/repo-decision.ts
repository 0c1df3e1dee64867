// Whether a repository may be used, created or must be refused: decided from what is at its
// location now and what the catalog remembers of it (pure; the caller observes and records).
// A repository is created only deliberately (`pullback init`) or on the very first archive of a
// repository and host the catalog has never seen: an unmounted backup disk must never be replaced
// by a fresh empty repository on the root filesystem.

// A repository without a manifest (borg: "Repository has no manifest.") is either pullback's own
// borg init that never finished (killed, a crash: it never held an archive, so moving it aside and
// creating it again loses nothing) or a damaged repository, or one pullback never made: those are
// refused, never replaced.

/** `no-manifest`: a borg repository directory (config, maybe its id) whose manifest borg cannot find. */
export type RepoSeen = { kind: 'missing' } | { kind: 'present'; id: string } | { kind: 'no-manifest'; id?: string };

export interface RepoMemory {
  /** The borg repository id recorded for this location. */
  recordedId?: string;
  /** When it was recorded. */
  recordedAt?: string;
  /** Archives the catalog holds of this repository or of this host (pruned ones included). */
  archives: number;
  /** The newest of them by name, for the message. */
  lastArchive?: string;
  /** When pullback last started its own `borg init` there (undefined: it never did). */
  creationStartedAt?: string;
}

/** archive: a nightly archive or a pre-restore snapshot (may create on first use); read: check, prune, list, restore, drill. */
export type RepoPurpose = 'archive' | 'read';

export type RepoDecision =
  /** Use it; `record` when the catalog has no id for it yet. */
  | { action: 'use'; record: boolean }
  /** Nothing there and never was: a first archive creates it. */
  | { action: 'create' }
  /** Nothing there and never was: a read finds no archives. */
  | { action: 'absent' }
  | { action: 'refuse'; reason: string }
  /** pullback's own half-made repository (no manifest, never an archive): move it aside, create it again. */
  | { action: 'recreate'; startedAt: string };

/** The decision for repository `repo` of `host`; `purpose` says whether creating it is possible at all. */
export function decideRepo(repo: string, host: string, seen: RepoSeen, memory: RepoMemory, purpose: RepoPurpose): RepoDecision {
  if (seen.kind === 'no-manifest') {
    const sameId = memory.recordedId === undefined || seen.id === undefined || memory.recordedId === seen.id;
    const ours = memory.creationStartedAt !== undefined && memory.archives === 0 && sameId;
    if (!ours) return { action: 'refuse', reason: noManifestMessage(repo, memory) };
    // Never held an archive: a read finds none; an archive makes the repository properly.
    return purpose === 'archive' ? { action: 'recreate', startedAt: memory.creationStartedAt! } : { action: 'absent' };
  }
  if (seen.kind === 'present') {
    if (memory.recordedId === undefined) return { action: 'use', record: true };
    if (memory.recordedId === seen.id) return { action: 'use', record: false };
    return { action: 'refuse', reason: differentMessage(repo, host, seen.id, memory) };
  }
  const known = memory.recordedId !== undefined || memory.archives > 0;
  if (known) return { action: 'refuse', reason: missingMessage(repo, host, memory, purpose) };
  return purpose === 'archive' ? { action: 'create' } : { action: 'absent' };
}

const short = (id: string) => id.slice(0, 16);

function history(memory: RepoMemory): string {
  if (memory.archives > 0) return `the catalog records ${memory.archives} archive(s) there${memory.lastArchive ? ` (newest ${memory.lastArchive})` : ''}`;
  return `the catalog recorded it on ${memory.recordedAt ?? 'an earlier run'}`;
}

/** Why a repository that existed is gone, and what to do about it. */
export function missingMessage(repo: string, host: string, memory: RepoMemory, purpose: RepoPurpose): string {
  const nothing = purpose === 'archive' ? 'nothing was created or archived' : 'nothing was changed';
  return (
    `repository ${repo} missing: is the backup disk mounted? ${history(memory)}; ${nothing}. ` +
    `Mount it (or fix repository.path) and run again; \`pullback init --host ${host}\` creates a new, empty repository deliberately`
  );
}

/** Why a repository whose id changed is refused, and what to do about it. */
export function differentMessage(repo: string, host: string, id: string, memory: RepoMemory): string {
  return (
    `repository ${repo} is not the one pullback has been using: its borg id is ${short(id)}…, ` +
    `the catalog recorded ${short(memory.recordedId!)}… (${memory.recordedAt ?? 'earlier'}): is the right disk mounted? ` +
    `Nothing was written to it. \`pullback init --host ${host}\` adopts this repository deliberately`
  );
}

/** Why a repository without a manifest is refused (damaged, or not pullback's own unfinished init), and what to do. */
export function noManifestMessage(repo: string, memory: RepoMemory): string {
  const whose =
    memory.archives > 0
      ? history(memory)
      : memory.creationStartedAt === undefined
        ? 'pullback did not create it (the catalog records no borg init of it there)'
        : `its borg id is not the ${short(memory.recordedId ?? '')}… the catalog recorded`;
  return (
    `repository ${repo} has no manifest (borg: "Repository has no manifest."): the directory and its config are there, ` +
    `but not the manifest, borg's list of the archives in it, so no archive in it can be listed, checked or restored as it is: ` +
    `${whose}; nothing was created, moved or written: a damaged repository or the wrong disk is never replaced. ` +
    `Is the right disk mounted? If it is, repair it with \`borg check --repair ${repo}\` (it rebuilds the manifest from the archives it finds; ` +
    `see "A repository without a manifest" in docs/operations.md), then run again`
  );
}

/** What the night says after moving pullback's own half-made repository aside and creating it again. */
export function recreatedMessage(repo: string, aside: string, startedAt: string): string {
  return (
    `repository ${repo} was left half-made by a borg init that never finished (started ${startedAt}; killed, or the machine stopped): ` +
    `it had no manifest and never held an archive. Moved it aside to ${aside} (kept, not deleted: remove it once this night is OK) and created the repository again`
  );
}
