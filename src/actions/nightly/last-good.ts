// A source that failed tonight is archived with its last good state, never a half-updated one:
// its entry of the host's newest archive describes that state (dumps, pull), and when tonight's
// failed rsync may have changed its mirror, the folder is extracted from that archive and swapped
// in for the mirror's. Without any earlier archive there is no good state: it is left out.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest } from '../restore/archive-facts.js';
import { nightlyGlob } from '../../tools/borg/args.js';
import { extractArchive } from '../../tools/borg/items.js';
import { listArchives } from '../../tools/borg/repo.js';
import { borgContext, hostMirrorDir, hostRepo, type HostContext, type StepOutcome } from '../context.js';
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
    if (!newest || !entry) {
      if (!s.mirrorTouched) return { status: 'ok', details: { kept: 'mirror' }, error: undefined };
      s.leftOut = true;
      return { status: 'warning', error: `${name}: no earlier archive holds it, so it is left out of tonight's archive (its mirror may be half-updated)` };
    }
    if (!s.mirrorTouched) {
      s.keptFrom = { archive: newest.name, manifest: entry as never };
      return { status: 'ok', details: { keptFrom: newest.name, extracted: false } };
    }
    // The failed pull may have replaced some files: put the archived folder back whole.
    await extractArchive(borg, repo, newest.name, scratch, { prefix: [name] });
    s.keptFrom = { archive: newest.name, manifest: entry as never };
    const extracted = join(scratch, name);
    if (!existsSync(extracted)) mkdirSync(extracted, { recursive: true });
    const current = join(mirror, name);
    const aside = join(mirror, `.half-updated-${name}`);
    rmSync(aside, { recursive: true, force: true });
    if (existsSync(current)) renameSync(current, aside);
    renameSync(extracted, current);
    try {
      rmSync(aside, { recursive: true, force: true });
    } catch (e) {
      // The good state is in place; only the half-updated copy could not be removed.
      return { status: 'warning', error: `${name}: the half-updated mirror kept at ${aside} could not be removed: ${(e as Error).message}`, details: { keptFrom: newest.name, extracted: true } };
    }
    return { status: 'ok', details: { keptFrom: newest.name, extracted: true } };
  } catch (e) {
    // Whatever failed (borg, a full disk), a mirror tonight's pull touched is not a good state:
    // it is left out rather than archived as if it were.
    if (!s.mirrorTouched) throw e;
    s.leftOut = true;
    s.keptFrom = undefined;
    return { status: 'failed', error: `${name}: its last good state could not be put back (${(e as Error).message}), so it is left out of tonight's archive` };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
