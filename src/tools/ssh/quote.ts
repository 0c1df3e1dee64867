// THE one place where an argv becomes the command string an SSH server hands to the login shell.
// ssh2's exec takes a single string that the remote user's shell (POSIX sh) parses, so every
// argument is single-quoted unless it consists only of characters no shell treats specially.

/** Characters that mean nothing to sh in any position of an argument (no `=` first, no `~`, no glob). */
const SAFE = /^[A-Za-z0-9_@%+:,./-]+$/;

/** One argument quoted for POSIX sh: plain args as they are, otherwise single-quoted with `'` -> `'\''`. */
export function shellQuote(arg: string): string {
  if (arg === '') return "''";
  if (SAFE.test(arg)) return arg;
  return `'${arg.split("'").join(`'\\''`)}'`;
}

/** The remote command string for argv: each argument quoted, joined by spaces; throws on an empty argv or a NUL byte. */
export function shellCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('shellCommand: empty argv');
  for (const a of argv) {
    // A NUL cannot be passed through any shell argument; refuse rather than truncate silently.
    if (a.includes('\0')) throw new Error('shellCommand: argument contains a NUL byte');
  }
  return argv.map(shellQuote).join(' ');
}

/** The first stderr line of a command built by shellCommandReportingPid: `pullback-pid <pid>`. */
export const PID_REPORT_PATTERN = /^pullback-pid (\d+)$/;

/**
 * The remote command string for argv, prefixed so the remote shell first reports its PID on stderr
 * and then execs argv in its place. sshd makes that process a session leader, so `kill -- -PID`
 * later reaches argv and all its children. Needed because OpenSSH ignores channel signal requests
 * for root logins and without privilege separation, and closing a channel kills nothing.
 */
export function shellCommandReportingPid(argv: readonly string[]): string {
  return `echo "pullback-pid $$" >&2; exec ${shellCommand(argv)}`;
}
