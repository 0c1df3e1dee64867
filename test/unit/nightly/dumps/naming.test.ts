import { describe, expect, it } from 'vitest';
import { databaseStem, dumpFileName, duplicateStems, encodeStem, leftoverPartials, partialName, rotationVictims } from '../../../../src/nightly/dumps/naming.js';

describe('dump names', () => {
  it('sort by time and hide while partial', () => {
    const at = new Date('2024-03-05T01:02:03.456Z');
    expect(dumpFileName('appdb', at, '.pgdump')).toBe('appdb-20240305T010203Z.pgdump');
    expect(partialName('appdb-20240305T010203Z.pgdump')).toBe('.appdb-20240305T010203Z.pgdump.partial');
  });

  it('encode database names so no two collide and none is hidden or a path', () => {
    expect(encodeStem('app_db-1')).toBe('app_db-1');
    expect(encodeStem('a/b')).toBe('a%2Fb');
    expect(encodeStem('.hidden')).toBe('%2Ehidden');
    expect(encodeStem('a b%')).toBe('a%20b%25');
    expect(encodeStem('é')).toBe('%C3%A9');
    expect(encodeStem('')).toBe('%');
    expect(databaseStem('sqlite', '/var/lib/app/app.sqlite3')).toBe('app');
    expect(databaseStem('postgres', 'app.sqlite3')).toBe('app.sqlite3');
    expect(duplicateStems(['a', 'b', 'a'])).toEqual(['a']);
  });
});

describe('rotationVictims', () => {
  const files = [
    'app-20240101T000000Z.pgdump', 'app-20240101T000000Z.pgdump.meta.json',
    'app-20240102T000000Z.pgdump', 'app-20240102T000000Z.pgdump.meta.json',
    'app-20240103T000000Z.pgdump',
    'app-2-20240101T000000Z.pgdump', 'notes.txt', 'app-20240104T000000Z.sql',
  ];

  it('keeps the newest per database with their metadata, touching nothing else', () => {
    expect(rotationVictims(files, 'app', '.pgdump', 2)).toEqual(['app-20240101T000000Z.pgdump', 'app-20240101T000000Z.pgdump.meta.json']);
    expect(rotationVictims(files, 'app', '.pgdump', 1)).toEqual([
      'app-20240102T000000Z.pgdump', 'app-20240102T000000Z.pgdump.meta.json', 'app-20240101T000000Z.pgdump', 'app-20240101T000000Z.pgdump.meta.json',
    ]);
    expect(rotationVictims(files, 'app', '.pgdump', 0)).toHaveLength(4); // never the newest
    expect(rotationVictims(files, 'app-2', '.pgdump', 1)).toEqual([]);
  });
});

describe('leftoverPartials', () => {
  it('finds the temporary files of a stem, dumps and metadata, and nothing else', () => {
    const files = ['.app-20240101T000000Z.pgdump.partial', '.app-20240101T000000Z.pgdump.meta.json.partial', '.app-x.pgdump.partial', '.other-20240101T000000Z.pgdump.partial', 'app-20240101T000000Z.pgdump'];
    expect(leftoverPartials(files, 'app', '.pgdump')).toEqual(['.app-20240101T000000Z.pgdump.partial', '.app-20240101T000000Z.pgdump.meta.json.partial']);
  });
});
