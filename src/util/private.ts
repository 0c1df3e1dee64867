// Files only pullback's own user may read: the state directory, mirror tops, logs and catalog hold
// dumps (role password hashes among them) and the history of every host. Directories 0700, files
// 0600, also when they already exist with wider modes (an upgrade from a release that made them 0755).
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';

/** Creates `dir` (and missing parents, 0700) and makes `dir` itself 0700; throws on I/O errors. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
}

/** Creates `file` empty if missing and makes it 0600; throws on I/O errors. */
export function ensurePrivateFile(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  if ((statSync(file).mode & 0o777) !== 0o600) chmodSync(file, 0o600);
}
