// The archive manifest's one parser: the shape checked, the format checked, old manifests still read.
import { describe, expect, it } from 'vitest';
import { JobError } from '../../../src/errors.js';
import { parseManifest, type Manifest } from '../../../src/archive/manifest.js';

const SHA = 'ab'.repeat(32);

/** A manifest as tonight's pullback writes it, every optional field there. */
const current: Manifest = {
  format: 1,
  host: 'main',
  archive: 'main-20240101T000000Z',
  createdAt: '2024-01-01T00:00:00.000Z',
  partial: { comment: 'partial: db failed' },
  sources: [
    {
      name: 'data',
      kind: 'data',
      path: '/srv/data',
      status: 'ok',
      exclude: ['*.tmp'],
      pull: { source: 'data', window: { start: '2024-01-01T00:00:00Z', end: '2024-01-01T00:01:00Z' }, attempts: 1, exitCode: 0 },
    },
    {
      name: 'db',
      kind: 'database',
      path: '/var/backups/db',
      status: 'kept',
      failed: { step: 'dump', error: 'pg_dump failed', keptFrom: 'main-20231231T000000Z' },
      dumps: [
        {
          file: 'app.pgdump', engine: 'postgres', database: 'app', format: 'custom', serverVersion: '15.4', startedAt: '2023-12-31T00:00:00Z',
          endedAt: '2023-12-31T00:00:05Z', size: 1000, sha256: SHA, rowCounts: { 'public.t': 3 }, properties: { owner: 'app' }, verified: ['sha256', 'pg_restore'],
        },
      ],
    },
  ],
};

/** A manifest as the first release wrote it: format 1, none of the fields added since. */
const OLD = `{
  "format": 1,
  "host": "main",
  "archive": "main-20230101T000000Z",
  "createdAt": "2023-01-01T00:00:00.000Z",
  "sources": [
    { "name": "data", "kind": "data", "path": "/srv/data", "status": "ok", "pull": { "source": "data", "window": { "start": "a", "end": "b" }, "attempts": 1 } },
    { "name": "db", "kind": "database", "path": "/dumps", "status": "ok",
      "dumps": [ { "file": "app.sql", "engine": "mariadb", "database": "app", "format": "sql", "size": 12, "sha256": "${SHA}" } ] }
  ]
}`;

function error(input: unknown): string {
  try {
    parseManifest(input, 'archive main-X');
  } catch (e) {
    expect(e).toBeInstanceOf(JobError);
    return (e as Error).message;
  }
  throw new Error('parsed');
}

describe('parseManifest', () => {
  it('returns a good manifest as it is, from its text or its value', () => {
    expect(parseManifest(JSON.stringify(current, null, 2), 'archive main-X')).toEqual(current);
    expect(parseManifest(current, 'archive main-X')).toEqual(current);
  });

  it('reads a format-1 manifest of an earlier version, without the fields added since', () => {
    const m = parseManifest(OLD, 'archive main-20230101T000000Z');
    expect(m.sources.map((s) => s.name)).toEqual(['data', 'db']);
    expect(m.sources[1]!.dumps![0]).toEqual({ file: 'app.sql', engine: 'mariadb', database: 'app', format: 'sql', size: 12, sha256: SHA });
    expect(m.partial).toBeUndefined();
  });

  it('reads a safety snapshot manifest (the state before a restore)', () => {
    const snap = { ...current, partial: undefined, preRestoreOf: { host: 'main', archive: 'main-1' }, sources: [{ name: 'data', kind: 'data', path: '/srv/data', status: 'ok', preRestore: { existed: false, absentDatabases: [{ engine: 'postgres', database: 'x' }] } }] };
    expect(parseManifest(JSON.parse(JSON.stringify(snap)), 'archive main-pre-restore-X').preRestoreOf).toEqual({ host: 'main', archive: 'main-1' });
  });

  it('names every missing or mistyped field, and where it is', () => {
    const { host: _host, ...noHost } = current;
    expect(error(noHost)).toBe('archive main-X: .pullback/manifest.json is not a valid pullback manifest: host missing');
    const bad = JSON.parse(JSON.stringify(current)) as Record<string, any>;
    delete bad.sources[0].path;
    delete bad.sources[1].dumps[0].sha256;
    bad.sources[1].dumps[0].format = 'tar';
    bad.sources[1].failed.keptFrom = 3;
    expect(error(bad)).toBe(
      'archive main-X: .pullback/manifest.json is not a valid pullback manifest: sources[0]: path missing; sources[1]: failed keptFrom not a string; ' +
        'sources[1].dumps[0]: format not one of custom, sql, sqlite, globals, sha256 missing',
    );
    expect(error({ ...current, sources: undefined })).toMatch(/: sources missing$/);
    expect(error({ ...current, sources: {} })).toMatch(/: sources not a list$/);
    expect(error({ ...current, sources: [{ ...current.sources[1], dumps: 'x' }] })).toMatch(/: sources\[0\]: dumps not a list$/);
  });

  it('refuses a manifest without a format, or of a format it does not know', () => {
    const { format: _format, ...noFormat } = current;
    expect(error(noFormat)).toBe('archive main-X: .pullback/manifest.json is not a pullback manifest of a known format (format missing; this pullback reads formats 1 and 2)');
    expect(error({ ...current, format: '1' })).toMatch(/format "1"; this pullback reads formats 1 and 2/);
    expect(error({ ...current, format: 0 })).toMatch(/not a pullback manifest of a known format \(format 0;/);
  });

  it('says a newer format was written by a newer pullback, naming the archive', () => {
    expect(error({ ...current, format: 3 })).toBe(
      'archive main-X: its manifest was written by a newer pullback (manifest format 3; this pullback reads formats 1 and 2): upgrade pullback to read it',
    );
    // Format 2: a granular restore's snapshot, read like format 1.
    expect(() => parseManifest({ ...current, format: 2 }, 'archive main-X')).not.toThrow();
    // Checked before the shape: a newer format may have changed it.
    expect(error({ format: 3, sources: 'whatever' })).toMatch(/written by a newer pullback \(manifest format 3;/);
  });

  it('refuses garbage: not JSON, not an object', () => {
    expect(error('{"format": 1,')).toMatch(/^archive main-X: \.pullback\/manifest\.json is not JSON \(/);
    expect(error('')).toMatch(/is not JSON/);
    expect(error('[1, 2]')).toBe('archive main-X: .pullback/manifest.json is not a pullback manifest (not a JSON object)');
    expect(error('null')).toMatch(/not a JSON object/);
    expect(error(42)).toMatch(/not a JSON object/);
  });
});
