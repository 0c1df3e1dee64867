// The drill's attribute comparison: a restored file that lost an ACL or xattr the origin still has
// (unchanged since before the backup) is a mismatch; attributes changed after the backup are "changed".
import { describe, expect, it } from 'vitest';
import { classifyFile, xattrDifferences, type FileObservation } from '../../../src/drill/verdict.js';

const H = 'a'.repeat(64);
const ACL = { 'system.posix_acl_access': '0200000001000600ffffffff', 'user.note': '6869' };
const base: FileObservation = {
  path: 'data/x',
  restoredSha256: H,
  borgSha256: H,
  archivedSize: 10,
  archivedMtimeSeconds: 1000,
  restoredXattrs: { ...ACL },
  backupStartedSeconds: 5000,
  origin: { kind: 'present', type: 'file', size: 10, mtimeSeconds: 1000, sha256: H, xattrs: { ...ACL }, ctimeSeconds: 4000 },
};
const origin = base.origin as Extract<FileObservation['origin'], { kind: 'present' }>;

describe('xattrDifferences', () => {
  it('names lost, extra and differing attributes, ignoring host-specific security labels', () => {
    expect(xattrDifferences(ACL, ACL)).toEqual([]);
    expect(xattrDifferences({ 'user.note': '6869', 'user.new': '00' }, { ...ACL, 'security.selinux': '73797300' })).toEqual([
      'lost system.posix_acl_access',
      'extra user.new',
    ]);
    expect(xattrDifferences({ 'security.capability': '01' }, { 'security.capability': '02' })).toEqual(['security.capability differs']);
  });
});

describe('classifyFile with attributes', () => {
  it('matches when content and attributes agree', () => {
    expect(classifyFile(base)).toEqual({ path: 'data/x', verdict: 'match', reason: undefined, originCompared: true });
  });

  it('is a mismatch when the restored copy lost an ACL or xattr the origin had since before the backup', () => {
    const r = classifyFile({ ...base, restoredXattrs: { 'user.note': '6869' } });
    expect(r.verdict).toBe('mismatch');
    expect(r.reason).toBe('restored ACLs/xattrs differ from the origin, unchanged since before the backup: lost system.posix_acl_access');
    expect(classifyFile({ ...base, restoredXattrs: {} }).reason).toMatch(/lost system\.posix_acl_access, lost user\.note$/);
  });

  it('is "changed" when the origin\'s attributes changed after the pull began (or when that is unknown)', () => {
    expect(classifyFile({ ...base, restoredXattrs: {}, origin: { ...origin, ctimeSeconds: 5000 } }).verdict).toBe('changed');
    expect(classifyFile({ ...base, restoredXattrs: {}, origin: { ...origin, ctimeSeconds: undefined } }).verdict).toBe('changed');
    expect(classifyFile({ ...base, restoredXattrs: {}, backupStartedSeconds: undefined }).reason).toMatch(/^attributes \(ACLs\/xattrs\) changed since the backup: lost/);
  });

  it('does not compare attributes it could not read on either side', () => {
    expect(classifyFile({ ...base, restoredXattrs: undefined }).verdict).toBe('match');
    expect(classifyFile({ ...base, origin: { ...origin, xattrs: undefined, xattrsError: 'getfattr: not found' } }).verdict).toBe('match');
  });

  it('still reports a content mismatch first', () => {
    expect(classifyFile({ ...base, restoredXattrs: {}, origin: { ...origin, sha256: 'd'.repeat(64) } }).reason).toMatch(/differs from the origin, which still has/);
  });
});
