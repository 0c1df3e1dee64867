// The preflight's file checks: each problem names what the file is for and what is wrong with it.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileProblem, preflightFiles } from '../../../src/job/preflight.js';
import { makeTempDir } from '../../harness/index.js';
import { globalConfig } from '../tools/fixture.js';

/**
 * Runs `work` with the effective uid and gid of nobody when this process is root (as the tests run
 * here), then switches back: the kernel drops the effective capabilities with the uid, so file access
 * is checked as for any unprivileged user. Synchronous, so nothing else runs meanwhile.
 */
function asNobody<T>(work: () => T): T {
  if (process.getuid?.() !== 0) return work();
  const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }));
  process.setegid!(gid);
  process.seteuid!(uid);
  try {
    expect(process.geteuid!()).toBe(uid);
    return work();
  } finally {
    process.seteuid!(0);
    process.setegid!(0);
  }
}

describe('fileProblem', () => {
  it('says what the file is for and whether it is missing, not a file or empty', () => {
    const dir = makeTempDir('preflight-');
    const ok = join(dir, 'ok');
    writeFileSync(ok, 'x');
    mkdirSync(join(dir, 'adir'));
    writeFileSync(join(dir, 'empty'), '');
    expect(fileProblem(ok, 'borg passphrase file')).toBeUndefined();
    expect(fileProblem(join(dir, 'nope'), 'borg passphrase file')).toBe(`borg passphrase file ${join(dir, 'nope')} does not exist`);
    expect(fileProblem(join(ok, 'below'), 'SSH identity file')).toBe(`SSH identity file ${join(ok, 'below')} does not exist (a parent is not a directory)`);
    expect(fileProblem(join(dir, 'adir'), 'known_hosts file')).toBe(`known_hosts file ${join(dir, 'adir')} is not a file`);
    expect(fileProblem(join(dir, 'empty'), 'borg passphrase file', { nonEmpty: true })).toBe(`borg passphrase file ${join(dir, 'empty')} is empty`);
    expect(fileProblem(join(dir, 'empty'), 'known_hosts file')).toBeUndefined();
  });

  it('says a file this user cannot read is not readable (checked as nobody: root reads everything)', () => {
    const dir = makeTempDir('preflight-');
    chmodSync(dir, 0o755);
    const locked = join(dir, 'locked');
    writeFileSync(locked, 'x');
    chmodSync(locked, 0);
    const open = join(dir, 'open');
    writeFileSync(open, 'x');
    chmodSync(open, 0o644);
    // The readable file shows the unprivileged user reaches the directory: the verdict on `locked` is about `locked`.
    expect(asNobody(() => [fileProblem(locked, 'borg passphrase file'), fileProblem(open, 'borg passphrase file')])).toEqual([
      `borg passphrase file ${locked} is not readable by this user (permission denied)`,
      undefined,
    ]);
  });
});

describe('preflightFiles', () => {
  it('checks only what the job needs, every problem at once', () => {
    const dir = makeTempDir('preflight-');
    const g = globalConfig({ ssh: { identityFile: join(dir, 'id'), knownHosts: join(dir, 'kh'), connectTimeoutSeconds: 5 } });
    g.repository = { ...g.repository, encryption: 'repokey-blake2', passphraseFile: join(dir, 'pass') };
    expect(preflightFiles(g, { borg: true, ssh: true })).toEqual([
      `borg passphrase file ${join(dir, 'pass')} does not exist`,
      `SSH identity file ${join(dir, 'id')} does not exist`,
      `known_hosts file ${join(dir, 'kh')} does not exist`,
    ]);
    expect(preflightFiles(g, { borg: false, ssh: false })).toEqual([]);
    writeFileSync(join(dir, 'pass'), 'secret\n');
    expect(preflightFiles(g, { borg: true, ssh: false })).toEqual([]);
    expect(preflightFiles({ ...g, repository: { ...g.repository, encryption: 'none', passphraseFile: undefined } }, { borg: true, ssh: false })).toEqual([]);
  });
});
