// Issue 22: what the operator reads when archives vanished from the repository, and borg's refusal
// of a rolled-back repository recognised and said in plain words.
import { describe, expect, it } from 'vitest';
import { describeArchive, explainComparison, needsAttention, type ArchiveComparison } from '../../../src/archive/vanished.js';
import { archiveLossVerdict } from '../../../src/report/archive-loss.js';
import { rolledBack, saysRolledBack } from '../../../src/tools/borg/exit-codes.js';
import { buildDeleteCacheArgs } from '../../../src/tools/borg/security.js';
import { buildConfigIdArgs } from '../../../src/tools/borg/repo-id.js';

const BORG_LINE = 'Cache, or information obtained from the security directory is newer than repository - this is either an attack or unsafe (multiple repos with same ID)';
const gone = { name: 'main-20261207T035414Z', createdAt: '2026-12-07T03:54:14.000Z', size: 2048, files: 3, sources: ['data', 'db'], vanishedAt: '2026-12-08T02:00:00.000Z' };
const base: ArchiveComparison = { repository: '/srv/borg/main', host: 'main', rolledBack: true, vanished: [gone], expected: 3, newestListed: 'main-20261206T020000Z' };

describe('a repository that went back in time', () => {
  it("recognises borg 1.2's refusal (encrypted and unencrypted) and says it plainly, with borg's words kept", () => {
    expect(saysRolledBack(BORG_LINE)).toBe(true);
    expect(saysRolledBack('Cache is newer than repository - do you have multiple, independently updated repos with same ID?')).toBe(true);
    expect(saysRolledBack('Repository /x does not exist.')).toBe(false);
    const v = rolledBack(BORG_LINE);
    expect(v).toMatchObject({ kind: 'failed', cause: 'rolled-back' });
    expect(v.kind === 'failed' && v.reason).toMatch(/^the repository went back in time: it lost its newest transaction\(s\)/);
    expect(v.kind === 'failed' && v.reason).toContain('pullback repo accept-rollback --host HOST');
  });

  it('names each archive that is gone with its time and what it held, the older ones kept, and the command', () => {
    expect(describeArchive(gone)).toMatch(/^main-20261207T035414Z \(made 2026-12-07T03:54:14Z; held sources data, db, 3 file\(s\), \S+ \S+\)$/);
    const text = explainComparison(base);
    expect(text).toMatch(/^Repository \/srv\/borg\/main went back in time: it lost its newest transaction\(s\)/);
    expect(text).toContain('1 archive(s) pullback recorded are gone from it: main-20261207T035414Z (made 2026-12-07T03:54:14Z; held sources data, db, 3 file(s)');
    expect(text).toContain('The 2 older archive(s) are still there (newest: main-20261206T020000Z)');
    expect(text).toContain('`pullback repo accept-rollback --host main`');
    expect(text).not.toMatch(/attack/);
    expect(explainComparison({ ...base, rolledBack: false })).toContain('or they were deleted outside pullback');
    expect(needsAttention({ ...base, rolledBack: false, vanished: [] })).toBe(false);
    expect(explainComparison({ ...base, rolledBack: false, vanished: [] })).toBe('');
  });

  it('says when the transaction lost is most likely a repair (no archive since it): its damage may be back, and the repair is named as the next step', () => {
    const text = explainComparison({ ...base, vanished: [], expected: 2, repairLost: '2026-12-08T01:23:17.000Z' });
    expect(text).toContain("pullback's newest write to it was `pullback check --repair` of 2026-12-08T01:23:17Z (no archive since): most likely that repair is the transaction lost, and then the damage it repaired is back");
    expect(text).toContain('The 2 older archive(s) are still there');
    expect(text).toContain('`pullback repo accept-rollback --host main`');
    expect(text).toMatch(/`pullback check --host main --repair` repairs it again\.$/);
    expect(explainComparison(base)).not.toContain('check --repair');
  });

  it("uses borg's documented commands: the cache alone deleted, the id read without the manifest", () => {
    expect(buildDeleteCacheArgs('/srv/borg/main')).toEqual(['delete', '--lock-wait', '2', '--cache-only', '/srv/borg/main']);
    expect(buildConfigIdArgs('ssh://b/x')).toEqual(['config', '--lock-wait', '2', 'ssh://b/x', 'id']);
  });
});

describe('the status line of archives that are gone', () => {
  const now = new Date('2026-12-09T00:00:00Z');
  it('is red while one is gone and not accepted, amber once accepted until a nightly archive, then green with the loss said', () => {
    expect(archiveLossVerdict('main', { unresolved: [], lost: [] }, now).light).toBe('green');
    const red = archiveLossVerdict('main', { unresolved: [gone], lost: [] }, now);
    expect(red.light).toBe('red');
    expect(red.reason).toContain('1 archive(s) gone from the repository (noticed 2026-12-08T02:00:00Z): main-20261207T035414Z');
    expect(red.reason).toContain('`pullback repo accept-rollback --host main`');
    const lost = { ...gone, lostAt: '2026-12-08T09:00:00.000Z' };
    expect(archiveLossVerdict('main', { unresolved: [], lost: [lost] }, new Date('2026-12-07T02:00:00Z'))).toMatchObject({ light: 'amber' });
    const after = archiveLossVerdict('main', { unresolved: [], lost: [lost] }, new Date('2026-12-09T02:00:00Z'));
    expect(after.light).toBe('green');
    expect(after.reason).toContain('1 archive(s) lost (accepted 2026-12-08T09:00:00Z)');
  });
});
