// The borg passphrase file opens every archive: only the user pullback runs as may read it. A file
// that group or others may read, or that another user owns (and so may rewrite or share), makes
// every command that opens a repository refuse to start, before anything is done.
import { statSync } from 'node:fs';
import type { GlobalConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { loginName } from '../util/login-name.js';

/** Why the passphrase file at `path` is not private to this user, with the fix; undefined when it is (or cannot be stat'ed: the preflight names that). */
export function passphraseFileProblem(path: string, uid: number = process.getuid?.() ?? 0): string | undefined {
  let st;
  try {
    st = statSync(path);
  } catch {
    return undefined;
  }
  const mode = st.mode & 0o777;
  const wrongMode = (mode & 0o077) !== 0;
  const wrongOwner = st.uid !== uid;
  if (!wrongMode && !wrongOwner) return undefined;
  const is = `is mode ${mode.toString(8).padStart(4, '0')}, owned by ${userName(st.uid)}`;
  const must = `it must be readable by its owner only (mode 600) and owned by ${userName(uid)}, the user pullback runs as`;
  const fixes = [...(wrongOwner ? [`chown ${userName(uid, false)} ${path}`] : []), ...(wrongMode ? [`chmod 600 ${path}`] : [])];
  return `borg passphrase file ${path} ${is}: ${must}; fix: ${fixes.join(' && ')}`;
}

/** Throws a ConfigError (exit 2) when the configured passphrase file is not private to this user. */
export function assertPassphraseFilePrivate(global: GlobalConfig): void {
  const file = global.repository.encryption !== 'none' ? global.repository.passphraseFile : undefined;
  const problem = file ? passphraseFileProblem(file) : undefined;
  if (problem) throw new ConfigError([{ file: global.file, key: 'repository.passphrase_file', message: problem }]);
}

/** `name (uid N)` from /etc/passwd, or `uid N` when it has no entry; without `withUid` the name alone (or the number), for a command. */
function userName(uid: number, withUid = true): string {
  const name = loginName(uid);
  if (!withUid) return name ?? String(uid);
  return name ? `${name} (uid ${uid})` : `uid ${uid}`;
}
