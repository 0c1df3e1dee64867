// The safety snapshot of a granular step: exactly the selected paths the target has now (pulled
// into the snapshot's folder at the same place in the source), and the outermost path the restore
// will create for each one it lacks; the manifest records both (`preRestore.selection`), so a
// rollback puts back the first and removes the second, and touches nothing else.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceManifest } from '../archive/manifest.js';
import { runCommand } from '../exec/run.js';
import { buildSelectionPullArgs } from '../tools/rsync/args.js';
import { classifyRsyncExit } from '../tools/rsync/exit-codes.js';
import { RsyncStderrTally } from '../tools/rsync/stderr-tally.js';
import type { RestoreContext } from './context.js';
import type { PlannedStep } from './plan.js';
import { lookAtSelection, rebaseExcludes, rootOf, selectionRefusals, under } from './selection-target.js';
import { isGated } from './remote-facts.js';

/** Saves what a granular step replaces into `dest` (the source's folder of the snapshot); throws. */
export async function saveSelection(ctx: RestoreContext, step: PlannedStep, dest: string): Promise<SourceManifest> {
  const types = new Map((step.selection?.items ?? []).map((i) => [i.rel, i.type]));
  const looks = await lookAtSelection(ctx.session, step, (rel) => types.get(rel));
  const refused = selectionRefusals(step.source, looks);
  if (refused.length) throw new Error(`${ctx.target.name}: ${refused.join('; ')}`);
  mkdirSync(dest, { recursive: true });
  const present = looks.filter((l) => l.present).map((l) => l.rel);
  // One pull per folder holding saved paths (hard links among them stay links in the snapshot).
  const groups = new Map<string, string[]>();
  for (const rel of present) groups.set(rootOf(rel), [...(groups.get(rootOf(rel)) ?? []), rel]);
  for (const [root, rels] of groups) {
    const into = join(dest, root);
    mkdirSync(into, { recursive: true });
    const names = rels.map((r) => r.slice(r.lastIndexOf('/') + 1));
    const args = buildSelectionPullArgs(ctx.global, ctx.target, under(step.targetPath, root), names, into, { exclude: rebaseExcludes(step.exclude, root), controlPath: ctx.sshMux?.controlPath(), asFolder: isGated(ctx.session) });
    const stderr = new RsyncStderrTally();
    const r = await runCommand('rsync', args, { logger: ctx.logger, signal: ctx.signal, env: { LC_ALL: 'C.UTF-8' }, onStderrLine: (l) => stderr.push(l) });
    const verdict = classifyRsyncExit(r.exitCode, stderr, r.timedOut);
    if (verdict.kind === 'failed' || verdict.kind === 'retry') throw new Error(`pulling ${rels.map((x) => JSON.stringify(x)).join(', ')} from ${ctx.target.name}:${under(step.targetPath, root)}: ${'reason' in verdict ? verdict.reason : `rsync exited ${r.exitCode}`}`);
  }
  const absent = [...new Set(looks.filter((l) => !l.present).map((l) => l.top))];
  return {
    name: step.source,
    kind: step.kind,
    path: step.targetPath,
    exclude: step.exclude,
    status: 'ok',
    preRestore: { existed: true, selection: { present, absent } },
  };
}
