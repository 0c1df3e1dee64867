// The readiness verdict: each item with its figure; only the age may be overridden.
import { describe, expect, it } from 'vitest';
import { majorOf, readinessVerdict, type ReadinessFacts } from '../../../src/restore/readiness-verdict.js';

const now = new Date('2024-01-03T00:00:00Z');
const base = (over: Partial<ReadinessFacts> = {}): ReadinessFacts => ({
  now,
  backup: {
    host: 'main',
    maxAgeSeconds: 48 * 3600,
    force: false,
    archive: { name: 'main-20240102T220000Z', createdAt: '2024-01-02T22:00:00Z' },
    lastNightly: { endedAt: '2024-01-02T22:05:00Z', archive: 'main-20240102T220000Z' },
  },
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
      ['pass', 'age of main-20240102T220000Z (the archive restored)', 'made 2h00m ago (limit 48h00m)'],
      ['pass', 'latest successful nightly run of main', 'main-20240102T220000Z, 1h55m ago (limit 48h00m)'],
      ['pass', 'borg check of main-20240102T220000Z', 'no problems'],
      ['pass', 'SSH login to backup@10.0.0.5:22 (main)', 'ok'],
      ['pass', 'free space on main:/srv', '9.8 KiB free, 1.1 KiB needed'],
      ['pass', '/srv/data writable by the login user', 'writable'],
      ['pass', 'database server for postgres app on 127.0.0.1:5432', 'reachable, version 15.4; dump taken from 15.2'],
    ]);
  });

  it('fails a target folder that is a symlink or lies below one, naming where it points and what to do', () => {
    const at = (look: NonNullable<NonNullable<ReadinessFacts['roots']>[number]['look']>) => ({ source: 'data', path: '/srv/data', where: 'main:/srv/data', look });
    const v = readinessVerdict(
      base({
        roots: [
          at({ kind: 'directory' }),
          at({ kind: 'missing' }),
          at({ kind: 'symlink', at: '/srv/data', to: '/etc' }),
          at({ kind: 'symlink', at: '/srv', to: '/mnt/disk' }),
          at({ kind: 'symlink', at: '/srv/data', to: '/etc', byGate: true }),
          at({ kind: 'other' }),
          { source: 'data', path: '/srv/data', where: 'main:/srv/data', error: 'ssh: connection reset' },
        ],
      }),
    );
    expect(v.ok).toBe(false);
    const name = 'main:/srv/data a real directory, no symlink on its way (data)';
    expect(v.items.filter((i) => i.name === name).map((i) => [i.status, i.figure])).toEqual([
      ['pass', 'a directory'],
      ['pass', 'does not exist yet (created as a directory)'],
      ['fail', '/srv/data is a symlink to /etc: pullback does not restore through a symlink; remove it (rm /srv/data; mkdir /srv/data) or restore --into DIR'],
      ['fail', "/srv, above /srv/data, is a symlink to /mnt/disk: pullback does not restore through a symlink; put the real directory back at /srv, or set the source's path in the host file to where it really is, or restore --into DIR"],
      ['fail', "/srv/data is a symlink or lies below one (it leads to /etc now), and the restricted restore key's pullback-gate refused it: pullback does not restore through a symlink; put the real directory back at /srv/data or restore --into DIR"],
      ['fail', '/srv/data exists and is not a directory: pullback restores a folder only onto a folder; move it away or restore --into DIR'],
      ['fail', 'cannot look: ssh: connection reset'],
    ]);
  });

  it('names the archive item after what read it: borg check, or the extraction ahead that stands for it', () => {
    const detail = 'every item read and verified by the extraction ahead in 0.7 s';
    const v = readinessVerdict(base({ archiveCheck: { archive: 'main-20240102T220000Z', ok: true, by: 'extraction', detail } }));
    expect(v.items[2]).toEqual({ name: 'archive main-20240102T220000Z', status: 'pass', figure: detail });
  });

  it("fails a dump whose format the restore cannot load, with the reason (never 'ready')", () => {
    const db = base().databases[0]!;
    const ok = readinessVerdict(base({ databases: [{ ...db, load: { format: 'plain SQL, through psql with ON_ERROR_STOP' } }] }));
    expect(ok.ok).toBe(true);
    expect(ok.items.at(-1)).toEqual({ name: 'dump of postgres app on 127.0.0.1:5432 loadable', status: 'pass', figure: 'plain SQL, through psql with ON_ERROR_STOP' });
    const gated = readinessVerdict(base({ databases: [{ ...db, load: { format: 'plain SQL, through psql with ON_ERROR_STOP', problem: 'the gate refuses it' } }] }));
    expect(gated.ok).toBe(false);
    expect(gated.items.at(-1)).toMatchObject({ status: 'fail', figure: 'plain SQL, through psql with ON_ERROR_STOP: the gate refuses it' });
  });

  it('fails an old archive unless --force, which only overrides the age', () => {
    const old = { ...base().backup!, maxAgeSeconds: 3600, archive: { name: 'a', createdAt: '2024-01-01T00:00:00Z' } };
    const stale = readinessVerdict(base({ backup: old }));
    expect([stale.ok, stale.items[0]!.status]).toEqual([false, 'fail']);
    expect(stale.items[0]!.figure).toBe('made 48h00m ago (limit 1h00m)');
    const forced = readinessVerdict(base({ backup: { ...old, force: true } }));
    expect(forced.ok).toBe(true);
    expect(forced.items[0]).toMatchObject({ status: 'overridden', figure: expect.stringContaining('overridden by --force') });
    expect(readinessVerdict(base({ backup: { ...old, force: true }, archiveCheck: { archive: 'a', ok: false } })).ok).toBe(false);
    const unknown = readinessVerdict(base({ backup: { ...old, archive: { name: 'a' } } }));
    expect([unknown.ok, unknown.items[0]!.figure]).toEqual([false, 'its creation time cannot be read (limit 1h00m)']);
  });

  it('takes the age from the archive restored, never from the latest run or drill', () => {
    // A fresh nightly run (or a drill of an old archive an hour ago) does not make an old archive young.
    const b = { ...base().backup!, maxAgeSeconds: 300, archive: { name: 'main-20240102T235300Z', createdAt: '2024-01-02T23:53:00Z' }, lastNightly: { endedAt: '2024-01-02T23:59:50Z', archive: 'main-20240102T235900Z' } };
    const v = readinessVerdict(base({ backup: b }));
    expect(v.ok).toBe(false);
    expect(v.items.slice(0, 2).map((i) => [i.status, i.figure])).toEqual([
      ['fail', 'made 7m00s ago (limit 5m00s)'],
      ['pass', 'main-20240102T235900Z, 10s ago (limit 5m00s)'],
    ]);
  });

  it('warns, without refusing, when the nightly job is behind or never ran', () => {
    const behind = readinessVerdict(base({ backup: { ...base().backup!, maxAgeSeconds: 3 * 3600, lastNightly: { endedAt: '2023-12-30T00:00:00Z', archive: 'x' } } }));
    expect(behind.ok).toBe(true);
    expect(behind.items[1]).toEqual({ name: 'latest successful nightly run of main', status: 'warn', figure: 'x, 96h00m ago (limit 3h00m): the nightly job is behind' });
    const never = readinessVerdict(base({ backup: { ...base().backup!, lastNightly: undefined } }));
    expect([never.ok, never.items[1]!.status, never.items[1]!.figure]).toEqual([true, 'warn', 'none recorded in the catalog (limit 48h00m)']);
  });

  it('says, as a warning, when a job holds the host (dry runs take no lock)', () => {
    const free = readinessVerdict(base({ hostLock: { host: 'main' } }));
    expect(free.items[2]).toEqual({ name: 'no other job on main', status: 'pass', figure: 'no run or restore holds the host' });
    const held = readinessVerdict(base({ hostLock: { host: 'main', holder: 'nightly run 7 of main (PID 42)' } }));
    expect(held.ok).toBe(true);
    expect(held.items[2]).toEqual({ name: 'no other job on main', status: 'warn', figure: 'nightly run 7 of main (PID 42) holds the host: a restore now would be refused' });
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
