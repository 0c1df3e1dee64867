// A drill's candidates from the host's mirror, while it still equals the drilled archive: the
// regular files of the folders the archive holds, named as borg names them (`source/rest`), read
// one directory at a time and handed on as they are read (nothing kept). A walk of the file system
// costs a fraction of borg's walk of every item of the archive (which decrypts, unpacks and
// formats each one), and it is checked afterwards against borg's record of every sampled file.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ItemPath } from '../tools/borg/list-items.js';

/** A mirror entry whose name borg would not print the same way (not valid UTF-8): the walk gives up. */
export class UnnamedEntry extends Error {}

/**
 * Walks `sources` (top-level folders of `mirror`) and hands every regular file to `onFile` as an
 * archive item; directories are descended, symbolic links and special files skipped (never
 * candidates). Throws UnnamedEntry for a name that is not valid UTF-8, and the file system's error
 * for a folder that cannot be read.
 */
export async function walkMirror(mirror: string, sources: readonly string[], onFile: (item: ItemPath) => void): Promise<void> {
  const pending = [...sources].reverse();
  while (pending.length > 0) {
    const rel = pending.pop()!;
    for (const e of await readdir(join(mirror, rel), { withFileTypes: true })) {
      // Node decodes names as UTF-8, replacing what is not; borg prints such bytes as they are.
      if (e.name.includes('\uFFFD')) throw new UnnamedEntry(`${rel}/${e.name}`);
      const path = `${rel}/${e.name}`;
      if (e.isDirectory()) pending.push(path);
      else if (e.isFile()) onFile({ type: '-', mode: '-', path });
    }
  }
}
