// The ssh argv for rsync's -e: quoting that survives rsync's own splitter and OpenSSH's option parser.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { buildSshArgv, rsyncRemoteShell, sshConfigValue } from '../../../src/tools/ssh/options.js';
import { makeTempDir } from '../../harness/index.js';
import { globalConfig, hostConfig } from './fixture.js';

const HOSTILE = ["plain", "with space", "it's", 'say "hi"', "''", '""', '', 'tab\there', 'back\\slash', "mixed 'a' \"b\" c", '-dash'];

/** Runs real rsync with `-e shell` and a recorder as the "ssh" program; returns the argv rsync gave it. */
async function argvAsRsyncSplitsIt(shell: string, recorderDir: string): Promise<string[]> {
  const out = join(recorderDir, 'argv');
  await execa('rsync', ['--list-only', '-e', shell, 'somehost:/x/'], { reject: false, env: { RECORD_TO: out } });
  const fields = readFileSync(out, 'utf8').split('\0');
  return fields.slice(0, -1);
}

function recorder(): { dir: string; path: string } {
  // The recorder itself lives in a path rsync must keep whole: spaces and both quotes.
  const dir = join(makeTempDir('rsync-e-'), `rec "dir" it's`);
  mkdirSync(dir);
  const path = join(dir, 'record me');
  writeFileSync(path, '#!/bin/sh\nfor a in "$@"; do printf \'%s\\0\' "$a"; done > "$RECORD_TO"\nexit 1\n');
  chmodSync(path, 0o755);
  return { dir, path };
}

describe('rsyncRemoteShell', () => {
  it('leaves plain arguments alone and single-quotes the rest, doubling quotes inside', () => {
    expect(rsyncRemoteShell(['ssh', '-p', '22'])).toBe('ssh -p 22');
    expect(rsyncRemoteShell(['a b', "it's", '', 'x"y'])).toBe(`'a b' 'it''s' '' 'x"y'`);
  });

  it("gives the program exactly these arguments after rsync's own splitting", async () => {
    const rec = recorder();
    const argv = await argvAsRsyncSplitsIt(rsyncRemoteShell([rec.path, ...HOSTILE]), rec.dir);
    // rsync appends the host and its server command line after our arguments.
    expect(argv.slice(0, HOSTILE.length)).toEqual(HOSTILE);
    expect(argv[HOSTILE.length]).toBe('somehost');
  });
});

describe('sshConfigValue', () => {
  it('double-quotes values with whitespace or quotes, escaping backslash and double quote; doubles %', () => {
    expect(sshConfigValue('/etc/pullback/known_hosts')).toBe('/etc/pullback/known_hosts');
    expect(sshConfigValue('/a b/k')).toBe('"/a b/k"');
    expect(sshConfigValue(`/a/it's "k"\\x`)).toBe(`"/a/it's \\"k\\"\\\\x"`);
    expect(sshConfigValue('/a/50%/k')).toBe('/a/50%%/k');
  });

  it('is read back by OpenSSH as the original path (ssh -G)', async () => {
    const path = `/tmp/it's a "known" hosts\\file 100%h`;
    const r = await execa('ssh', ['-G', '-o', `UserKnownHostsFile=${sshConfigValue(path)}`, 'somehost'], { reject: false });
    expect(r.stdout.split('\n')).toContain(`userknownhostsfile ${path}`);
  });
});

describe('buildSshArgv', () => {
  it('reads no ssh_config (-F /dev/null), verifies host keys, never prompts, and uses only the configured identity', () => {
    const g = globalConfig({ ssh: { identityFile: '/k/id key', knownHosts: '/k/known hosts', connectTimeoutSeconds: 7 } });
    expect(buildSshArgv(g.ssh, hostConfig({ port: 2200, user: 'backup' }))).toEqual([
      'ssh',
      '-F', '/dev/null',
      '-o', 'IdentityFile="/k/id key"',
      '-p', '2200',
      '-l', 'backup',
      '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', 'UserKnownHostsFile="/k/known hosts"',
      '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'IdentitiesOnly=yes',
      '-o', 'UpdateHostKeys=no',
      '-o', 'ConnectTimeout=7',
      '-o', 'ServerAliveInterval=15',
      '-o', 'ServerAliveCountMax=4',
      '-o', 'LogLevel=ERROR',
    ]);
  });
});
