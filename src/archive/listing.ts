// What `pullback list` says about each archive: its kind (nightly, partial, pre-restore snapshot),
// size and file count, as table rows or JSON. Pure: the command gathers borg's and the catalog's facts.
import { utcText } from '../util/stamp.js';
import { humanBytes } from '../util/table.js';
import { jsonDocument, utcTime } from '../util/json-doc.js';
import { windowJson, type RecoveryWindow } from './recovery-window.js';

/** `lost`: recorded by pullback, gone from the repository (issue 22: vanished, or accepted as lost); listed from the catalog only. */
export type ArchiveKind = 'nightly' | 'partial' | 'pre-restore' | 'lost';

export interface ArchiveFacts {
  name: string;
  /** borg's start time of the archive. */
  start: string;
  /** borg's archive comment ('' when none). */
  comment: string;
  /** The manifest the catalog recorded, when it has one. */
  manifest?: unknown;
  /** Original (uncompressed) size in bytes and file count; undefined when neither the catalog nor borg gave them. */
  size?: number;
  files?: number;
}

export interface ListedArchive {
  name: string;
  start: string;
  kind: ArchiveKind;
  size: number | null;
  files: number | null;
  comment?: string;
}

/**
 * The kind of `archive` of `host`: a pre-restore snapshot by its name; a partial nightly archive
 * when its manifest says so (`partial`, or a source that failed) or its borg comment mentions
 * "partial" (archives whose catalog entry is gone still say it); else nightly.
 */
export function archiveKind(host: string, a: Pick<ArchiveFacts, 'name' | 'comment' | 'manifest'>): ArchiveKind {
  if (a.name.startsWith(`${host}-pre-restore-`)) return 'pre-restore';
  const m = (a.manifest ?? {}) as { partial?: unknown; sources?: Array<{ status?: string }> };
  if (m.partial || m.sources?.some((s) => s.status === 'failed')) return 'partial';
  if (/\bpartial\b/i.test(a.comment)) return 'partial';
  return 'nightly';
}

/** One host's archives as listed (oldest first, as borg gives them). */
export function listArchivesOf(host: string, archives: readonly ArchiveFacts[]): ListedArchive[] {
  return archives.map((a) => ({
    name: a.name,
    start: a.start,
    kind: archiveKind(host, a),
    size: a.size ?? null,
    files: a.files ?? null,
    ...(a.comment ? { comment: a.comment } : {}),
  }));
}

const KIND_WORDS: Record<ArchiveKind, string> = { nightly: 'nightly', partial: 'partial', 'pre-restore': 'pre-restore snapshot', lost: 'LOST (gone from the repository)' };

export const LIST_HEADER = ['HOST', 'ARCHIVE', 'CREATED', 'KIND', 'SIZE', 'FILES'];

/** Table rows: one per archive, or one `(no archives)` row for a host without any. */
export function listRows(hosts: ReadonlyArray<{ host: string; archives: readonly ListedArchive[] }>): string[][] {
  return hosts.flatMap((h) =>
    h.archives.length
      ? h.archives.map((a) => [h.host, a.name, utcText(a.start), KIND_WORDS[a.kind], a.size === null ? '?' : humanBytes(a.size), a.files === null ? '?' : String(a.files)])
      : [[h.host, '(no archives)', '', '', '', '']],
  );
}

/**
 * `pullback list --json` (docs/schemas/list.schema.json): per host its repository and archives, each
 * archive's start in UTC with its zone (borg's own is local and zoneless); then the recovery windows.
 */
export function listJson(hosts: ReadonlyArray<{ host: string; repository: string; archives: readonly ListedArchive[] }>, windows: readonly RecoveryWindow[]): unknown {
  return jsonDocument({
    hosts: hosts.map((h) => ({
      host: h.host,
      repository: h.repository,
      archives: h.archives.map((a) => ({ name: a.name, started_at: utcTime(a.start), kind: a.kind, size: a.size, files: a.files, ...(a.comment ? { comment: a.comment } : {}) })),
    })),
    ...(windows.length > 0 ? { recovery_windows: windows.map(windowJson) } : {}),
  });
}
