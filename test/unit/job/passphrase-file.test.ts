// The passphrase file must be private to the user pullback runs as: mode 600, owned by it.
import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertPassphraseFilePrivate, passphraseFileProblem } from '../../../src/job/passphrase-file.js';
import { ConfigError } from '../../../src/errors.js';
import { makeTempDir } from '../../harness/index.js';
import { globalConfig } from '../tools/fixture.js';

const uid = process.getuid!();

function secretFile(mode: number): string {
  const file = join(makeTempDir('passphrase-'), 'borg passphrase');
  writeFileSync(file, 'x\n');
  chmodSync(file, mode);
  return file;
}

describe('passphraseFileProblem', () => {
  it('accepts 600 and 400, refuses any group or other bit with the chmod that fixes it', () => {
    expect(passphraseFileProblem(secretFile(0o600))).toBeUndefined();
    expect(passphraseFileProblem(secretFile(0o400))).toBeUndefined();
    for (const mode of [0o644, 0o640, 0o604, 0o660, 0o610]) {
      const file = secretFile(mode);
      const p = passphraseFileProblem(file)!;
      expect(p, mode.toString(8)).toContain(`borg passphrase file ${file} is mode 0${mode.toString(8)}`);
      expect(p).toContain(`fix: chmod 600 ${file}`);
      expect(p).not.toContain('chown');
    }
  });

  it('refuses a file another user owns, naming both users and the chown', () => {
    const file = secretFile(0o600);
    // As another uid would see it: the file is root's (or this user's), pullback runs as uid+12345.
    const other = uid + 12345;
    const p = passphraseFileProblem(file, other)!;
    expect(p).toContain(`owned by ${uid === 0 ? 'root (uid 0)' : `uid ${uid}`}`);
    expect(p).toContain(`owned by uid ${other}, the user pullback runs as`);
    expect(p).toContain(`fix: chown ${other} ${file}`);
    if (uid === 0) {
      chownSync(file, 65534, 65534);
      chmodSync(file, 0o644);
      expect(passphraseFileProblem(file)).toMatch(/is mode 0644, owned by nobody \(uid 65534\).*fix: chown root .* && chmod 600 /);
    }
  });

  it('leaves a missing file to the preflight, and is a ConfigError naming the key', () => {
    expect(passphraseFileProblem(join(makeTempDir('passphrase-'), 'nope'))).toBeUndefined();
    const g = globalConfig();
    g.repository = { ...g.repository, encryption: 'repokey-blake2', passphraseFile: secretFile(0o644) };
    expect(() => assertPassphraseFilePrivate(g)).toThrow(ConfigError);
    expect(() => assertPassphraseFilePrivate(g)).toThrow(/repository\.passphrase_file: borg passphrase file .* is mode 0644/);
    g.repository = { ...g.repository, encryption: 'none' };
    expect(() => assertPassphraseFilePrivate(g)).not.toThrow();
  });
});
