// When a repository may be used, created, or must be refused (issue 9: an unmounted backup disk
// must never be replaced by a fresh empty repository).
import { describe, expect, it } from 'vitest';
import { decideRepo } from '../../../src/archive/repo-decision.js';

const ID = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
const never = { archives: 0 };

describe('decideRepo', () => {
  it('creates a missing repository only on the first archive of a repository and host never seen', () => {
    expect(decideRepo('/srv/borg/main', 'main', { kind: 'missing' }, never, 'archive')).toEqual({ action: 'create' });
    expect(decideRepo('/srv/borg/main', 'main', { kind: 'missing' }, never, 'read')).toEqual({ action: 'absent' });
  });

  it('refuses a missing repository that has archives in the catalog, for archives and reads alike', () => {
    const memory = { archives: 3, lastArchive: 'main-20240102T000000Z' };
    for (const purpose of ['archive', 'read'] as const) {
      const d = decideRepo('/srv/borg/main', 'main', { kind: 'missing' }, memory, purpose);
      expect(d.action).toBe('refuse');
      if (d.action !== 'refuse') continue;
      expect(d.reason).toMatch(/^repository \/srv\/borg\/main missing: is the backup disk mounted\?/);
      expect(d.reason).toContain('3 archive(s) there (newest main-20240102T000000Z)');
      expect(d.reason).toContain('`pullback init --host main` creates a new, empty repository deliberately');
    }
    const a = decideRepo('/srv/borg/main', 'main', { kind: 'missing' }, memory, 'archive');
    expect(a.action === 'refuse' && a.reason).toContain('nothing was created or archived');
  });

  it('refuses a missing repository whose id was recorded even when no archive is (all pruned away, or init only)', () => {
    const d = decideRepo('/r', 'h', { kind: 'missing' }, { recordedId: ID, recordedAt: '2024-01-01T00:00:00.000Z', archives: 0 }, 'archive');
    expect(d.action).toBe('refuse');
    expect(d.action === 'refuse' && d.reason).toContain('recorded it on 2024-01-01T00:00:00.000Z');
  });

  it('uses a present repository, recording its id the first time', () => {
    expect(decideRepo('/r', 'h', { kind: 'present', id: ID }, never, 'archive')).toEqual({ action: 'use', record: true });
    expect(decideRepo('/r', 'h', { kind: 'present', id: ID }, { recordedId: ID, archives: 2 }, 'read')).toEqual({ action: 'use', record: false });
  });

  it('refuses a repository whose borg id differs from the recorded one', () => {
    const d = decideRepo('/r', 'h', { kind: 'present', id: OTHER }, { recordedId: ID, recordedAt: 'then', archives: 2 }, 'archive');
    expect(d.action).toBe('refuse');
    expect(d.action === 'refuse' && d.reason).toBe(
      `repository /r is not the one pullback has been using: its borg id is ${'b'.repeat(16)}…, the catalog recorded ${'a'.repeat(16)}… (then): ` +
        'is the right disk mounted? Nothing was written to it. `pullback init --host h` adopts this repository deliberately',
    );
  });

  describe('a repository without a manifest (issue 22: a borg init killed half-way)', () => {
    const started = '2026-12-07T01:00:00.000Z';
    const ours = { archives: 0, creationStartedAt: started };

    it("moves pullback's own unfinished init aside for an archive, and reads it as absent", () => {
      expect(decideRepo('/srv/borg/main', 'main', { kind: 'no-manifest', id: ID }, ours, 'archive')).toEqual({ action: 'recreate', startedAt: started });
      expect(decideRepo('/srv/borg/main', 'main', { kind: 'no-manifest' }, ours, 'archive')).toEqual({ action: 'recreate', startedAt: started });
      expect(decideRepo('/srv/borg/main', 'main', { kind: 'no-manifest', id: ID }, ours, 'read')).toEqual({ action: 'absent' });
      // Its id recorded (the init finished once, then the manifest went) and the same: still ours, still no archive lost.
      expect(decideRepo('/srv/borg/main', 'main', { kind: 'no-manifest', id: ID }, { ...ours, recordedId: ID }, 'archive').action).toBe('recreate');
    });

    it('refuses one the catalog has archives of, for archives and reads alike, with the repair command', () => {
      const memory = { ...ours, archives: 2, lastArchive: 'main-20261206T000000Z' };
      for (const purpose of ['archive', 'read'] as const) {
        const d = decideRepo('/srv/borg/main', 'main', { kind: 'no-manifest', id: ID }, memory, purpose);
        expect(d.action).toBe('refuse');
        if (d.action !== 'refuse') continue;
        expect(d.reason).toMatch(/^repository \/srv\/borg\/main has no manifest/);
        expect(d.reason).toContain('no archive in it can be listed');
        expect(d.reason).toContain('2 archive(s) there (newest main-20261206T000000Z)');
        expect(d.reason).toContain('`borg check --repair /srv/borg/main`');
        expect(d.reason).toContain('docs/operations.md');
      }
    });

    it('refuses one pullback never began creating, and one whose id is not the recorded one', () => {
      const never = decideRepo('/srv/borg/main', 'main', { kind: 'no-manifest', id: ID }, { archives: 0 }, 'archive');
      expect(never.action === 'refuse' && never.reason).toContain('pullback did not create it');
      const other = decideRepo('/srv/borg/main', 'main', { kind: 'no-manifest', id: OTHER }, { ...ours, recordedId: ID }, 'archive');
      expect(other.action === 'refuse' && other.reason).toContain('its borg id is not the');
      // Recorded as an ordinary first-seen repository with no creation by pullback: refused too.
      const seen = decideRepo('/srv/borg/main', 'main', { kind: 'no-manifest', id: ID }, { archives: 0, recordedId: ID }, 'archive');
      expect(seen.action).toBe('refuse');
    });
  });
});
