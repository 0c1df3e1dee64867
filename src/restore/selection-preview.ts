// What a granular restore would change, gathered with the readiness facts (read-only): per selected
// path, the archive's entries at and under it (read with the plan's figures) against the target's
// (looked at without following, then listed by rsync): created, replaced, deleted (only inside a
// selected folder, only with --delete) or left as they are (created since, no --delete). Paths the
// target has through a symlink are refused here, before anything is shown as planned.
import { describeError } from '../errors.js';
import { rsyncListTree, type ListedEntry } from '../tools/rsync/list.js';
import type { ArchivedAttrs } from './prepare.js';
import { printable } from '../util/printable.js';
import { rsyncVia, type RestoreContext } from './context.js';
import { borgListedPath } from './deletions.js';
import type { PlannedStep, RestorePlan } from './plan.js';
import { lookAtSelection, rebaseExcludes, selectionRefusals, under, type ItemLook } from './selection-target.js';

export interface SelectionPreview {
  source: string;
  /** `target:path` of the source folder. */
  where: string;
  create: string[];
  replace: string[];
  /** On the target as in the archive (type, size and time: rsync's quick check), so not written again. */
  same: number;
  /** Deleted: inside a selected folder with --delete, or removed by a rollback. */
  remove: string[];
  /** On the target inside a selected folder, not in the archive, and left alone (no --delete). */
  stay: string[];
  error?: string;
}

/** How many names are shown per kind of change. */
const SHOWN = 20;

/** The archive's entries at and under `rel` (relative to the source). */
function archivedUnder(archived: ReadonlySet<string>, rel: string): string[] {
  const out: string[] = [];
  for (const p of archived) if (p === rel || p.startsWith(`${rel}/`)) out.push(p);
  return out;
}

/**
 * Whether the target's entry is the archived one by rsync's quick check (the push's own test: type,
 * size for files, modification time to the second, both read in this machine's local time), so the
 * push leaves it as it is. Without the archive's figures (a rollback) nothing is known the same.
 */
export function sameEntry(archived: ArchivedAttrs | undefined, onTarget: ListedEntry): boolean {
  if (!archived || archived.type !== onTarget.type || (archived.type !== '-' && archived.type !== 'd')) return false;
  if (archived.type === '-' && archived.size !== onTarget.size) return false;
  return archived.mtime.slice(0, 19).replace('T', ' ').replaceAll('-', '/') === onTarget.mtime;
}

/** The target's entry at `rel` as rsync lists it alone, or undefined when the listing fails or holds no single entry. */
async function listedAlone(ctx: RestoreContext, step: PlannedStep, rel: string): Promise<ListedEntry | undefined> {
  const found: ListedEntry[] = [];
  const listed = await rsyncListTree(ctx.global, ctx.target, under(step.targetPath, rel), [], (e) => found.push(e), { ...rsyncVia(ctx), entry: true });
  return listed.verdict.kind === 'ok' && found.length === 1 && found[0]!.type !== 'd' ? found[0] : undefined;
}

async function previewItem(ctx: RestoreContext, step: PlannedStep, look: ItemLook, archived: ReadonlySet<string>, p: SelectionPreview, attrs?: ReadonlyMap<string, ArchivedAttrs>): Promise<void> {
  const names = archivedUnder(archived, look.rel);
  const type = step.selection?.items.find((i) => i.rel === look.rel)?.type;
  if (!look.present) {
    p.create.push(...names);
    return;
  }
  // A rollback's paths carry no type: a folder is one the snapshot holds entries under.
  if (type !== 'd' && !(type === undefined && names.some((n) => n !== look.rel))) {
    // A single entry: rsync lists it alone (named by its last component); the push's quick check
    // decides as for a folder's entries. Unknown (no figures, a listing that failed): replaced.
    const there = await listedAlone(ctx, step, look.rel);
    if (there && sameEntry(attrs?.get(look.rel), there)) p.same++;
    else p.replace.push(look.rel);
    return;
  }
  const full = under(step.targetPath, look.rel);
  const onTarget = new Map<string, ListedEntry>();
  const listed = await rsyncListTree(ctx.global, ctx.target, full, rebaseExcludes(step.exclude, look.rel), (e) => {
    const n = borgListedPath(e.name);
    onTarget.set(n === '.' ? look.rel : `${look.rel}/${n}`, e);
  }, rsyncVia(ctx));
  if (listed.verdict.kind !== 'ok' && !listed.missing) throw new Error(`listing ${full} with rsync: ${'reason' in listed.verdict ? listed.verdict.reason : 'failed'}`);
  const inArchive = new Set(names);
  for (const n of names) {
    const there = onTarget.get(n);
    if (!there) p.create.push(n);
    else if (sameEntry(attrs?.get(n), there)) p.same++;
    else p.replace.push(n);
  }
  for (const t of onTarget.keys()) if (!inArchive.has(t)) (step.selection?.delete ? p.remove : p.stay).push(t);
}

/**
 * The preview of every granular step of `plan` and the refusals (a symlink on the way, a file where
 * a folder is needed), which stop the restore before anything; never throws for a listing's failure
 * (the preview then says why it is unknown). Throws ToolError when the target cannot be looked at.
 */
export async function selectionFacts(
  ctx: RestoreContext,
  plan: RestorePlan,
  archived: ReadonlyMap<string, ReadonlySet<string>>,
  attrs?: ReadonlyMap<string, ReadonlyMap<string, ArchivedAttrs>>,
): Promise<{ previews: SelectionPreview[]; refusals: string[] }> {
  const previews: SelectionPreview[] = [];
  const refusals: string[] = [];
  for (const step of plan.steps.filter((s) => s.selection)) {
    const types = new Map(step.selection!.items.map((i) => [i.rel, i.type]));
    const looks = await lookAtSelection(ctx.session, step, (rel) => types.get(rel));
    refusals.push(...selectionRefusals(step.source, looks));
    const p: SelectionPreview = { source: step.source, where: `${plan.target.name}:${step.targetPath}`, create: [], replace: [], same: 0, remove: [...(step.selection!.remove ?? [])], stay: [] };
    try {
      for (const look of looks.filter((l) => !l.refusal)) await previewItem(ctx, step, look, archived.get(step.source) ?? new Set(), p, attrs?.get(step.source));
    } catch (e) {
      p.error = describeError(e);
    }
    previews.push(p);
  }
  return { previews, refusals };
}

/** The preview as printed: counts per source, and the names (the first SHOWN of each kind). */
export function formatSelectionPreview(previews: readonly SelectionPreview[]): string {
  if (previews.length === 0) return '';
  const lines = ['Changes on the target (only the selected paths; nothing outside them is created, changed or deleted):'];
  const names = (mark: string, list: readonly string[], note = '') => {
    for (const n of list.slice(0, SHOWN)) lines.push(`       ${mark} "${printable(n)}"${note}`);
    if (list.length > SHOWN) lines.push(`       and ${list.length - SHOWN} more`);
  };
  for (const p of previews) {
    if (p.error) {
      lines.push(`  ${p.source}: UNKNOWN in ${p.where}: ${p.error}`);
      continue;
    }
    const stay = p.stay.length ? `; ${p.stay.length} created since stay (no --delete)` : '';
    const same = p.same ? `; ${p.same} unchanged (as archived: left as they are)` : '';
    lines.push(`  ${p.source}: ${p.create.length} created, ${p.replace.length} replaced, ${p.remove.length} deleted in ${p.where}${same}${stay}`);
    names('create ', p.create);
    names('replace', p.replace);
    names('delete ', p.remove);
    names('stays  ', p.stay);
  }
  return lines.join('\n');
}
