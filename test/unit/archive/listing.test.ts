// `pullback list`'s words: each archive's kind (nightly, partial by manifest or borg comment,
// pre-restore snapshot by name), size and file count; and prune's report of what it deleted.
import { describe, expect, it } from 'vitest';
import { archiveKind, LIST_HEADER, listArchivesOf, listRows } from '../../../src/archive/listing.js';
import { formatPruned } from '../../../src/commands/maintain.js';

describe('archive list', () => {
  it('tells nightly, partial and pre-restore archives apart', () => {
    const k = (name: string, comment = '', manifest?: unknown) => archiveKind('main', { name, comment, manifest });
    expect(k('main-20240101T000000Z')).toBe('nightly');
    expect(k('main-pre-restore-20240101T000000Z')).toBe('pre-restore');
    expect(k('main-20240101T000000Z', 'partial: failed data')).toBe('partial');
    expect(k('main-20240101T000000Z', '', { partial: { comment: 'partial: failed data' } })).toBe('partial');
    expect(k('main-20240101T000000Z', '', { sources: [{ status: 'ok' }, { status: 'failed' }] })).toBe('partial');
    expect(k('main-20240101T000000Z', 'impartiality', { sources: [{ status: 'ok' }] })).toBe('nightly');
  });

  it('rows: kind in words, human size, file count, ? when unknown', () => {
    const archives = listArchivesOf('main', [
      { name: 'main-20240101T000000Z', start: '2024-01-01T00:00:00', comment: '', size: 3000, files: 1 },
      { name: 'main-20240102T000000Z', start: '2024-01-02T00:00:00', comment: 'partial: failed data', size: 2048, files: 12 },
      { name: 'main-pre-restore-20240103T000000Z', start: '2024-01-03T00:00:00', comment: '' },
    ]);
    expect(archives[1]).toEqual({ name: 'main-20240102T000000Z', start: '2024-01-02T00:00:00', kind: 'partial', size: 2048, files: 12, comment: 'partial: failed data' });
    expect(archives[2]).toMatchObject({ kind: 'pre-restore', size: null, files: null });
    expect(LIST_HEADER).toEqual(['HOST', 'ARCHIVE', 'CREATED', 'KIND', 'SIZE', 'FILES']);
    // borg's times are this machine's local time without a zone: shown in UTC, with their Z.
    const utc = (local: string) => new Date(local).toISOString().replace('.000Z', 'Z');
    expect(listRows([{ host: 'main', archives }, { host: 'spare', archives: [] }])).toEqual([
      ['main', 'main-20240101T000000Z', utc('2024-01-01T00:00:00'), 'nightly', '2.9 KiB', '1'],
      ['main', 'main-20240102T000000Z', utc('2024-01-02T00:00:00'), 'partial', '2.0 KiB', '12'],
      ['main', 'main-pre-restore-20240103T000000Z', utc('2024-01-03T00:00:00'), 'pre-restore snapshot', '?', '?'],
      ['spare', '(no archives)', '', '', '', ''],
    ]);
  });

  it('rows: every time in UTC with its Z, whatever zone it came with', () => {
    const row = (start: string) => listRows([{ host: 'main', archives: [{ name: 'main-20240101T000000Z', start, kind: 'lost', size: null, files: null }] }])[0]![2];
    expect(row('2024-01-02T00:30:00.123456+01:00')).toBe('2024-01-01T23:30:00Z');
    expect(row('2024-01-01T23:30:00Z')).toBe('2024-01-01T23:30:00Z');
    expect(row('2024-01-01T23:30:00.000000')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:30:00Z$/);
  });

  it('prune names what it deleted', () => {
    expect(formatPruned('main', ['main-20240102T000000Z', 'main-20240101T000000Z'])).toEqual([
      'pruned 2 archive(s)',
      'Pruned archives of main:',
      '  main-20240102T000000Z',
      '  main-20240101T000000Z',
    ]);
    expect(formatPruned('main', [])).toEqual(['pruned nothing (the retention policy keeps every archive)']);
  });
});
