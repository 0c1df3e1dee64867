// The preflight's file checks: each problem names what the file is for and what is wrong with it.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileProblem, preflightFiles } from '../../../../src/actions/preflight.js';
import { makeTempDir } from '../../../harness/index.js';
import { globalConfig } from '../../tools/fixture.js';

describe('fileProblem', () => {
  it('says what the file is for and whether it is missing, not a file, empty or unreadable', () => {
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
    if (process.getuid?.() !== 0) {
      const locked = join(dir, 'locked');
      writeFileSync(locked, 'x');
      chmodSync(locked, 0);
      expect(fileProblem(locked, 'borg passphrase file')).toBe(`borg passphrase file ${locked} is not readable by this user (permission denied)`);
    }
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
