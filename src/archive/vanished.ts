// Issue 22: the catalog is a witness the repository is compared against. The archives it recorded
// for a host (never pruned, not accepted as lost) must all be in borg's listing; one that is not has
// vanished (a crash or a bad disk rolled the repository back, or someone deleted it outside
// pullback): red, named, with its time and what it held. borg itself refuses a rolled-back
// repository ("... newer than repository - this is either an attack or unsafe"); its listing is then
// read with a scratch security directory and cache, so the archives that are gone can be named.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import { expectedArchives, markListedAgain, markVanished, type RecordedArchive } from '../catalog/vanished.js';
import { recordedRepo } from '../catalog/guards.js';
import { JobError } from '../errors.js';
import { buildListArchivesArgs, parseArchiveList } from '../tools/borg/list.js';
import { localRepoExists } from '../tools/borg/repo.js';
import { borgFailure, runBorg, type BorgContext } from '../tools/borg/run.js';
import { humanBytes } from '../util/table.js';

export interface ArchiveComparison {
  repository: string;
  host: string;
  /** borg refused the repository as older than the state it remembers: it went back in time. */
  rolledBack: boolean;
  /** Archives the catalog recorded that borg does not list (now marked vanished in the catalog), oldest first. */
  vanished: RecordedArchive[];
  /** How many archives the catalog expected, and how many of them borg lists. */
  expected: number;
  /** The newest of the host's expected archives borg still lists. */
  newestListed?: string;
  /**
   * When the repository went back in time: the time of the `pullback check --repair` that was
   * pullback's newest write to it (no archive recorded since), most likely the transaction lost.
   */
  repairLost?: string;
}

/** The archive names borg lists in `repo`, and whether borg refused it as rolled back (the names then come from a scratch look). Throws ToolError/JobError. */
async function listNames(borg: BorgContext, repo: string): Promise<{ names: Set<string>; rolledBack: boolean }> {
  // Never an empty listing for a missing repository: that would call every archive gone (openRepo says why it is missing).
  if (localRepoExists(repo) === false) throw new JobError(`no borg repository at ${repo}: cannot compare its archives with the catalog`);
  const once = async (ctx: BorgContext) => {
    const lines: string[] = [];
    const out = await runBorg(ctx, buildListArchivesArgs(repo), { quiet: true, onStdoutLine: (l) => lines.push(l) });
    return { out, archives: out.verdict.kind === 'failed' ? undefined : parseArchiveList(lines) };
  };
  let { out, archives } = await once(borg);
  let rolledBack = false;
  if (out.verdict.kind === 'failed' && out.verdict.cause === 'rolled-back') {
    // Read-only: borg's memory of the newer state is left as it is (only `repo accept-rollback` changes it).
    rolledBack = true;
    const scratch = mkdtempSync(join(tmpdir(), 'pullback-borg-look-'));
    try {
      ({ out, archives } = await once({ ...borg, scratchDirs: { security: join(scratch, 'security'), cache: join(scratch, 'cache') } }));
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  if (out.verdict.kind === 'failed') throw borgFailure(out, `borg list of ${repo}`);
  if (!archives) throw new JobError(`borg list of ${repo} printed no JSON`);
  return { names: new Set(archives.map((a) => a.name)), rolledBack };
}

/**
 * Compares the archives the catalog expects for `host` in `repo` (since `pullback init` last put a
 * repository there) with borg's listing (one `borg
 * list`, two when borg refuses the repository as rolled back) and brings the catalog in line: the
 * missing ones are marked vanished (first time noticed kept), ones listed again are not. Throws ToolError/JobError.
 */
export async function compareWithCatalog(borg: BorgContext, catalog: Catalog, repo: string, host: string, now = new Date()): Promise<ArchiveComparison> {
  // A repository `pullback init` created or adopted at this path is another borg repository: the
  // archives recorded before it were never in it (they went with the old one, which init said).
  const rec = recordedRepo(catalog, repo);
  const since = rec && (rec.how === 'init' || rec.how === 'adopted') ? rec.recordedAt : undefined;
  const expected = expectedArchives(catalog, repo, host).filter((a) => since === undefined || a.createdAt >= since);
  const { names, rolledBack } = await listNames(borg, repo);
  const gone = expected.filter((a) => !names.has(a.name));
  const back = expected.filter((a) => a.vanishedAt && names.has(a.name));
  markVanished(catalog, repo, gone.map((a) => a.name), now);
  markListedAgain(catalog, repo, back.map((a) => a.name));
  const noticed = now.toISOString();
  const listed = expected.filter((a) => names.has(a.name));
  // Recorded once borg remembered the repaired state (nightly/repair.ts): a rollback found before any later archive undid that repair, most likely.
  const repaired = rolledBack ? catalog.lastCheck(repo, 'repair', host)?.toISOString() : undefined;
  const repairLost = repaired !== undefined && expected.every((a) => a.createdAt < repaired) ? repaired : undefined;
  return {
    repository: repo,
    host,
    rolledBack,
    vanished: gone.map((a) => ({ ...a, vanishedAt: a.vanishedAt ?? noticed })),
    expected: expected.length,
    ...(listed.length > 0 ? { newestListed: listed.at(-1)!.name } : {}),
    ...(repairLost ? { repairLost } : {}),
  };
}

/** Whether the comparison found something the operator must act on. */
export const needsAttention = (c: ArchiveComparison) => c.rolledBack || c.vanished.length > 0;

const when = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z');

/** One archive that is gone, in words: its name, when it was made, and what it held. */
export function describeArchive(a: RecordedArchive): string {
  const held = [
    a.sources.length > 0 ? `sources ${a.sources.join(', ')}` : undefined,
    a.files !== undefined ? `${a.files} file(s)` : undefined,
    a.size !== undefined ? humanBytes(a.size) : undefined,
  ].filter((x): x is string => x !== undefined);
  return `${a.name} (made ${when(a.createdAt)}${held.length ? `; held ${held.join(', ')}` : ''})`;
}

/** The exact command that accepts the repository's state for `host`. */
export const acceptCommand = (host: string) => `pullback repo accept-rollback --host ${host}`;

/**
 * What the operator reads: what happened, what it means (which archives are gone, that the older
 * ones are still listed), and the exact next command. One paragraph; empty when nothing is wrong.
 */
export function explainComparison(c: ArchiveComparison): string {
  if (!needsAttention(c)) return '';
  const n = c.vanished.length;
  const gone = n === 0 ? '' : `${n} archive(s) pullback recorded are gone from it: ${c.vanished.map(describeArchive).join('; ')}. `;
  const kept = c.expected - n;
  const older = kept > 0 ? `The ${kept} older archive(s) are still there${c.newestListed ? ` (newest: ${c.newestListed})` : ''}. ` : 'No archive of this host is left in it. ';
  const next = `Once you know the cause, \`${acceptCommand(c.host)}\` accepts the repository as it is now (borg forgets the newer state, the archives that are gone are recorded as lost, a check proves the repository usable); the next night then archives normally.`;
  if (c.rolledBack) {
    // borg check --repair commits a transaction of its own: cut short, the repair is undone, while every archive is still listed.
    const repair = c.repairLost
      ? `pullback's newest write to it was \`pullback check --repair\` of ${when(c.repairLost)} (no archive since): most likely that repair is the transaction lost, and then the damage it repaired is back (the archives point again at the chunks it had replaced with zeros or removed). `
      : '';
    const recheck = c.repairLost ? ` Its check then finds that damage again if it is back: \`pullback check --host ${c.host} --repair\` repairs it again.` : '';
    return (
      `Repository ${c.repository} went back in time: it lost its newest transaction(s), most likely a crash or a bad disk cut its last segment file short, and borg now refuses to use it ("newer than repository"). ` +
      gone +
      repair +
      older +
      'borg archives nothing into it until its state is accepted. If there was no crash and the disk is healthy, someone may have put an older copy of the repository in its place: find out before accepting. ' +
      next +
      recheck
    );
  }
  return (
    `Repository ${c.repository} no longer holds archives pullback recorded and never pruned: ` +
    gone +
    older +
    'A crash or a bad disk may have rolled it back, or they were deleted outside pullback. ' +
    next
  );
}
