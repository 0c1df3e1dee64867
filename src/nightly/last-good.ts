// A source that failed tonight is archived with its last good state, never a half-updated one:
// its entry of the host's newest archive describes that state (dumps, pull). Its folder in the
// mirror is archived as it is only while the catalog records it clean as of that very archive
// (catalog/source-mirrors.ts); a folder tonight's failed rsync, or an earlier night's killed or
// failed pull, may have changed is replaced by the folder extracted from that archive. Without any
// earlier archive of it there is no good state: it is left out, and the output and the archive's
// comment say why.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { recordSourceMirror, sourceMirrorState } from '../catalog/source-mirrors.js';
import { readManifest } from '../archive/facts.js';
import { nightlyGlob } from '../tools/borg/flags.js';
import { extractArchive } from '../tools/borg/extract.js';
import { listArchives } from '../tools/borg/list.js';
import { borgContext, hostMirrorDir, hostRepo, type HostContext, type StepOutcome } from '../job/context.js';
import type { SourceState } from './state.js';

/** Finds (and when needed puts back) the last good state of a failed source; updates `s`; never throws for a missing archive. */
export async function keepLastGood(ctx: HostContext, s: SourceState): Promise<StepOutcome> {
  const name = s.source.name;
  const borg = borgContext(ctx);
  const repo = hostRepo(ctx);
  const mirror = hostMirrorDir(ctx.global, ctx.host.name);
  const scratch = join(mirror, `.last-good-${name}`);
  try {
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    const newest = (await listArchives(borg, repo, nightlyGlob(ctx.host.name))).at(-1);
    const manifest = newest ? await readManifest(borg, repo, newest.name, scratch) : undefined;
    const entry = manifest?.sources.find((e) => e.name === name && e.status !== 'failed');
    const state = sourceMirrorState(ctx.catalog, ctx.host.name, name);
    if (!newest || !entry) {
      // Nothing to put back: whatever the folder holds (nothing, or what a pull left half-done) is no good state.
      s.leftOut = state === undefined && !s.mirrorTouched ? 'no earlier copy' : 'no earlier copy, and its mirror may be half-updated';
      return { status: 'warning', error: `${name}: ${s.leftOut}: left out of tonight's archive (no archive holds a good state of it yet)` };
    }
    // Clean as of the newest archive: the folder is that archive's copy, byte for byte (no pull wrote to it since).
    if (!s.mirrorTouched && state?.clean && state.archive === newest.name) {
      s.keptFrom = { archive: newest.name, manifest: entry };
      return { status: 'ok', details: { keptFrom: newest.name, extracted: false } };
    }
    // A pull (tonight's, or a killed or failed one of an earlier night) may have replaced some files:
    // put the archived folder back whole.
    recordSourceMirror(ctx.catalog, ctx.host.name, name, { clean: false });
    await extractArchive(borg, repo, newest.name, scratch, { prefix: [name] });
    s.keptFrom = { archive: newest.name, manifest: entry };
    const extracted = join(scratch, name);
    if (!existsSync(extracted)) mkdirSync(extracted, { recursive: true });
    const current = join(mirror, name);
    const aside = join(mirror, `.half-updated-${name}`);
    rmSync(aside, { recursive: true, force: true });
    if (existsSync(current)) renameSync(current, aside);
    renameSync(extracted, current);
    recordSourceMirror(ctx.catalog, ctx.host.name, name, { clean: true, archive: newest.name });
    try {
      rmSync(aside, { recursive: true, force: true });
    } catch (e) {
      // The good state is in place; only the half-updated copy could not be removed.
      return { status: 'warning', error: `${name}: the half-updated mirror kept at ${aside} could not be removed: ${(e as Error).message}`, details: { keptFrom: newest.name, extracted: true } };
    }
    return { status: 'ok', details: { keptFrom: newest.name, extracted: true } };
  } catch (e) {
    // Whatever failed (borg, a full disk), a folder not proven to be the last good state is not
    // archived as if it were: it is left out.
    s.leftOut = 'its last good state could not be put back';
    s.keptFrom = undefined;
    return { status: 'failed', error: `${name}: ${s.leftOut} (${(e as Error).message}), so it is left out of tonight's archive` };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
