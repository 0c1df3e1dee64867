// Who owns a file, in the words a person uses: the login name of a uid.
import { readFileSync } from 'node:fs';

/** The login name of `uid` from /etc/passwd; undefined when it has no entry or there is no passwd file. */
export function loginName(uid: number): string | undefined {
  try {
    return readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((l) => l.split(':'))
      .find((f) => f[2] === String(uid))?.[0];
  } catch {
    return undefined; // no passwd file: callers say the number
  }
}
