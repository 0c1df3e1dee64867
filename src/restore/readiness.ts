// Gathering the readiness facts (read-only on the target): the repository's recorded checks, borg
// check of the chosen archive, then every chunk of what is restored read back (its extraction ahead,
// else `borg extract --dry-run` of exactly its paths), and over SSH each folder's target (a real
// directory, not a symlink), the free space, writability and database servers of the target. The verdict is restore/readiness-verdict.ts.
import { describeMismatches, stagedDumpMismatches } from './dump-digests.js';
import type { Catalog } from '../catalog/catalog.js';
import { lastCheckRecord } from '../catalog/queries.js';
import { openDamage } from '../catalog/check-damage.js';
import type { BorgContext } from '../tools/borg/run.js';
import { checkRepo } from '../tools/borg/check.js';
import { readBack } from '../tools/borg/extract.js';
import type { DeletionFact } from './deletions.js';
import type { RestorePlan } from './plan.js';
import type { BackupAgeFact, CheckHistoryFact, ChunkFact, ReadinessFacts, ZeroedFact } from './readiness-verdict.js';
import { archivesNewestFirst, zeroedIn } from '../catalog/zeroed-files.js';
import { listHealth } from '../tools/borg/list-items.js';
import { nightlyGlob } from '../tools/borg/flags.js';
import type { ArchivePaths } from '../tools/borg/flags.js';
import { nothingIn, restoredPaths, type Staging } from './staging.js';
import { describeError } from '../errors.js';
import type { RestoreContext } from './context.js';
import { databaseFacts } from './db-facts.js';
import { deletionFacts } from './deletion-facts.js';
import { rootFacts, spaceFacts, unsafeRoots, writableFacts } from './remote-facts.js';

/** `borg check` of one archive (metadata and chunk presence); never throws. */
export async function checkArchive(borg: BorgContext, repo: string, archive: string): Promise<ReadinessFacts['archiveCheck']> {
  try {
    const out = await checkRepo(borg, { repo, repository: false, archives: true, verifyData: false, archive });
    if (out.verdict.kind === 'failed') {
      const detail = out.problems.filter((l) => !/^(Starting|Checking|Archive consistency check complete|finished)/i.test(l)).slice(0, 3);
      return { archive, ok: false, detail: `found problems: ${detail.join(' | ') || out.verdict.reason}` };
    }
    return { archive, ok: true, detail: out.verdict.kind === 'warning' ? `ok with a warning: ${out.verdict.reason}` : 'no problems' };
  } catch (e) {
    return { archive, ok: false, detail: describeError(e) };
  }
}

/**
 * The archive check a successful extraction ahead stands for. borg check --archives-only of one
 * archive reads every item's metadata and looks up each item's chunks in the repository's index;
 * borg extract read every item's metadata too (each chunk's MAC verified, also of the items it
 * skips) and read every chunk of what is restored, MAC-verified and its size checked against the
 * item's: a second borg process that looks the same chunks up again proves nothing more about
 * what the restore pushes (and holds borg's lock exclusively while nothing else may read).
 */
function readWhole(archive: string, staging: Staging): ReadinessFacts['archiveCheck'] {
  if (staging.readBackBy) return { archive, ok: true, by: 'extraction', detail: staging.readBackBy };
  const took = staging.took();
  const secs = took === undefined ? '' : ` in ${(took / 1000).toFixed(1)} s`;
  return { archive, ok: true, by: 'extraction', detail: `every item read and verified by the extraction ahead${secs} (each chunk's MAC; every chunk restored), which stands for borg check --archives-only` };
}

/** The check kinds that speak of the repository's data: a drill or a compaction does not. */
const DATA_CHECKS = ['repository', 'archives', 'data'];

/**
 * The checks of `repository` (for `host`'s archives) that failed and are not resolved: the open
 * damage (a failure stays open until a whole check of its kind passes: catalog/check-damage.ts),
 * and any kind whose latest recorded outcome is a failure.
 */
export function recordedCheckFailures(catalog: Catalog, repository: string, host: string): CheckHistoryFact['failed'] {
  const open = openDamage(catalog, repository, host).map((d) => ({ kind: d.kind, at: d.failedAt }));
  const latest = DATA_CHECKS.map((kind) => lastCheckRecord(catalog, repository, kind, host))
    .filter((r) => r !== undefined && r.status === 'failed' && !open.some((o) => o.kind.split('+').includes(r.kind)))
    .map((r) => ({ kind: r!.kind, at: r!.at }));
  return [...open, ...latest];
}

/**
 * Reads back every chunk of what `plan` restores: waits for `staging` when it extracts everything
 * ahead (that extraction is the read back), else `borg extract --dry-run` of exactly the plan's
 * paths; an extraction ahead that failed is read again that way to name the damaged files. Never throws.
 */
export async function readChunks(borg: BorgContext, plan: RestorePlan, staging?: Staging): Promise<ChunkFact> {
  const base = { archive: plan.archive, damaged: [], complete: true };
  const paths = restoredPaths(plan);
  if (nothingIn(paths)) return { ...base, how: 'nothing to read', ok: true, durationMs: 0 };
  const started = Date.now();
  let how = 'borg extract --dry-run of exactly the paths restored';
  if (staging && plan.steps.every((s) => staging.ahead.includes(s.source))) {
    if (await staging.settled()) {
      const how = staging.readBackBy ? `${staging.readBackBy}, compared with their SHA-256 again` : 'extracted ahead for the push, dumps compared with their SHA-256 recorded at night';
      // The reading is the extraction (begun before this was asked, maybe with the plan's reads), plus the digests.
      const hashing = Date.now();
      const took = () => (staging.took() ?? hashing - started) + (Date.now() - hashing);
      try {
        const ms = (await Promise.all(plan.steps.filter((s) => s.mode === 'databases').map((s) => stagedDumpMismatches(s, staging.dirOf(s.source))))).flat();
        if (ms.length > 0) return { ...base, how, ok: false, mismatched: describeMismatches(ms), durationMs: took() };
      } catch (e) {
        return { ...base, how, ok: false, error: `a staged dump cannot be read: ${describeError(e)}`, durationMs: took() };
      }
      return { ...base, how, ok: true, durationMs: took() };
    }
    how = `the extraction ahead failed (${staging.error() ?? 'unknown error'}); read again with borg extract --dry-run`;
  }
  try {
    const r = await readBack(borg, plan.repository, plan.archive, paths);
    return { archive: plan.archive, how, ok: r.ok, damaged: r.damaged, complete: r.complete, error: r.error, durationMs: Date.now() - started };
  } catch (e) {
    return { ...base, how, ok: false, error: describeError(e), durationMs: Date.now() - started };
  }
}

/** How many other archives are read (one `borg list` each) looking for a whole copy of zero-filled files. */
const WHOLE_COPY_LOOKS = 10;

/** Whether archive path `p` is among `paths` (a restored folder's item, or an exact file). */
function restores(paths: ArchivePaths, p: string): boolean {
  const prefix = 'prefix' in paths ? paths.prefix : [];
  const exact = 'exact' in paths ? paths.exact : [];
  return exact.includes(p) || prefix.some((x) => p === x || p.startsWith(`${x}/`));
}

/**
 * The files `plan` restores that a repair zero-filled in its archive: those the catalog recorded,
 * and those borg marks broken in the archive's listing (`broken`, read with the plan); for each, the
 * newest other archive of the host (the catalog's, at most WHOLE_COPY_LOOKS read) where borg lists
 * it healthy. Never throws: a failed search is said in the fact.
 */
export async function zeroedFacts(borg: BorgContext, catalog: Catalog | undefined, plan: RestorePlan, broken: readonly string[]): Promise<ZeroedFact> {
  const paths = restoredPaths(plan);
  const recorded = catalog ? zeroedIn(catalog, plan.repository, plan.archive).filter((z) => restores(paths, z.path)) : [];
  const files = new Map<string, ZeroedFact['files'][number]>();
  for (const z of recorded) files.set(z.path, { path: z.path, repairedAt: z.repairedAt, broken: false });
  for (const p of broken.filter((b) => restores(paths, b))) files.set(p, { ...(files.get(p) ?? { path: p }), broken: true });
  const fact: ZeroedFact = { archive: plan.archive, host: plan.host, brokenInArchive: broken.length, files: [...files.values()] };
  if (fact.files.length === 0 || !catalog) return fact;
  try {
    const candidates = archivesNewestFirst(catalog, plan.repository, plan.host, nightlyGlob(plan.host), WHOLE_COPY_LOOKS + 1).filter((a) => a !== plan.archive);
    for (const candidate of candidates.slice(0, WHOLE_COPY_LOOKS)) {
      const left = fact.files.filter((f) => !f.wholeIn);
      if (left.length === 0) break;
      // The catalog's record spares a read of an archive where each file left is known zero-filled.
      const known = new Set(zeroedIn(catalog, plan.repository, candidate).map((z) => z.path));
      if (left.every((f) => known.has(f.path))) continue;
      const health = await listHealth(borg, plan.repository, candidate, left.map((f) => f.path));
      for (const f of left) if (health.get(f.path) === false && !known.has(f.path)) f.wholeIn = candidate;
    }
  } catch (e) {
    fact.searchError = describeError(e);
  }
  return fact;
}

export interface GatherInput {
  borg: BorgContext;
  repository: string;
  archive: string;
  plan: RestorePlan;
  backup?: BackupAgeFact;
  /** The session's context, or the reason the SSH login failed. */
  target: RestoreContext | { loginError: string };
  now?: Date;
  /** The archive's paths per source, read with the plan's figures: the deletion preview lists only the target. */
  archived: ReadonlyMap<string, ReadonlySet<string>>;
  /** An extraction ahead already running (begun with the plan's reads): the archive check waits for it (borg check takes the repository's lock), and it is the read back. */
  extracting?: Staging;
  /** Called once the archive check is done and passed (borg's lock is free for readers again) when nothing is `extracting`: the restore's extraction may begin (its staging returned). */
  onArchiveChecked?: () => Staging | undefined;
  /** The catalog, for the repository's recorded checks (absent: not consulted). */
  catalog?: Catalog;
  /** How a recorded failed check is overridden (--force, or a rollback). */
  checkOverride?: CheckHistoryFact['override'];
  /** The archive's items borg marks broken, read with the plan (prepare.ts). */
  broken?: readonly string[];
}

/** Every fact the checklist needs, plus the deletion preview; the SSH part is skipped (and fails) when the login failed. */
export async function gatherReadiness(input: GatherInput): Promise<ReadinessFacts & { deletions: DeletionFact[] }> {
  // The facts are independent reads: gathered at once (borg here, remote commands on their own SSH
  // channels, rsync listings through the restore's shared connection). The deletion preview's side
  // of the archive was read with the plan's figures: it lists only the target.
  const checkHistory = input.catalog
    ? { repository: input.repository, failed: recordedCheckFailures(input.catalog, input.repository, input.plan.host), override: input.checkOverride }
    : undefined;
  let chunks: Promise<ChunkFact> | undefined;
  let zeroed: Promise<ZeroedFact> | undefined;
  const { extracting } = input;
  // An extraction already running: when it ends ok it stands for borg check; else borg check (which waits for borg's lock) says what is wrong.
  const archiveChecked = (extracting ? extracting.settled() : Promise.resolve(false)).then((whole) =>
    whole ? readWhole(input.archive, extracting!) : checkArchive(input.borg, input.repository, input.archive),
  ).then((c) => {
    // After the check (borg check holds the repository's lock); even when it failed: the read back names the damaged files.
    if (!('loginError' in input.target)) chunks = readChunks(input.borg, input.plan, extracting ?? (c.ok ? input.onArchiveChecked?.() : undefined));
    zeroed = zeroedFacts(input.borg, input.catalog, input.plan, input.broken ?? []);
    return c;
  });
  const t = input.plan.target;
  const where = `${t.user}@${t.address}:${t.port} (${t.name})`;
  if ('loginError' in input.target) {
    const archiveCheck = await archiveChecked;
    return { now: input.now ?? new Date(), backup: input.backup, archiveCheck, checkHistory, zeroed: await zeroed, space: [], writable: [], databases: [], deletions: [], login: { target: where, ok: false, detail: input.target.loginError } };
  }
  const ctx = input.target;
  // First each folder's target, not followed: whatever is a symlink (or could not be looked at) is
  // not asked about further, so nothing below reads (or lists as deletions) where it points.
  const roots = await rootFacts(ctx.session, input.plan);
  const skip = unsafeRoots(roots);
  const [archiveCheck, space, writable, databases, deletions] = await Promise.all([
    archiveChecked,
    spaceFacts(ctx.session, input.plan, ctx.target.restore.spaceMargin, ctx.target.restore.minFreeBytes, skip),
    writableFacts(ctx.session, input.plan, skip),
    databaseFacts(ctx, input.plan),
    deletionFacts(ctx, input.plan, input.archived, roots),
  ]);
  return { now: input.now ?? new Date(), backup: input.backup, archiveCheck, checkHistory, chunks: await chunks, zeroed: await zeroed, roots, space, writable, databases, deletions, login: { target: where, ok: true, detail: 'host key verified, key accepted' } };
}
