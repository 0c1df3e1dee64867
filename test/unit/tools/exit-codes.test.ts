// The exit-code tables of rsync and borg: one verdict per code.
import { describe, expect, it } from 'vitest';
import { classifyBorgCheckExit, classifyBorgExit, noSpace, saysNoSpace } from '../../../src/tools/borg/exit-codes.js';
import { classifyRsyncExit, isVanishedLine } from '../../../src/tools/rsync/exit-codes.js';

const SUMMARY_23 = 'rsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1338) [generator=3.2.7]';
const VANISHED = [
  'file has vanished: "/srv/data/tmp/upload-1.part"',
  'rsync: [sender] send_files failed to open "/srv/data/b.log": No such file or directory (2)',
  'rsync: [sender] readlink_stat("/srv/data/c") failed: No such file or directory (2)',
];
const DENIED = 'rsync: [sender] send_files failed to open "/srv/data/secret": Permission denied (13)';

describe('classifyRsyncExit', () => {
  it("a refusal of pullback-gate (the restricted key's forced command) fails at once: asking again gets the same answer", () => {
    const gate = "pullback-gate: refused: '/srv/data' is a symlink or lies below one (it leads to '/etc' now): the allowed path '/srv/data' must be a real directory";
    const v = classifyRsyncExit(12, [gate, 'rsync: connection unexpectedly closed (0 bytes received so far) [Receiver]']);
    expect(v).toEqual({ kind: 'failed', reason: `the server refused the request: ${gate} (rsync exit 12)` });
  });

  it('0 is ok, 24 (vanished before transfer) a warning', () => {
    expect(classifyRsyncExit(0, [])).toEqual({ kind: 'ok' });
    expect(classifyRsyncExit(24, ['file has vanished: "/x"'])).toMatchObject({ kind: 'warning' });
  });

  it('23 is a warning only when every error line is about a vanished file', () => {
    expect(classifyRsyncExit(23, [...VANISHED, '', SUMMARY_23])).toMatchObject({ kind: 'warning', reason: expect.stringContaining('vanished') });
  });

  it('23 with any other error fails, naming the first real error', () => {
    const v = classifyRsyncExit(23, [VANISHED[0]!, DENIED, SUMMARY_23]);
    expect(v.kind).toBe('failed');
    expect(v).toMatchObject({ reason: expect.stringContaining('Permission denied') });
    expect(v).toMatchObject({ reason: expect.stringContaining('exit 23') });
  });

  it('a full disk (11, or 23/12 around it) fails as no space left, never retried, naming rsync\'s line', () => {
    const full = 'rsync: [receiver] write failed on "/var/lib/pullback/mirror/web/data/big": No space left on device (28)';
    for (const code of [11, 12, 23]) {
      const v = classifyRsyncExit(code, [full, 'rsync error: error in file IO (code 11) at receiver.c(381) [receiver=3.2.7]']);
      expect(v).toEqual({ kind: 'failed', noSpace: true, reason: `no space left on device: ${full} (rsync exit ${code})` });
    }
    expect(classifyRsyncExit(11, ['rsync: write failed on "/m/x": Disk quota exceeded (122)'])).toMatchObject({ noSpace: true });
  });

  it('23 without any error line (only the summary) fails', () => {
    expect(classifyRsyncExit(23, [SUMMARY_23]).kind).toBe('failed');
  });

  it.each([255, 12, 30, 35])('%i is a transport failure worth a retry', (code) => {
    expect(classifyRsyncExit(code, [SUMMARY_23])).toMatchObject({ kind: 'retry', reason: expect.stringMatching(new RegExp(`^[^:]+ \\(rsync exit ${code}\\)$`)) });
  });

  it('255 names what ssh said', () => {
    const stderr = ['ssh: connect to host 10.0.0.5 port 22: Connection refused', 'rsync: connection unexpectedly closed (0 bytes received so far) [Receiver]', 'rsync error: unexplained error (code 255) at io.c(232) [Receiver=3.2.7]'];
    expect(classifyRsyncExit(255, stderr)).toEqual({
      kind: 'retry',
      reason: 'ssh connection failed: ssh: connect to host 10.0.0.5 port 22: Connection refused',
    });
  });

  it('12 after ssh could not connect reads as 255 does (rsync saw the stream close before ssh exited: a race)', () => {
    // Seen against a closed port: the same night gives 12 or 255, and the report must see one failure.
    const said = ['ssh: connect to host 127.0.0.119 port 40461: Connection refused', 'rsync: connection unexpectedly closed (0 bytes received so far) [Receiver]'];
    expect(classifyRsyncExit(12, [...said, 'rsync error: error in rsync protocol data stream (code 12) at io.c(285) [Receiver=3.5.0]'])).toEqual(classifyRsyncExit(255, [...said, 'rsync error: unexplained error (code 255) at io.c(232) [Receiver=3.5.0]']));
    expect(classifyRsyncExit(12, ['Host key verification failed.', said[1]!])).toMatchObject({ kind: 'failed', refused: 'host-key' });
    // A stream lost after ssh connected says no ssh line: still the protocol stream (exit 12).
    expect(classifyRsyncExit(12, [said[1]!]).reason).toBe('error in the rsync protocol data stream (connection lost) (rsync exit 12)');
  });

  it('255 from a refused host key or login fails at once (no retry can help)', () => {
    // As OpenSSH 9.2 prints them (LogLevel=ERROR still shows the banner).
    const changed = [
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
      'Offending ED25519 key in /etc/pullback/known_hosts:1',
      'Host key for [10.0.0.5]:2222 has changed and you have requested strict checking.',
      'Host key verification failed.',
      'rsync: connection unexpectedly closed (0 bytes received so far) [Receiver]',
    ];
    expect(classifyRsyncExit(255, changed)).toEqual({
      kind: 'failed',
      refused: 'host-key',
      reason: "ssh refused the server's host key: Host key for [10.0.0.5]:2222 has changed and you have requested strict checking.",
    });
    const unknown = ['No ED25519 host key is known for [10.0.0.5]:2222 and you have requested strict checking.', 'Host key verification failed.'];
    expect(classifyRsyncExit(255, unknown)).toMatchObject({ kind: 'failed', refused: 'host-key', reason: expect.stringContaining('No ED25519 host key is known') });
    const login = ['backup@10.0.0.5: Permission denied (publickey,password).', 'rsync: connection unexpectedly closed (0 bytes received so far) [Receiver]'];
    expect(classifyRsyncExit(255, login)).toEqual({
      kind: 'failed',
      refused: 'login',
      reason: 'ssh login refused: backup@10.0.0.5: Permission denied (publickey,password).',
    });
    // A file's "Permission denied (13)" is not a login refusal.
    expect(classifyRsyncExit(255, [DENIED]).kind).toBe('retry');
  });

  it('a timeout is retried whatever the code; a kill without a code fails', () => {
    expect(classifyRsyncExit(undefined, [], true)).toMatchObject({ kind: 'retry', reason: 'rsync timed out' });
    expect(classifyRsyncExit(20, [], true).kind).toBe('retry');
    expect(classifyRsyncExit(undefined, []).kind).toBe('failed');
  });

  it.each([1, 2, 3, 5, 10, 11, 20, 25, 99])('%i fails', (code) => {
    expect(classifyRsyncExit(code, [])).toMatchObject({ kind: 'failed', reason: expect.stringContaining(`rsync exit ${code}`) });
  });
});

describe('isVanishedLine', () => {
  it('recognises the vanished forms and nothing else', () => {
    for (const l of VANISHED) expect(isVanishedLine(l), l).toBe(true);
    expect(isVanishedLine(DENIED)).toBe(false);
    expect(isVanishedLine('rsync: [sender] change_dir "/srv/gone" failed: No such file or directory (2)')).toBe(false);
    expect(isVanishedLine(SUMMARY_23)).toBe(false);
  });
});

describe('classifyBorgExit', () => {
  it('0 ok, 1 warning, 2 failed', () => {
    expect(classifyBorgExit(0)).toEqual({ kind: 'ok' });
    expect(classifyBorgExit(1)).toMatchObject({ kind: 'warning' });
    expect(classifyBorgExit(2)).toMatchObject({ kind: 'failed', reason: 'borg failed (exit 2)' });
  });

  it('a signal or a timeout fails, naming what happened', () => {
    expect(classifyBorgExit(143)).toMatchObject({ kind: 'failed', reason: 'borg was killed by signal 15' });
    expect(classifyBorgExit(undefined, false, 'SIGKILL')).toMatchObject({ kind: 'failed', reason: 'borg was killed by SIGKILL' });
    expect(classifyBorgExit(undefined)).toMatchObject({ kind: 'failed', reason: 'borg was killed' });
    expect(classifyBorgExit(0, true)).toMatchObject({ kind: 'failed', reason: 'borg timed out' });
  });
});

describe('classifyBorgCheckExit', () => {
  it('borg check says "found damage" with exit 1: a failure, not a warning', () => {
    expect(classifyBorgCheckExit(0)).toEqual({ kind: 'ok' });
    expect(classifyBorgCheckExit(1)).toEqual({ kind: 'failed', reason: 'borg check found problems (exit 1)' });
    expect(classifyBorgCheckExit(2)).toMatchObject({ kind: 'failed', reason: 'borg failed (exit 2)' });
    expect(classifyBorgCheckExit(1, true)).toMatchObject({ kind: 'failed', reason: 'borg timed out' });
  });
});

describe('borg on a full disk', () => {
  // Lines borg 1.2.4 printed on a full tmpfs (see test/faults/disk-full.test.ts for the real thing).
  it.each([
    'src/b: read: [Errno 28] No space left on device',
    'No space left on device, cleaning up partial transaction to free space.',
    'OSError: [Errno 28] No space left on device',
    'Insufficient free space to complete transaction (required: 169.42 kB, available: 61.44 kB).',
  ])('recognises %s', (line) => {
    expect(saysNoSpace(line)).toBe(true);
    expect(noSpace(line, 2)).toEqual({ kind: 'failed', cause: 'no-space', reason: `no space left on device (borg: ${line}; exit 2)` });
  });

  it('does not take other failures for a full disk', () => {
    expect(saysNoSpace('Failed to create/acquire the lock /r/lock.exclusive (timeout).')).toBe(false);
  });
});
