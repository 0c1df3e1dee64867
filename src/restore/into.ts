// `restore --into DIR`: the chosen sources extracted into a local folder, nothing changed remotely.
// The folder must be new or empty, so an extraction never mixes with (or overwrites) other files.
import { existsSync, lstatSync, readdirSync, statfsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describeError, UsageError } from '../errors.js';
import type { SourceFigures } from '../archive/facts.js';
import type { RestorePlan } from './plan.js';
import { requiredFreeBytes } from './plan.js';
import type { ChecklistItem, SpaceFact } from './readiness-verdict.js';
import { extractArchive } from '../tools/borg/extract.js';
import type { BorgContext } from '../tools/borg/run.js';
import { ensurePrivateDir } from '../util/private.js';
import { counted, humanBytes } from '../util/table.js';
import { selectionArchivePaths } from './selection.js';

/** The absolute folder to extract into; throws UsageError when it exists and is not an empty folder. */
export function prepareIntoDir(dir: string): string {
  const abs = resolve(dir);
  if (existsSync(abs)) {
    if (!lstatSync(abs).isDirectory()) throw new UsageError(`--into ${abs}: exists and is not a folder`);
    if (readdirSync(abs).length > 0) throw new UsageError(`--into ${abs}: the folder is not empty (choose a new or empty folder)`);
  }
  return abs;
}

/** Free space of the filesystem that will hold `dir` against the bytes of the chosen sources. */
export function localSpaceFact(dir: string, bytes: number, margin: number, minFree: number): SpaceFact {
  let at = dir;
  while (!existsSync(at)) at = resolve(at, '..');
  const neededBytes = requiredFreeBytes(bytes, margin, minFree);
  try {
    const st = statfsSync(at);
    return { where: `local ${at}`, freeBytes: Number(st.bavail) * Number(st.bsize), neededBytes };
  } catch (e) {
    return { where: `local ${at}`, neededBytes, error: describeError(e) };
  }
}

/**
 * Extracts each source of the plan into `<dir>/<source>`, `dir` made 0700 first: the files keep
 * the server's owners and modes, setuid bits included, so no other local user may reach them.
 * Throws ToolError when borg fails.
 */
export async function extractInto(borg: BorgContext, plan: RestorePlan, dir: string): Promise<void> {
  ensurePrivateDir(dir);
  const granular = plan.steps.filter((s) => s.selection).map((s) => selectionArchivePaths(s.source, s.selection!));
  const prefix = [...plan.steps.filter((s) => !s.selection).map((s) => s.source), ...granular.flatMap((p) => p.prefix)];
  await extractArchive(borg, plan.repository, plan.archive, dir, { prefix, exact: granular.flatMap((p) => p.exact) });
}

/** Regular files and bytes under a local folder (hard links counted per path, like `find -type f`). */
export function localTreeFigures(dir: string): SourceFigures {
  const out = { files: 0, bytes: 0 };
  if (!existsSync(dir)) return out;
  const walk = (p: string) => {
    for (const name of readdirSync(p)) {
      const child = join(p, name);
      const st = lstatSync(child);
      if (st.isDirectory()) walk(child);
      else if (st.isFile()) {
        out.files++;
        out.bytes += st.size;
      }
    }
  };
  walk(dir);
  return out;
}

/** Checks that each extracted folder holds what the archive lists. */
export function checkInto(plan: RestorePlan, dir: string, figures: Record<string, SourceFigures>): ChecklistItem[] {
  return plan.steps.map((s) => {
    const want = s.selection ? { files: s.files, bytes: s.bytes } : (figures[s.source] ?? { files: 0, bytes: 0 });
    const got = localTreeFigures(join(dir, s.source));
    const pass = got.files === want.files && got.bytes === want.bytes;
    return {
      name: `${s.source}: files at ${join(dir, s.source)}`,
      status: pass ? 'pass' : 'fail',
      figure: `${counted(got.files, 'file')}, ${humanBytes(got.bytes)} (${got.bytes} B); archive: ${counted(want.files, 'file')}, ${want.bytes} B`,
    };
  });
}
