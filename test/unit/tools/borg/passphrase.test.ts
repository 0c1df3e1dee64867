// A wrong passphrase is recognised from borg's own line (PassphraseWrong), whatever its exit code.
import { describe, expect, it } from 'vitest';
import { saysWrongPassphrase, wrongPassphrase } from '../../../../src/tools/borg/exit-codes.js';

describe('saysWrongPassphrase', () => {
  it("recognises borg 1.2's PassphraseWrong line and nothing else", () => {
    expect(saysWrongPassphrase('passphrase supplied in BORG_PASSPHRASE, by BORG_PASSCOMMAND or via BORG_PASSPHRASE_FD is incorrect.')).toBe(true);
    expect(saysWrongPassphrase('  passphrase supplied in BORG_PASSPHRASE or by BORG_PASSCOMMAND is incorrect.')).toBe(true);
    expect(saysWrongPassphrase('Data integrity error: Segment entry checksum mismatch [segment 3, offset 41]')).toBe(false);
    expect(saysWrongPassphrase('file "passphrase supplied in x is incorrect" is part of the archive')).toBe(false);
  });

  it('gives a failed verdict that names the passphrase file and its cause', () => {
    expect(wrongPassphrase('/etc/pullback/borg-passphrase')).toEqual({
      kind: 'failed',
      reason: 'wrong passphrase: the borg passphrase file /etc/pullback/borg-passphrase does not open the repository key',
      cause: 'wrong-passphrase',
    });
  });
});
