// Restoring a granular step (`restore --path`): exactly the selected files and folders are pushed
// from the staged extraction, each into the folder above it on the target (one rsync per such folder,
// so hard links among the entries pushed together stay links), with nothing else of that folder
// touched and its own modification time kept; inside a selected folder, files created since stay
// unless --delete. Right after the push the same entries are compared again (rsync --checksum, dry
// run): every difference left is named, and that comparison is the step's data check. A rollback's
// step also removes what the restore created where nothing was.
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '../errors.js';
import { runCommand } from '../exec/run.js';
import { buildSelectionPushArgs, ROOT_GUARD_REFUSAL } from '../tools/rsync/args.js';
import { classifyRsyncExit } from '../tools/rsync/exit-codes.js';
import { RsyncStderrTally } from '../tools/rsync/stderr-tally.js';
import { RsyncStatsCollector } from '../tools/rsync/stats.js';
import { remotePathExists, remoteRun } from '../tools/ssh/remote.js';
import { printable } from '../util/printable.js';
import { removeLater, type RestoreContext, type RestoreStepResult } from './context.js';
import { extractArchive } from '../tools/borg/extract.js';
import type { PlannedStep } from './plan.js';
import type { ChecklistItem } from './readiness-verdict.js';
import { isGated, lookAtTargetRoot } from './remote-facts.js';
import { selectionArchivePaths } from './selection.js';
import { lookAtSelection, rebaseExcludes, rootOf, selectionRefusals, under, type ItemLook } from './selection-target.js';
import type { Staging } from './staging.js';
import { counted } from '../util/table.js';

/** The local type of a staged entry ('d' folder, '-' file, 'l' symlink), undefined when absent. */
function stagedType(dir: string, rel: string): string | undefined {
  try {
    const st = lstatSync(join(dir, rel));
    return st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : '-';
  } catch {
    return undefined;
  }
}

/** The pushes of a step: per target folder (relative), the tops pushed into it. */
export function pushGroups(looks: readonly ItemLook[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const l of looks) {
    const root = rootOf(l.top);
    const tops = groups.get(root) ?? [];
    if (!tops.includes(l.top)) tops.push(l.top);
    groups.set(root, tops);
  }
  return groups;
}

interface PushRun {
  ok: boolean;
  reason?: string;
  lines: string[];
  sent: number;
  deleted: number;
}

/** One rsync of `tops` (relative to the source) from `dir` into their folder on the target; never throws. */
async function pushGroup(ctx: RestoreContext, step: PlannedStep, dir: string, root: string, tops: readonly string[], verify: boolean): Promise<PushRun> {
  const guard = !isGated(ctx.session);
  const args = buildSelectionPushArgs(ctx.global, ctx.target, tops.map((t) => join(dir, t)), under(step.targetPath, root), {
    delete: step.selection?.delete ?? false,
    exclude: rebaseExcludes(step.exclude, root),
    controlPath: ctx.sshMux?.controlPath(),
    guardRoot: guard,
    verify,
  });
  const stats = new RsyncStatsCollector();
  const stderr = new RsyncStderrTally();
  const lines: string[] = [];
  let refused: string | undefined;
  const r = await runCommand('rsync', args, {
    logger: ctx.logger,
    signal: ctx.signal,
    env: { LC_ALL: 'C.UTF-8' },
    onStdoutLine: (l) => (verify ? l.trim() !== '' && lines.push(l) : stats.push(l)),
    onStderrLine: (l) => {
      stderr.push(l);
      if (l.startsWith(ROOT_GUARD_REFUSAL)) refused ??= l.slice(ROOT_GUARD_REFUSAL.length).trim();
    },
  });
  if (refused) return { ok: false, reason: refused, lines, sent: 0, deleted: 0 };
  const verdict = classifyRsyncExit(r.exitCode, stderr, r.timedOut);
  if (verdict.kind !== 'ok') return { ok: false, reason: 'reason' in verdict ? verdict.reason : `rsync exited ${r.exitCode}`, lines, sent: 0, deleted: 0 };
  return { ok: true, lines, sent: stats.stats.filesTransferred, deleted: stats.stats.deleted };
}

/**
 * Removes `rel` (and what it holds) from the target, its folder entered without following anything
 * and its folder's time kept; throws ToolError. Needs a key with a shell.
 */
async function removeFromTarget(ctx: RestoreContext, step: PlannedStep, rel: string): Promise<void> {
  const root = under(step.targetPath, rootOf(rel));
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  const why = `cannot remove ${under(step.targetPath, rel)} on ${ctx.target.name}`;
  if (isGated(ctx.session)) {
    // The restricted key's pullback-gate runs no shell: the same as three commands it allows (it
    // checks that no symlink leads out of the roots on the way; the folder was looked at just before).
    const t = (await remoteRun(ctx.session, ['stat', '-c', '%.9Y', '--', root], `cannot read the time of ${root} on ${ctx.target.name}`, { quiet: true, signal: ctx.signal })).stdout?.trim() ?? '';
    await remoteRun(ctx.session, ['rm', '-rf', '--', under(step.targetPath, rel)], why, { signal: ctx.signal });
    if (/^\d+(\.\d+)?$/.test(t)) await remoteRun(ctx.session, ['touch', '-c', '-m', '-d', `@${t}`, '--', root], `cannot put back the time of ${root} on ${ctx.target.name}`, { signal: ctx.signal });
    return;
  }
  const script = 'cd -P -- "$1" && [ "$(pwd -P)" = "$1" ] || exit 126; t=$(stat -c %y .) || exit 126; rm -rf -- "./$2"; r=$?; touch -c -d "$t" .; exit $r';
  await remoteRun(ctx.session, ['sh', '-c', script, 'sh', root, name], why, { signal: ctx.signal });
}

/** Extracts what a granular step restores into `<workDir>/stage-sel` (its source folder there). */
async function stageSelection(ctx: RestoreContext, step: PlannedStep): Promise<string> {
  const stage = join(ctx.workDir, 'stage-sel');
  const paths = selectionArchivePaths(step.source, step.selection!);
  if (paths.prefix.length) await extractArchive(ctx.borg, ctx.repository, ctx.archive, stage, paths);
  return join(stage, step.source);
}

/**
 * Restores a granular step; never throws. Its value is the step's data check: the entries pushed
 * compared with the staged ones right after the push (checksums, owners, modes, times, ACLs, xattrs,
 * hard links; with --delete also what a folder holds beyond them).
 */
export async function restoreSelection(ctx: RestoreContext, step: PlannedStep, staging?: Staging): Promise<RestoreStepResult<ChecklistItem[]>> {
  const sel = step.selection!;
  let dir: string;
  try {
    const ahead = staging && staging.ahead.includes(step.source) && (await staging.settled());
    dir = staging && ahead ? staging.dirOf(step.source) : await stageSelection(ctx, step);
  } catch (e) {
    return { status: 'failed', error: `extracting ${step.source} from ${ctx.archive}: ${describeError(e)}`, changed: false };
  }
  try {
    const present = { ...sel, items: sel.items.filter((i) => stagedType(dir, i.rel) !== undefined) };
    let looks: ItemLook[];
    try {
      // Looked at again right before the push: a symlink swapped in since the checklist is refused here.
      looks = await lookAtSelection(ctx.session, { ...step, selection: present }, (rel) => stagedType(dir, rel));
      if (!(await ensureFolder(ctx, step))) return { status: 'failed', error: `${step.targetPath} is not a real directory on ${ctx.target.name}; nothing was pushed`, changed: false };
    } catch (e) {
      return { status: 'failed', error: describeError(e), changed: false };
    }
    const refused = selectionRefusals(step.source, looks);
    if (refused.length) return { status: 'failed', error: `${refused.join('; ')}; nothing was pushed`, changed: false };
    let sent = 0;
    let deleted = 0;
    const groups = pushGroups(looks);
    for (const [root, tops] of groups) {
      const out = await pushGroup(ctx, step, dir, root, tops, false);
      if (!out.ok) return { status: 'failed', error: `push of ${tops.map((t) => `"${printable(t)}"`).join(', ')} to ${ctx.target.name}:${under(step.targetPath, root)}: ${out.reason}` };
      sent += out.sent;
      deleted += out.deleted;
    }
    for (const rel of sel.remove ?? []) {
      try {
        await removeFromTarget(ctx, step, rel);
        deleted++;
      } catch (e) {
        return { status: 'failed', error: describeError(e) };
      }
    }
    const check = await compareSelection(ctx, step, dir, groups);
    return { status: 'ok', summary: `${looks.length} path(s): ${counted(sent, 'file')} sent, ${deleted} deleted`, details: { sent, deleted, paths: looks.map((l) => l.rel) }, value: check };
  } finally {
    if (!(staging && staging.ahead.includes(step.source))) removeLater(ctx, join(ctx.workDir, 'stage-sel'));
  }
}

/** The source folder itself exists as a real directory (created when missing); false when it is something else. */
async function ensureFolder(ctx: RestoreContext, step: PlannedStep): Promise<boolean> {
  if (isGated(ctx.session)) {
    // No shell through the restricted key: looked at (the gate refuses a symlink on the way), created when missing.
    const look = await lookAtTargetRoot(ctx.session, step.targetPath);
    if (look.kind === 'missing') await remoteRun(ctx.session, ['mkdir', '-p', '--', step.targetPath], `cannot create ${step.targetPath} on ${ctx.target.name}`, { signal: ctx.signal });
    return look.kind === 'directory' || look.kind === 'missing';
  }
  const r = await ctx.session.exec(['sh', '-c', '[ -d "$1" ] && [ ! -L "$1" ] || { [ ! -e "$1" ] && [ ! -L "$1" ] && mkdir -p -- "$1"; }', 'sh', step.targetPath], { quiet: true, signal: ctx.signal });
  return r.exitCode === 0;
}

/** The entries pushed compared with the staged ones (and removed ones gone); never throws. */
async function compareSelection(ctx: RestoreContext, step: PlannedStep, dir: string, groups: ReadonlyMap<string, string[]>): Promise<ChecklistItem[]> {
  const name = `${step.source}: ${groups.size ? [...groups.values()].flat().map((t) => `"${printable(t)}"`).join(', ') : 'paths removed'} on ${ctx.target.name} against ${ctx.archive}`;
  const differ: string[] = [];
  try {
    for (const [root, tops] of groups) {
      const out = await pushGroup(ctx, step, dir, root, tops, true);
      if (!out.ok) return [{ name, status: 'fail', figure: `not compared: ${out.reason}` }];
      differ.push(...out.lines);
    }
    for (const rel of step.selection?.remove ?? []) {
      const full = under(step.targetPath, rel);
      const there = isGated(ctx.session)
        ? (await remotePathExists(ctx.session, full)) || (await ctx.session.exec(['test', '-L', full], { quiet: true })).exitCode === 0
        : (await ctx.session.exec(['sh', '-c', '[ -e "$1" ] || [ -L "$1" ]', 'sh', full], { quiet: true })).exitCode === 0;
      if (there) differ.push(`still there: ${rel}`);
    }
  } catch (e) {
    return [{ name, status: 'fail', figure: `not compared: ${describeError(e)}` }];
  }
  if (differ.length === 0) {
    return [{ name, status: 'pass', figure: `identical (rsync --checksum: content, owner, mode, times, ACLs, xattrs, hard links${step.selection?.delete ? '; nothing more inside a folder' : ''})` }];
  }
  return [{ name, status: 'fail', figure: `${differ.length} difference(s) left: ${differ.slice(0, 5).map((l) => printable(l)).join('; ')}` }];
}
