// rsync's exit codes, interpreted in one table.
import { isSummaryLine, RsyncStderrTally } from './stderr-tally.js';

export { isVanishedLine, RsyncStderrTally } from './stderr-tally.js';

/** Why ssh would not connect, when no retry can help: the host key, or the login. */
export type SshRefusal = 'host-key' | 'login';

export type RsyncVerdict =
  | { kind: 'ok' }
  | { kind: 'warning'; reason: string }
  | { kind: 'retry'; reason: string }
  /** `noSpace`: the receiving filesystem was full (ENOSPC, or the quota): no retry helps until space is freed. */
  | { kind: 'failed'; reason: string; refused?: SshRefusal; noSpace?: true };

const TRANSPORT: Record<number, string> = {
  255: 'ssh connection failed',
  12: 'error in the rsync protocol data stream (connection lost)',
  30: 'timeout in data send/receive',
  35: 'timeout waiting for daemon connection',
};

const MEANING: Record<number, string> = {
  1: 'syntax or usage error',
  2: 'protocol incompatibility',
  3: 'errors selecting input/output files or directories',
  5: 'error starting client-server protocol',
  10: 'error in socket I/O',
  11: 'error in file I/O',
  13: 'errors with program diagnostics',
  14: 'error in IPC code',
  20: 'received SIGUSR1 or SIGINT',
  22: 'error allocating core memory buffers',
  23: 'partial transfer due to error',
  24: 'some source files vanished before they could be transferred',
  25: 'the --max-delete limit stopped deletions',
};

/** rsync exits that mean the transfer itself broke (ssh, the protocol stream, rsync's timeouts): retried. */
export function isTransportExit(exitCode: number | undefined): boolean {
  return exitCode !== undefined && TRANSPORT[exitCode] !== undefined;
}

// What OpenSSH prints when it will not connect however often we try.
const REFUSALS: Array<[RegExp, SshRefusal]> = [
  [/^Host key for \S+ has changed/, 'host-key'],
  [/^No \S+ host key is known for /, 'host-key'],
  [/^Host key verification failed\./, 'host-key'],
  [/: Permission denied \((publickey|password|keyboard-interactive|hostbased|gssapi)/, 'login'],
];

/** The ssh refusal in rsync's stderr (exit 255), if any, with the line that says it. */
export function sshRefusal(stderr: readonly string[]): { kind: SshRefusal; line: string } | undefined {
  for (const [re, kind] of REFUSALS) {
    const line = stderr.find((l) => re.test(l));
    if (line) return { kind, line: line.trim() };
  }
  return undefined;
}

/** rsync's words when a write failed because the filesystem (or the user's quota) is full. */
const NO_SPACE = /No space left on device \(28\)|Disk quota exceeded \(122\)/;

/** The line that best explains a transport failure (ssh's own complaint), if there is one. */
function transportLine(stderr: readonly string[]): string | undefined {
  const useful = stderr.filter((l) => !isSummaryLine(l) && !/^rsync: connection unexpectedly closed/.test(l) && !/^@+$/.test(l.trim()));
  return (useful.find((l) => /^ssh: /.test(l)) ?? useful[0])?.trim();
}

/**
 * The verdict for an rsync exit, given what it said on stderr (a tally of every line, or the lines
 * themselves) and whether we killed it on a timeout. Exit 23 is a warning only when not one line
 * of everything rsync said was an error other than a vanished file.
 */
export function classifyRsyncExit(exitCode: number | undefined, said: RsyncStderrTally | readonly string[], timedOut = false): RsyncVerdict {
  const tally = said instanceof RsyncStderrTally ? said : new RsyncStderrTally(said);
  const stderr = tally.lines();
  if (timedOut) return { kind: 'retry', reason: 'rsync timed out' };
  if (exitCode === undefined) return { kind: 'failed', reason: 'rsync was killed' };
  if (exitCode === 0) return { kind: 'ok' };
  // A full disk ends the transfer with exit 11 (or 23 when only some files failed): say so, not "file I/O".
  const full = [...tally.samples.error, ...stderr].find((l) => NO_SPACE.test(l));
  if (full) return { kind: 'failed', noSpace: true, reason: `no space left on device: ${full.trim()} (rsync exit ${exitCode})` };
  if (exitCode === 24) return { kind: 'warning', reason: MEANING[24]! };
  // The forced command of pullback's restricted keys refused the request (exit 126 behind rsync's
  // 12 or 255): asking again gets the same answer.
  const gate = stderr.find((l) => l.startsWith('pullback-gate: refused: '));
  if (gate) return { kind: 'failed', reason: `the server refused the request: ${gate.trim()} (rsync exit ${exitCode})` };
  if (TRANSPORT[exitCode]) {
    // When ssh cannot connect, rsync ends with 255 (ssh's exit) or 12 (it saw the stream close
    // first): a race. ssh's own line is the evidence then, and the reason is the same whichever
    // exit won, so the same failure reads the same every night (the report groups identical ones).
    const sshExit = exitCode === 255 || exitCode === 12;
    const refusal = sshExit ? sshRefusal(stderr) : undefined;
    if (refusal?.kind === 'host-key') return { kind: 'failed', refused: 'host-key', reason: `ssh refused the server's host key: ${refusal.line}` };
    if (refusal) return { kind: 'failed', refused: 'login', reason: `ssh login refused: ${refusal.line}` };
    const said = transportLine(stderr);
    if (sshExit && said?.startsWith('ssh: ')) return { kind: 'retry', reason: `${TRANSPORT[255]}: ${said}` };
    return { kind: 'retry', reason: `${TRANSPORT[exitCode]}${said ? `: ${said}` : ''} (rsync exit ${exitCode})` };
  }
  if (exitCode === 23) {
    const { vanished, changed, error } = tally.counts;
    const moving = [vanished > 0 ? `${vanished} vanished file(s)` : '', changed > 0 ? `${changed} file(s) that shrank while being read (sent again from their new state)` : ''].filter(Boolean).join(' and ');
    if (error === 0 && vanished > 0 && changed === 0) {
      return { kind: 'warning', reason: `${vanished} file(s) vanished during the transfer (rsync exit 23)` };
    }
    if (error === 0 && changed > 0) return { kind: 'warning', reason: `files changed during the transfer: ${moving} (rsync exit 23)` };
    const first = tally.samples.error[0];
    const more = error > 1 ? `; ${error} error line(s) in all${moving ? `, besides ${moving}` : ''}` : moving ? `; besides ${moving}` : '';
    return { kind: 'failed', reason: `${MEANING[23]}${first ? `: ${first}` : ''}${more} (rsync exit 23)` };
  }
  return { kind: 'failed', reason: `${MEANING[exitCode] ?? 'rsync failed'} (rsync exit ${exitCode})` };
}
