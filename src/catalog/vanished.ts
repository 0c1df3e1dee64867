// Issue 22: the catalog as a witness the repository is compared against. Archives it recorded (and
// never saw pruned) that borg no longer lists are marked vanished when first noticed, and lost once
// the operator accepts the repository's state; never deleted, so what they held stays known.
import type { Catalog } from './catalog.js';

/** An archive the catalog recorded for a host, with what it held (from its record and manifest). */
export interface RecordedArchive {
  name: string;
  createdAt: string;
  /** Original (uncompressed) size in bytes, when recorded. */
  size?: number;
  files?: number;
  /** The sources its manifest names. */
  sources: string[];
  /** When it was first found missing from borg's listing. */
  vanishedAt?: string;
  /** When the operator accepted it as lost. */
  lostAt?: string;
}

type Row = { name: string; created_at: string; original_size: number | null; nfiles: number | null; manifest: string | null; vanished_at: string | null; lost_at: string | null };

function toRecorded(r: Row): RecordedArchive {
  return {
    name: r.name,
    createdAt: r.created_at,
    ...(r.original_size !== null ? { size: r.original_size } : {}),
    ...(r.nfiles !== null ? { files: r.nfiles } : {}),
    sources: sourcesOf(r.manifest),
    ...(r.vanished_at ? { vanishedAt: r.vanished_at } : {}),
    ...(r.lost_at ? { lostAt: r.lost_at } : {}),
  };
}

function sourcesOf(manifest: string | null): string[] {
  if (!manifest) return [];
  try {
    const m = JSON.parse(manifest) as { sources?: Array<{ name?: unknown; status?: unknown }> };
    return (m.sources ?? []).filter((s) => typeof s.name === 'string' && s.status !== 'failed').map((s) => s.name as string);
  } catch {
    return [];
  }
}

const COLUMNS = 'name, created_at, original_size, nfiles, manifest, vanished_at, lost_at';

/** Archives of `host` in `repository` the catalog expects borg to list: recorded, never pruned, not accepted as lost. Oldest first. */
export function expectedArchives(catalog: Catalog, repository: string, host: string): RecordedArchive[] {
  const rows = catalog.db
    .prepare(`SELECT ${COLUMNS} FROM archives WHERE repository = ? AND host = ? AND pruned_at IS NULL AND lost_at IS NULL ORDER BY created_at, id`)
    .all(repository, host) as Row[];
  return rows.map(toRecorded);
}

/** Records `names` as missing from borg's listing; the first time noticed is kept. */
export function markVanished(catalog: Catalog, repository: string, names: readonly string[], at = new Date()): void {
  const stmt = catalog.db.prepare('UPDATE archives SET vanished_at = COALESCE(vanished_at, ?) WHERE repository = ? AND name = ? AND lost_at IS NULL');
  catalog.db.transaction(() => names.forEach((n) => stmt.run(at.toISOString(), repository, n)))();
}

/** Archives once noticed missing that borg lists again (the disk came back): no longer vanished. */
export function markListedAgain(catalog: Catalog, repository: string, names: readonly string[]): void {
  const stmt = catalog.db.prepare('UPDATE archives SET vanished_at = NULL WHERE repository = ? AND name = ? AND lost_at IS NULL');
  catalog.db.transaction(() => names.forEach((n) => stmt.run(repository, n)))();
}

/** The operator accepted the repository's state: the vanished `names` are lost (kept in the catalog, never listed as restorable). */
export function markLost(catalog: Catalog, repository: string, names: readonly string[], at = new Date()): void {
  const stmt = catalog.db.prepare('UPDATE archives SET lost_at = ?, vanished_at = COALESCE(vanished_at, ?) WHERE repository = ? AND name = ? AND lost_at IS NULL');
  catalog.db.transaction(() => names.forEach((n) => stmt.run(at.toISOString(), at.toISOString(), repository, n)))();
}

/** Archives of `host` found missing and not yet accepted as lost (status is red while there is one). Oldest first. */
export function unresolvedVanished(catalog: Catalog, repository: string, host: string): RecordedArchive[] {
  const rows = catalog.db
    .prepare(`SELECT ${COLUMNS} FROM archives WHERE repository = ? AND host = ? AND vanished_at IS NOT NULL AND lost_at IS NULL AND pruned_at IS NULL ORDER BY created_at, id`)
    .all(repository, host) as Row[];
  return rows.map(toRecorded);
}

/** Archives of `host` accepted as lost, oldest first (for `list`, `status` and the report). */
export function lostArchives(catalog: Catalog, repository: string, host: string): RecordedArchive[] {
  const rows = catalog.db
    .prepare(`SELECT ${COLUMNS} FROM archives WHERE repository = ? AND host = ? AND lost_at IS NOT NULL ORDER BY created_at, id`)
    .all(repository, host) as Row[];
  return rows.map(toRecorded);
}

/** Names of archives of any host in `repository` found missing and not yet accepted as lost, oldest first. */
export function unresolvedVanishedInRepo(catalog: Catalog, repository: string): string[] {
  const rows = catalog.db
    .prepare('SELECT name FROM archives WHERE repository = ? AND vanished_at IS NOT NULL AND lost_at IS NULL AND pruned_at IS NULL ORDER BY created_at, id')
    .all(repository) as Array<{ name: string }>;
  return rows.map((r) => r.name);
}

/**
 * When the operator last accepted archives of `repository` as lost, if no archive was recorded
 * there since: the repository has not been written since that rollback was accepted, so what lies
 * above its last commit is what the lost transaction(s) wrote. Undefined otherwise.
 */
export function acceptedRollbackUnwritten(catalog: Catalog, repository: string): string | undefined {
  const row = catalog.db.prepare('SELECT MAX(lost_at) AS at FROM archives WHERE repository = ?').get(repository) as { at: string | null };
  if (!row.at) return undefined;
  const later = catalog.db.prepare('SELECT 1 FROM archives WHERE repository = ? AND created_at > ? LIMIT 1').get(repository, row.at);
  return later ? undefined : row.at;
}
