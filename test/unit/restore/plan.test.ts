// The restore planner: order, target mapping (--to), --only, sizes, dumps, refusals.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { buildRestorePlan, newestDumps, requiredFreeBytes } from '../../../src/restore/plan.js';
import { dump, host, manifest, src } from './fixture.js';

const main = host('main', [src('data', 'data', '/srv/data'), src('blobs', 'blobs', '/srv/blobs'), src('db', 'database', '/var/backups/db', { dump: { engine: 'postgres', databases: ['app'], connection: { host: '127.0.0.1', port: 5432, user: 'postgres' }, keep: 3 } })]);
const m = manifest([
  { name: 'data', kind: 'data', path: '/srv/data', status: 'ok' },
  { name: 'blobs', kind: 'blobs', path: '/srv/blobs', status: 'ok' },
  { name: 'db', kind: 'database', path: '/var/backups/db', status: 'ok', dumps: [dump('app')] },
]);
const figures = { data: { files: 10, bytes: 100 }, blobs: { files: 2, bytes: 20 }, db: { files: 1, bytes: 1000 } };
const plan = (over: Partial<Parameters<typeof buildRestorePlan>[0]> = {}) =>
  buildRestorePlan({ manifest: m, repository: '/srv/borg/main', archive: m.archive, origin: main, target: main, figures, ...over });

function problems(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('buildRestorePlan', () => {
  it('orders database, then blobs, then data, with sizes and targets', () => {
    const p = plan();
    expect(p.steps.map((s) => [s.order, s.kind, s.source, s.mode, s.targetPath, s.bytes, s.files])).toEqual([
      [1, 'database', 'db', 'databases', '/var/backups/db', 1000, 1],
      [2, 'blobs', 'blobs', 'files', '/srv/blobs', 20, 2],
      [3, 'data', 'data', 'files', '/srv/data', 100, 10],
    ]);
    expect(p.steps[0]!.databases[0]).toMatchObject({ engine: 'postgres', database: 'app', connection: { host: '127.0.0.1', port: 5432 } });
    expect(p.steps[0]!.overwrites).toContain('postgres database app on 127.0.0.1:5432 of main');
    expect(p.steps[2]!.overwrites).toBe('main:/srv/data (replaced by the archived tree; files not in the archive are deleted)');
    expect(p.target).toEqual({ name: 'main', address: '10.0.0.5', port: 22, user: 'backup' });
  });

  it('maps sources by name onto the --to host, with its paths and connection', () => {
    const spare = host('spare', [src('blobs', 'blobs', '/data/blobs'), src('data', 'data', '/data/files'), src('db', 'database', '/dumps', { dump: { engine: 'postgres', databases: ['app'], connection: { host: '10.9.9.9', port: 6543, user: 'pg' }, keep: 1 } })], { address: '10.0.0.9' });
    const p = plan({ target: spare });
    expect(p.steps.map((s) => s.targetPath)).toEqual(['/dumps', '/data/blobs', '/data/files']);
    expect(p.steps[0]!.databases[0]!.connection).toEqual({ host: '10.9.9.9', port: 6543, user: 'pg' });
    expect(p.target.name).toBe('spare');
  });

  it('selects with --only by source name or kind (db = database)', () => {
    expect(plan({ only: ['blobs'] }).steps.map((s) => s.source)).toEqual(['blobs']);
    expect(plan({ only: ['data', 'db'] }).steps.map((s) => [s.order, s.source])).toEqual([[1, 'db'], [2, 'data']]);
    expect(problems(() => plan({ only: ['nope'] }))).toContain("--only: no source or kind named 'nope'");
  });

  it('refuses unmatched sources, kind changes and unsafe target paths, all at once', () => {
    const bad = host('bad', [src('blobs', 'data', '/x'), src('data', 'data', '/srv/../etc'), src('db', 'database', 'relative')]);
    const msg = problems(() => plan({ target: bad }));
    expect(msg).toContain("source 'blobs' is blobs in main-20240101T000000Z but data on host bad");
    expect(msg).toContain('contains "." or ".." segments');
    expect(msg).toContain('is not absolute');
    expect(problems(() => plan({ target: host('x', [src('data', 'data', '/d')]), only: ['db'] }))).toContain("host x has no source named 'db'");
  });

  it('refuses a dump file that would escape its folder', () => {
    const evil = manifest([{ name: 'db', kind: 'database', path: '/d', status: 'ok', dumps: [dump('app', { file: '../../etc/passwd' })] }]);
    expect(problems(() => plan({ manifest: evil }))).toContain('escapes its folder');
  });

  it('restores a database source without recorded dumps as files', () => {
    const noDumps = manifest([{ name: 'db', kind: 'database', path: '/var/backups/db', status: 'ok', dumps: [] }]);
    const s = plan({ manifest: noDumps }).steps[0]!;
    expect([s.mode, s.bytes, s.files]).toEqual(['files', 1000, 1]);
    expect(s.notes[0]).toContain('restored as files');
  });

  it('keeps the newest dump per database and applies globals only onto another host', () => {
    const dumps = [dump('app', { file: 'old.pgdump', endedAt: '2023-01-01T00:00:00Z' }), dump('app'), dump('', { file: 'globals.sql', format: 'globals', size: 5 })];
    const withGlobals = manifest([{ name: 'db', kind: 'database', path: '/d', status: 'ok', dumps }]);
    const same = plan({ manifest: withGlobals }).steps[0]!;
    expect(same.databases.map((d) => d.dump.file)).toEqual(['app.pgdump']);
    expect(same.globals).toBeUndefined();
    expect(same.notes.join('\n')).toMatch(/1 older dump/);
    const spare = host('spare', main.sources);
    const other = plan({ manifest: withGlobals, target: spare }).steps[0]!;
    expect(other.globals?.dump.file).toBe('globals.sql');
    expect(other.bytes).toBe(1005);
  });

  it('plans drops for databases a safety snapshot recorded as absent', () => {
    const snap = manifest([{ name: 'db', kind: 'database', path: '/d', status: 'ok', dumps: [], preRestore: { existed: true, absentDatabases: [{ engine: 'postgres', database: 'app' }] } }]);
    const s = plan({ manifest: snap }).steps[0]!;
    expect(s.mode).toBe('databases');
    expect(s.databases).toEqual([]);
    expect(s.drops).toEqual([{ engine: 'postgres', database: 'app', connection: { host: '127.0.0.1', port: 5432, user: 'postgres' } }]);
    expect(s.overwrites).toContain('dropped: it did not exist before the restore');
  });

  it('maps sqlite files by name onto the --to host, not by position', () => {
    const sq = (...paths: string[]) => src('db', 'database', '/dumps', { dump: { engine: 'sqlite', databases: paths, connection: { host: '', port: 0, user: '' }, keep: 1 } });
    const mm = manifest([{ name: 'db', kind: 'database', path: '/dumps', status: 'ok', dumps: [dump('/srv/app.db', { engine: 'sqlite', format: 'sqlite', file: 'app.sqlite' })] }]);
    const p = buildRestorePlan({ manifest: mm, repository: 'r', archive: 'a', origin: host('main', [sq('/srv/app.db', '/srv/x.db')]), target: host('spare', [sq('/opt/x.db', '/opt/app/app.db')]), figures: {} });
    expect(p.steps[0]!.databases[0]!.database).toBe('/opt/app/app.db');
    expect(p.steps[0]!.notes.join('\n')).toContain('"/srv/app.db" -> "/opt/app/app.db" on spare (same file name)');
    const none = () => buildRestorePlan({ manifest: mm, repository: 'r', archive: 'a', origin: host('main', [sq('/srv/app.db')]), target: host('spare', [sq('/opt/other.db')]), figures: {} });
    expect(problems(none)).toContain('sqlite file /srv/app.db: the target lists no file of that name; give --map-db /srv/app.db=NAME');
  });
});

describe('database names onto another host (--to)', () => {
  const pgSrc = (databases: string[] | 'all') => src('db', 'database', '/dumps', { dump: { engine: 'postgres', databases, connection: { host: '127.0.0.1', port: 5432, user: 'postgres' }, keep: 1 } });
  const two = manifest([{ name: 'db', kind: 'database', path: '/d', status: 'ok', dumps: [dump('app'), dump('reports', { file: 'reports.pgdump' })] }]);
  const onto = (from: string[] | 'all', to: string[] | 'all', mapDb?: Record<string, string>) =>
    buildRestorePlan({ manifest: two, repository: 'r', archive: 'a', origin: host('main', [pgSrc(from)]), target: host('spare', [pgSrc(to)]), figures: {}, mapDb });

  it("maps by position in the target's databases, and shows it in the plan", () => {
    const p = onto(['app', 'reports'], ['app_spare', 'reports_spare']);
    expect(p.steps[0]!.databases.map((d) => [d.sourceDatabase, d.database])).toEqual([['app', 'app_spare'], ['reports', 'reports_spare']]);
    expect(p.steps[0]!.notes).toContain('database "app" -> "app_spare" on spare (position 1 in databases:)');
    expect(p.steps[0]!.overwrites).toContain('postgres database app_spare on');
  });

  it('keeps a name the target lists, takes --map-db first, and dumps-all targets keep names', () => {
    expect(onto(['app', 'reports'], ['reports', 'app']).steps[0]!.databases.map((d) => d.database)).toEqual(['app', 'reports']);
    expect(onto(['app', 'reports'], ['x', 'y'], { app: 'chosen' }).steps[0]!.databases.map((d) => d.database)).toEqual(['chosen', 'y']);
    expect(onto(['app', 'reports'], 'all').steps[0]!.databases.map((d) => d.database)).toEqual(['app', 'reports']);
  });

  it('refuses when it cannot tell, naming --map-db', () => {
    const msg = problems(() => onto(['app', 'reports'], ['only_one']));
    expect(msg).toContain('cannot tell which database of the target receives app: the lists differ in length (2 and 1); give --map-db app=NAME');
    expect(msg).toContain('receives reports');
    expect(problems(() => onto('all', ['a', 'b']))).toContain('the origin source does not list its databases');
  });

  it('a --map-db no restored database takes is refused; one in a source --only leaves out says so', () => {
    expect(problems(() => onto(['app', 'reports'], ['x', 'y'], { nope: 'z' }))).toContain('--map-db nope=z: no database named "nope" is restored from a (its databases: app (db), reports (db)); nothing was changed');
    const files = src('files', 'data', '/files');
    const withFiles = manifest([...two.sources, { name: 'files', kind: 'data', path: '/f', status: 'ok' }]);
    const msg = problems(() => buildRestorePlan({ manifest: withFiles, repository: 'r', archive: 'a', origin: host('main', [pgSrc(['app', 'reports']), files]), target: host('spare', [pgSrc(['x', 'y']), files]), figures: {}, mapDb: { app: 'z' }, only: ['files'] }));
    expect(msg).toContain('--map-db app=z: "app" is in source db, which --only leaves out; nothing was changed');
  });

  it('onto the same host the names stay, unless --map-db says otherwise', () => {
    const same = buildRestorePlan({ manifest: two, repository: 'r', archive: 'a', origin: main, target: main, figures: {}, mapDb: { reports: 'reports_copy' } });
    expect(same.steps[0]!.databases.map((d) => d.database)).toEqual(['app', 'reports_copy']);
  });
});

describe('dumps the server cron wrote', () => {
  it('takes the newest by its recorded time, never by the file name', () => {
    const cron = [dump('app', { file: 'app-Thu.sql', endedAt: undefined, modifiedAt: '2024-01-04T02:00:00Z' }), dump('app', { file: 'app-Fri.sql', endedAt: undefined, modifiedAt: '2024-01-05T02:00:00Z' })];
    expect(newestDumps(cron).map((d) => d.file)).toEqual(['app-Fri.sql']);
    const p = plan({ manifest: manifest([{ name: 'db', kind: 'database', path: '/d', status: 'ok', dumps: cron }]) });
    expect(p.steps[0]!.databases.map((d) => [d.dump.file, d.database])).toEqual([['app-Fri.sql', 'app']]);
  });

  it('takes the dump pullback first saw last, whatever time the server claims; the claimed time only among dumps first seen together', () => {
    // app-1 claims next year (a wrong server clock); app-2 was first seen later: app-2 is the newest.
    const lying = [
      dump('app', { file: 'app-1.pgdump', endedAt: undefined, modifiedAt: '2027-01-01T00:00:00Z', firstSeenAt: '2026-01-01T03:00:00Z' }),
      dump('app', { file: 'app-2.pgdump', endedAt: undefined, modifiedAt: '2026-01-02T02:00:00Z', firstSeenAt: '2026-01-02T03:00:00Z' }),
    ];
    expect(newestDumps(lying).map((d) => d.file)).toEqual(['app-2.pgdump']);
    const together = [
      dump('app', { file: 'a.pgdump', endedAt: undefined, modifiedAt: '2026-01-02T01:00:00Z', firstSeenAt: '2026-01-02T03:00:00Z' }),
      dump('app', { file: 'b.pgdump', endedAt: undefined, modifiedAt: '2026-01-02T02:00:00Z', firstSeenAt: '2026-01-02T03:00:00Z' }),
    ];
    expect(newestDumps(together).map((d) => d.file)).toEqual(['b.pgdump']);
  });

  it('refuses dumps without a time or without a database name', () => {
    const untimed = [dump('app', { file: 'a.sql', endedAt: undefined }), dump('app', { file: 'b.sql', endedAt: undefined })];
    expect(problems(() => plan({ manifest: manifest([{ name: 'db', kind: 'database', path: '/d', status: 'ok', dumps: untimed }]) }))).toContain('cannot tell which dump of app is newest: a.sql, b.sql');
    expect(problems(() => plan({ manifest: manifest([{ name: 'db', kind: 'database', path: '/d', status: 'ok', dumps: [dump('', { file: 'x.sql' })] }]) }))).toContain("dump x.sql names no database (no metadata, none inside the file): set 'database:'");
  });
});

describe('a dump archived before its source named a database', () => {
  it("is restored into the target source's database: now, and the plan says so", () => {
    const cronHost = host('main', [src('db', 'database', '/var/backups/db', { database: 'shop' })]);
    const p = plan({ origin: cronHost, target: cronHost, manifest: manifest([{ name: 'db', kind: 'database', path: '/var/backups/db', status: 'ok', dumps: [dump('', { file: 'x.sql' })] }]) });
    expect(p.steps[0]!.databases.map((d) => [d.dump.file, d.database, d.sourceDatabase])).toEqual([['x.sql', 'shop', 'shop']]);
    expect(p.steps[0]!.notes.join('\n')).toContain('dump x.sql names no database: restored into "shop"');
  });

  it('is extracted (--into) without any database name', () => {
    const unnamed = manifest([{ name: 'db', kind: 'database', path: '/var/backups/db', status: 'ok', dumps: [dump('', { file: 'x.sql' })] }]);
    const p = plan({ manifest: unnamed, extractOnly: true });
    expect(p.steps.map((s) => s.source)).toEqual(['db']);
    expect(p.steps[0]!.notes).toContain('dump x.sql names no database: extracted as a file only');
    // The whole folder is extracted: the archive's figures, not the restorable dumps'.
    expect([p.steps[0]!.files, p.steps[0]!.bytes]).toEqual([figures.db.files, figures.db.bytes]);
  });
});

describe('helpers', () => {
  it('requiredFreeBytes adds the margin and the minimum', () => {
    expect(requiredFreeBytes(1000, 0.1, 0)).toBe(1100);
    expect(requiredFreeBytes(1000, 0, 512)).toBe(1512);
  });
  it('newestDumps keeps one dump per database', () => {
    expect(newestDumps([dump('a', { endedAt: '1' }), dump('a', { endedAt: '2', file: 'x' }), dump('b')]).map((d) => d.file)).toEqual(['x', 'b.pgdump']);
  });
});
