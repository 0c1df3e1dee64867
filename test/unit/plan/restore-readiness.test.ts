// The readiness verdict: each item with its figure; only the age may be overridden.
import { describe, expect, it } from 'vitest';
import { majorOf, readinessVerdict, type ReadinessFacts } from '../../../src/plan/restore-readiness.js';

const now = new Date('2024-01-03T00:00:00Z');
const base = (over: Partial<ReadinessFacts> = {}): ReadinessFacts => ({
  now,
  backup: { host: 'main', maxAgeSeconds: 48 * 3600, force: false, lastSuccess: { endedAt: '2024-01-02T22:00:00Z', archive: 'main-20240102T220000Z' } },
  login: { target: 'backup@10.0.0.5:22 (main)', ok: true },
  archiveCheck: { archive: 'main-20240102T220000Z', ok: true, detail: 'no problems' },
  space: [{ where: 'main:/srv', freeBytes: 10_000, neededBytes: 1_100 }],
  writable: [{ path: '/srv/data', checked: '/srv/data', writable: true }],
  databases: [{ label: 'postgres app on 127.0.0.1:5432', reachable: true, version: '15.4', dumpVersion: '15.2' }],
  ...over,
});

describe('readinessVerdict', () => {
  it('passes every item with its figure', () => {
    const v = readinessVerdict(base());
    expect(v.ok).toBe(true);
    expect(v.items.map((i) => [i.status, i.name, i.figure])).toEqual([
      ['pass', 'latest successful backup of main', 'main-20240102T220000Z, 2h00m ago (limit 48h00m)'],
      ['pass', 'borg check of main-20240102T220000Z', 'no problems'],
      ['pass', 'SSH login to backup@10.0.0.5:22 (main)', 'ok'],
      ['pass', 'free space on main:/srv', '9.8 KiB free, 1.1 KiB needed'],
      ['pass', '/srv/data writable by the login user', 'writable'],
      ['pass', 'database server for postgres app on 127.0.0.1:5432', 'reachable, version 15.4; dump taken from 15.2'],
    ]);
  });

  it('fails an old backup unless --force, which only overrides the age', () => {
    const old = { host: 'main', maxAgeSeconds: 3600, force: false, lastSuccess: { endedAt: '2024-01-01T00:00:00Z', archive: 'a' } };
    const stale = readinessVerdict(base({ backup: old }));
    expect([stale.ok, stale.items[0]!.status]).toEqual([false, 'fail']);
    const forced = readinessVerdict(base({ backup: { ...old, force: true } }));
    expect(forced.ok).toBe(true);
    expect(forced.items[0]).toMatchObject({ status: 'overridden', figure: expect.stringContaining('overridden by --force') });
    expect(readinessVerdict(base({ backup: { ...old, force: true }, archiveCheck: { archive: 'a', ok: false } })).ok).toBe(false);
    expect(readinessVerdict(base({ backup: { ...old, lastSuccess: undefined } })).items[0]!.figure).toContain('none recorded');
  });

  it('fails on a bad archive, too little space, unwritable paths, unreachable or older servers', () => {
    const cases: Array<Partial<ReadinessFacts>> = [
      { archiveCheck: { archive: 'a', ok: false, detail: 'found problems: missing chunk' } },
      { space: [{ where: 'main:/srv', freeBytes: 1000, neededBytes: 1100 }] },
      { space: [{ where: 'main:/srv', neededBytes: 1100, error: 'df failed' }] },
      { writable: [{ path: '/srv/new', checked: '/srv', writable: false }] },
      { databases: [{ label: 'x', reachable: false, error: 'connection refused' }] },
      { databases: [{ label: 'x', reachable: true, version: '14.9', dumpVersion: '15.2' }] },
      { login: { target: 't', ok: false, detail: 'host key changed' } },
    ];
    for (const c of cases) expect(readinessVerdict(base(c)).ok, JSON.stringify(c)).toBe(false);
    expect(readinessVerdict(base(cases[3])).items.find((i) => i.status === 'fail')!.figure).toBe('NOT writable (does not exist yet; tested its parent /srv)');
    expect(readinessVerdict(base(cases[5])).items.at(-1)!.figure).toContain('the target is older');
  });

  it('passes a server when the dump did not record its version, and leaves out the age for rollbacks', () => {
    const v = readinessVerdict(base({ backup: undefined, databases: [{ label: 'x', reachable: true, version: '10.11.6-MariaDB' }] }));
    expect(v.ok).toBe(true);
    expect(v.items[0]!.name).toMatch(/^borg check/);
    expect(v.items.at(-1)!.figure).toContain('not recorded');
  });

  it('majorOf reads the leading number', () => {
    expect([majorOf('15.4 (Debian 15.4-1)'), majorOf('10.11.6-MariaDB'), majorOf('3.40.1'), majorOf(''), majorOf(undefined)]).toEqual([15, 10, 3, undefined, undefined]);
  });
});
