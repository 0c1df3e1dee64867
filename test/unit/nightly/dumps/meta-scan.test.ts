import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DumpRecord } from '../../../../src/archive/manifest.js';
import { encodeMeta, parseMeta } from '../../../../src/nightly/dumps/meta.js';
import { scanDumpDir, sniffDump } from '../../../../src/nightly/dumps/scan.js';
import { makeTempDir } from '../../../harness/index.js';

const record: DumpRecord = {
  file: 'app-20240101T000000Z.pgdump', engine: 'postgres', database: 'app', format: 'custom', serverVersion: '15.2',
  startedAt: '2024-01-01T00:00:00.000Z', endedAt: '2024-01-01T00:00:05.000Z', size: 42, sha256: 'a'.repeat(64), rowCounts: { 'public.t': 3 },
};

describe('dump metadata', () => {
  it('round-trips a record', () => {
    expect(parseMeta(encodeMeta(record))).toEqual(record);
  });

  it('round-trips the properties recorded with a dump, and refuses ones that are not strings', () => {
    const withProps = { ...record, engine: 'sqlite', properties: { mode: '0640', owner: '33:33', 'journal mode': 'wal' } };
    expect(parseMeta(encodeMeta(withProps))).toEqual(withProps);
    expect(() => parseMeta(encodeMeta({ ...record, properties: { mode: 416 } as never }))).toThrow(/properties/);
  });

  it('says what is wrong with a bad file', () => {
    expect(() => parseMeta('{')).toThrow(/not JSON/);
    expect(() => parseMeta('{"kind":"x"}')).toThrow(/kind/);
    expect(() => parseMeta(encodeMeta({ ...record, sha256: 'xyz' }))).toThrow(/sha256/);
    expect(() => parseMeta(encodeMeta({ ...record, format: 'zip' as never }))).toThrow(/format/);
    expect(() => parseMeta(encodeMeta({ ...record, endedAt: 'yesterday' }))).toThrow(/endedAt/);
  });
});

describe('sniffDump', () => {
  const dir = makeTempDir('sniff');
  const file = (name: string, content: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };

  it('recognises the formats by their first bytes', () => {
    expect(sniffDump(file('a', Buffer.concat([Buffer.from('PGDMP'), Buffer.alloc(10)])))).toEqual({ engine: 'postgres', format: 'custom' });
    expect(sniffDump(file('b', Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(10)])))).toEqual({ engine: 'sqlite', format: 'sqlite' });
    expect(sniffDump(file('c', '--\n-- PostgreSQL database dump\n--\n'))).toEqual({ engine: 'postgres', format: 'sql' });
    expect(sniffDump(file('d', '--\n-- PostgreSQL database cluster dump\n--\n'))).toEqual({ engine: 'postgres', format: 'globals' });
    expect(sniffDump(file('e', '/*M!999999\\- enable the sandbox mode */\n-- MariaDB dump 10.19  Distrib 10.11\n--\n-- Host: 127.0.0.1    Database: shop\n'))).toEqual({
      engine: 'mariadb', format: 'sql', database: 'shop',
    });
    expect(sniffDump(file('f', '-- MySQL dump 10.13\n'))).toEqual({ engine: 'mysql', format: 'sql' });
    expect(sniffDump(file('g', 'create table t(x int);\n'))).toBeUndefined();
    expect(sniffDump(file('h', ''))).toBeUndefined();
  });
});

describe('scanDumpDir and lying metadata', () => {
  it('does not believe an end time in the future: the metadata is unused, the file time judged', () => {
    const dir = makeTempDir('scan-future');
    const sql = '--\n-- PostgreSQL database dump\n--\n';
    writeFileSync(join(dir, 'app.sql'), sql);
    writeFileSync(join(dir, 'app.sql.meta.json'), encodeMeta({ ...record, file: 'app.sql', format: 'sql', endedAt: '2099-01-01T00:00:00Z' }));
    const [found] = scanDumpDir(dir).candidates;
    expect(found!.meta).toBeUndefined();
    expect(found!.metaProblem).toMatch(/"endedAt" 2099-01-01T00:00:00Z is in the future/);
    expect(found!.time.getFullYear()).toBeLessThan(2099);
  });
});
