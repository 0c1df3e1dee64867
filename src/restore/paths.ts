// Path safety for restores: a target path must be absolute and already normal (no `..`, no `.`,
// no doubled slashes), and a file named inside an archive must stay inside its source folder.
import { posix } from 'node:path';

/** Why `path` is refused as a restore target, or undefined when it is safe. */
export function unsafeTargetPath(path: string): string | undefined {
  if (path.includes('\0')) return 'contains a NUL byte';
  if (!path.startsWith('/')) return 'is not absolute';
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (trimmed === '/') return 'is the root directory';
  if (trimmed.split('/').some((seg) => seg === '..' || seg === '.')) return 'contains "." or ".." segments';
  if (posix.normalize(trimmed) !== trimmed) return 'is not normalized';
  return undefined;
}

/** The normalized target path (no trailing slash); throws an Error saying why when unsafe. */
export function safeTargetPath(path: string): string {
  const why = unsafeTargetPath(path);
  if (why) throw new Error(`target path ${JSON.stringify(path)} ${why}`);
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** Why a path relative to a source folder (a dump file in the manifest) is refused, or undefined. */
export function unsafeRelativePath(rel: string): string | undefined {
  if (rel === '' || rel.includes('\0')) return 'is empty or contains a NUL byte';
  if (rel.startsWith('/')) return 'is absolute';
  if (rel.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')) return 'escapes its folder or is not normalized';
  return undefined;
}

/** The directories from `path` up to `/`, nearest first (for "the path or its nearest existing parent"). */
export function selfAndParents(path: string): string[] {
  const out: string[] = [];
  let p = path;
  for (;;) {
    out.push(p);
    if (p === '/') return out;
    p = posix.dirname(p);
  }
}
