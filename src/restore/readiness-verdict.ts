// The readiness checklist of a restore: a pure verdict over facts gathered beforehand (catalog,
// borg check, every chunk of what is restored read back, df/test over SSH, database versions).
// Each item passes or fails with the figure behind it; any failure stops the restore before
// anything changes. Only the age of the archive and a recorded failed check of the repository may
// be overridden (--force): an old backup, or one in a damaged repository whose chunks all read
// back, is still the best one there is; an unreadable chunk never is. A warning (the host's nightly
// job is behind, another job holds the host) informs without stopping.
import { humanBytes, humanDuration } from '../util/table.js';
import { rootRefusal, type TargetRootLook } from './target-root.js';

/** The target folder of a files step, looked at without following symlinks (restore/target-root.ts). */
export interface RootFact {
  source: string;
  path: string;
  /** `target:path`, for people. */
  where: string;
  look?: TargetRootLook;
  /** Why it could not be looked at. */
  error?: string;
}

export interface SpaceFact {
  /** What is measured, e.g. `main:/srv (filesystem of /srv/blobs, /srv/data)`. */
  where: string;
  freeBytes?: number;
  neededBytes: number;
  error?: string;
}

export interface WritableFact {
  path: string;
  /** The path tested: the target path itself or its nearest existing parent. */
  checked: string;
  writable?: boolean;
  error?: string;
}

export interface DatabaseFact {
  /** e.g. `postgres appdb on 127.0.0.1:5432`. */
  label: string;
  reachable: boolean;
  version?: string;
  /** The server version recorded with the dump. */
  dumpVersion?: string;
  error?: string;
  /** The dump's format as the restore loads it (e.g. `plain SQL, gzip-compressed, through psql`), and why it cannot, if it cannot. */
  load?: { format: string; problem?: string };
}

export interface BackupAgeFact {
  host: string;
  maxAgeSeconds: number;
  force: boolean;
  /** The archive the plan restores, and when it was made (its manifest's createdAt, else borg's start time). */
  archive: { name: string; createdAt?: string };
  /** The host's latest successful nightly run; drills and restores never count. */
  lastNightly?: { endedAt: string; archive: string };
  /** A version the operator chose on purpose (a granular restore): its age is said, never limited. */
  chosen?: boolean;
}

/** Who holds the per-host job lock (a nightly run, another restore), seen by a dry run that takes no lock. */
export interface HostLockFact {
  host: string;
  holder?: string;
}

export interface ReadinessFacts {
  now: Date;
  /** The age of the archive restored and of the host's last nightly run (absent for rollbacks: the snapshot is what counts). */
  backup?: BackupAgeFact;
  /** Set by dry runs, which take no lock but say when a job holds the host. */
  hostLock?: HostLockFact;
  /** Each folder's target path, not followed (absent: none looked at, e.g. --into). */
  roots?: RootFact[];
  /** The SSH login to the target; when it fails the remote facts are empty. Absent for local (--into) restores. */
  login?: { target: string; ok: boolean; detail?: string };
  /** borg check of the archive, or (`by: 'extraction'`) the extraction ahead that read every item of it and every chunk restored, standing for it. */
  archiveCheck: { archive: string; ok: boolean; detail?: string; by?: 'extraction' };
  /** The repository's recorded checks (absent: not consulted). */
  checkHistory?: CheckHistoryFact;
  /** Every chunk of what is restored, read back (absent: not read, e.g. the login failed first). */
  chunks?: ChunkFact;
  /** Files restored that a repair zero-filled in the archive (absent: not consulted). */
  zeroed?: ZeroedFact;
  space: SpaceFact[];
  writable: WritableFact[];
  databases: DatabaseFact[];
}

/** The checks of the repository whose latest outcome is a failure (a failed check not followed by a passing one of its kind). */
export interface CheckHistoryFact {
  repository: string;
  failed: Array<{ kind: string; at: string }>;
  /** `force`: the operator restores anyway (--force); `rollback`: a rollback's own read back is what counts. */
  override?: 'force' | 'rollback';
}

/** The read back of what is restored: `borg extract --dry-run` of exactly its paths, or its extraction ahead. */
export interface ChunkFact {
  archive: string;
  /** How it was read, e.g. `extracted ahead for the push` or `borg extract --dry-run`. */
  how: string;
  ok: boolean;
  /** Files whose chunks could not be read. */
  damaged: string[];
  /** False when more damage may lie beyond what is named. */
  complete: boolean;
  /** borg's words about the damage, or why the read back could not run. */
  error?: string;
  /** Dumps whose extracted copy differs from the SHA-256 recorded at night (restore/dump-digests.ts), in words. */
  mismatched?: string;
  durationMs: number;
}

/**
 * The files restored that `borg check --repair` zero-filled in the archive: recorded in the catalog
 * by the repair, or marked broken by borg in the archive's listing (read for the plan), each with
 * the newest other archive that holds it whole, when one was found.
 */
export interface ZeroedFact {
  archive: string;
  /** The host whose archives were searched (for the suggested command). */
  host: string;
  /** How many of the archive's items borg marks broken, restored or not (the measured side). */
  brokenInArchive: number;
  files: Array<{ path: string; repairedAt?: string; broken: boolean; wholeIn?: string }>;
  /** Why looking for a whole copy failed, if it did. */
  searchError?: string;
}

export type ItemStatus = 'pass' | 'fail' | 'overridden' | 'warn';

export interface ChecklistItem {
  name: string;
  status: ItemStatus;
  figure: string;
}

export interface ReadinessVerdict {
  items: ChecklistItem[];
  /** True when no item failed (overridden and warning items do not count as failures). */
  ok: boolean;
}

/** The checklist and whether the restore may go ahead. */
export function readinessVerdict(f: ReadinessFacts): ReadinessVerdict {
  const items: ChecklistItem[] = [];
  if (f.backup) items.push(archiveAgeItem(f.backup, f.now), nightlyItem(f.backup, f.now));
  if (f.hostLock) items.push(hostLockItem(f.hostLock));
  items.push(checkItem(f));
  if (f.checkHistory) items.push(checkHistoryItem(f.checkHistory));
  if (f.chunks) items.push(chunksItem(f.chunks));
  if (f.zeroed) items.push(zeroedItem(f.zeroed));
  if (f.login) items.push({ name: `SSH login to ${f.login.target}`, status: f.login.ok ? 'pass' : 'fail', figure: f.login.detail ?? (f.login.ok ? 'ok' : 'failed') });
  for (const r of f.roots ?? []) items.push(rootItem(r));
  for (const s of f.space) items.push(spaceItem(s));
  for (const w of f.writable) items.push(writableItem(w));
  for (const d of f.databases) items.push(databaseItem(d), ...(d.load ? [loadItem(d.label, d.load)] : []));
  return { items, ok: items.every((i) => i.status !== 'fail') };
}

function archiveAgeItem(f: BackupAgeFact, now: Date): ChecklistItem {
  const name = `age of ${f.archive.name} (the archive restored)`;
  const limit = humanDuration(f.maxAgeSeconds * 1000);
  const forced = f.force ? ', overridden by --force' : '';
  const made = f.archive.createdAt ? new Date(f.archive.createdAt).getTime() : NaN;
  if (Number.isNaN(made)) return { name, status: f.force ? 'overridden' : 'fail', figure: `its creation time cannot be read (limit ${limit})${forced}` };
  const ageMs = now.getTime() - made;
  if (f.chosen) return { name, status: 'pass', figure: `made ${humanDuration(Math.max(0, ageMs))} ago (the version chosen for the paths: no age limit)` };
  const figure = `made ${humanDuration(Math.max(0, ageMs))} ago (limit ${limit})`;
  if (ageMs <= f.maxAgeSeconds * 1000) return { name, status: 'pass', figure };
  return { name, status: f.force ? 'overridden' : 'fail', figure: `${figure}${forced}` };
}

// Not a refusal: the archive's own age decides. A nightly job that stopped succeeding is worth
// saying, though, because the archive restored may then be older than the operator believes.
function nightlyItem(f: BackupAgeFact, now: Date): ChecklistItem {
  const name = `latest successful nightly run of ${f.host}`;
  const limit = humanDuration(f.maxAgeSeconds * 1000);
  if (!f.lastNightly) return { name, status: 'warn', figure: `none recorded in the catalog (limit ${limit})` };
  const ageMs = now.getTime() - new Date(f.lastNightly.endedAt).getTime();
  const figure = `${f.lastNightly.archive}, ${humanDuration(Math.max(0, ageMs))} ago (limit ${limit})`;
  return ageMs <= f.maxAgeSeconds * 1000 ? { name, status: 'pass', figure } : { name, status: 'warn', figure: `${figure}: the nightly job is behind` };
}

function hostLockItem(l: HostLockFact): ChecklistItem {
  const name = `no other job on ${l.host}`;
  if (!l.holder) return { name, status: 'pass', figure: 'no run or restore holds the host' };
  return { name, status: 'warn', figure: `${l.holder} holds the host: a restore now would be refused` };
}

function checkItem(f: ReadinessFacts): ChecklistItem {
  const c = f.archiveCheck;
  return { name: c.by === 'extraction' ? `archive ${c.archive}` : `borg check of ${c.archive}`, status: c.ok ? 'pass' : 'fail', figure: c.detail ?? (c.ok ? 'no problems' : 'failed') };
}

function checkHistoryItem(h: CheckHistoryFact): ChecklistItem {
  const name = `recorded checks of ${h.repository}`;
  if (h.failed.length === 0) return { name, status: 'pass', figure: 'no failed check without a passing one after it' };
  const which = h.failed.map((c) => `${c.kind} check failed at ${c.at}`).join(', ');
  const figure = `${which}, and none of its kind has passed since: the repository is damaged (repair it with pullback check --repair, see docs/operations.md)`;
  if (h.override === 'force') return { name, status: 'overridden', figure: `${figure}; overridden by --force, the safety snapshot goes to a separate repository` };
  if (h.override === 'rollback') return { name, status: 'warn', figure: `${figure}; the rollback relies on its snapshot's chunks read back (below)` };
  return { name, status: 'fail', figure: `${figure}; to restore anyway from an archive whose chunks all read back: --force` };
}

function chunksItem(c: ChunkFact): ChecklistItem {
  const name = `every chunk of what is restored from ${c.archive}`;
  const took = `${(c.durationMs / 1000).toFixed(1)} s`;
  if (c.mismatched) return { name, status: 'fail', figure: `read, but NOT the dump recorded at night (${c.how}): ${c.mismatched}; nothing is loaded from it` };
  if (c.ok) return { name, status: 'pass', figure: `read and verified (${c.how}, ${took})` };
  if (c.damaged.length === 0) return { name, status: 'fail', figure: `cannot be read (${c.how}): ${c.error ?? 'unknown error'}` };
  const more = c.complete ? '' : ' (and possibly more: borg stops at the first unreadable chunk)';
  return { name, status: 'fail', figure: `UNREADABLE in the repository: ${c.damaged.join(', ')}${more}; borg: ${c.error ?? 'damaged'}` };
}

function rootItem(r: RootFact): ChecklistItem {
  const name = `${r.where} a real directory, no symlink on its way (${r.source})`;
  if (!r.look) return { name, status: 'fail', figure: `cannot look: ${r.error ?? 'unknown error'}` };
  const refused = rootRefusal(r.path, r.look);
  if (refused) return { name, status: 'fail', figure: refused };
  return { name, status: 'pass', figure: r.look.kind === 'missing' ? 'does not exist yet (created as a directory)' : 'a directory' };
}

// Never overridden: pushing a zero-filled file replaces the target's copy with zeros. --only leaves
// the source out, --archive takes one that holds the files whole.
function zeroedItem(z: ZeroedFact): ChecklistItem {
  const name = `no file zero-filled by a repair in ${z.archive}`;
  if (z.files.length === 0) {
    const figure = z.brokenInArchive > 0 ? `none of the files restored (borg marks ${z.brokenInArchive} other item(s) of the archive broken)` : 'none recorded by a repair, none marked broken by borg';
    return { name, status: 'pass', figure };
  }
  const entry = (f: ZeroedFact['files'][number]) => `${f.path} (${f.wholeIn ? `whole in ${f.wholeIn}: pullback restore --host ${z.host} --archive ${f.wholeIn}` : 'no archive holds it whole'})`;
  const parts: string[] = [];
  const byRepair = new Map<string, string[]>();
  for (const f of z.files.filter((x) => x.repairedAt)) byRepair.set(f.repairedAt!, [...(byRepair.get(f.repairedAt!) ?? []), entry(f)]);
  for (const [at, files] of byRepair) parts.push(`ZERO-FILLED by pullback check --repair at ${at}: ${files.join(', ')}`);
  const measured = z.files.filter((x) => !x.repairedAt);
  if (measured.length > 0) parts.push(`borg marks broken (all-zero replacement chunks): ${measured.map(entry).join(', ')}`);
  const search = z.searchError ? `; looking for a whole copy failed: ${z.searchError}` : '';
  return { name, status: 'fail', figure: `${parts.join('; ')}${search}; the restore would push zeros over these files: restore them from another archive (--archive), or leave their source out (--only)` };
}

function spaceItem(s: SpaceFact): ChecklistItem {
  const name = `free space on ${s.where}`;
  if (s.freeBytes === undefined) return { name, status: 'fail', figure: `cannot read: ${s.error ?? 'unknown error'}` };
  const figure = `${humanBytes(s.freeBytes)} free, ${humanBytes(s.neededBytes)} needed`;
  return { name, status: s.freeBytes >= s.neededBytes ? 'pass' : 'fail', figure };
}

function writableItem(w: WritableFact): ChecklistItem {
  const name = `${w.path} writable by the login user`;
  if (w.writable === undefined) return { name, status: 'fail', figure: `cannot test: ${w.error ?? 'unknown error'}` };
  const via = w.checked === w.path ? '' : ` (does not exist yet; tested its parent ${w.checked})`;
  return { name, status: w.writable ? 'pass' : 'fail', figure: `${w.writable ? 'writable' : 'NOT writable'}${via}` };
}

function databaseItem(d: DatabaseFact): ChecklistItem {
  const name = `database server for ${d.label}`;
  if (!d.reachable) return { name, status: 'fail', figure: `unreachable: ${d.error ?? 'no answer'}` };
  const target = majorOf(d.version);
  if (target === undefined) return { name, status: 'fail', figure: `reachable, but its version ${JSON.stringify(d.version ?? '')} cannot be read` };
  const dumped = majorOf(d.dumpVersion);
  if (dumped === undefined) return { name, status: 'pass', figure: `reachable, version ${d.version} (the dump's server version was not recorded)` };
  const figure = `reachable, version ${d.version}; dump taken from ${d.dumpVersion}`;
  return { name, status: target >= dumped ? 'pass' : 'fail', figure: target >= dumped ? figure : `${figure}: the target is older` };
}

// A dump is ready only if the restore path can load its format: a dry run must never say ready for a dump the restore cannot load.
function loadItem(label: string, l: NonNullable<DatabaseFact['load']>): ChecklistItem {
  const name = `dump of ${label} loadable`;
  return l.problem ? { name, status: 'fail', figure: `${l.format}: ${l.problem}` } : { name, status: 'pass', figure: l.format };
}

/** The major version of a version string ("15.4 (Debian ...)" -> 15, "10.11.6-MariaDB" -> 10), or undefined. */
export function majorOf(version: string | undefined): number | undefined {
  const m = /(\d+)/.exec(version ?? '');
  return m ? Number(m[1]) : undefined;
}
