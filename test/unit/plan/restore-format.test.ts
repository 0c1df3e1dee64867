// The words a restore prints: plan, checklist lines, the closing state and rollback command.
import { describe, expect, it } from 'vitest';
import { formatChecklist, formatOutcome, formatPlan, formatStep } from '../../../src/plan/restore-format.js';
import { buildRestorePlan } from '../../../src/plan/restore-plan.js';
import { dump, host, manifest, src } from './restore-fixture.js';

const main = host('main', [src('db', 'database', '/dumps'), src('files', 'data', '/srv/files')]);
const plan = buildRestorePlan({
  manifest: manifest([
    { name: 'files', kind: 'data', path: '/srv/files', status: 'ok' },
    { name: 'db', kind: 'database', path: '/dumps', status: 'ok', dumps: [dump('app')] },
  ]),
  repository: '/borg/main',
  archive: 'main-20240101T000000Z',
  origin: main,
  target: main,
  figures: { files: { files: 3, bytes: 2048 } },
});

describe('restore output', () => {
  it('prints the plan in order with sizes and what is overwritten', () => {
    expect(formatPlan(plan).split('\n')).toEqual([
      'Restore plan: archive main-20240101T000000Z of host main (/borg/main) onto host main (backup@10.0.0.5:22)',
      '  1. database db        1000 B  1 dump(s)',
      '       overwrites: postgres database app on 127.0.0.1:5432 of main (replaced by the dump: restored into a fresh database, then swapped in; objects created since the dump are gone)',
      '  2. data     files    2.0 KiB  3 files',
      '       overwrites: main:/srv/files (replaced by the archived tree; files not in the archive are deleted)',
    ]);
    expect(formatPlan(plan, { into: '/tmp/x' })).toContain('-> /tmp/x/files');
  });

  it('prints checklists and steps as pass/fail lines', () => {
    expect(formatChecklist('Readiness checklist:', [{ name: 'a', status: 'pass', figure: '1' }, { name: 'b', status: 'fail', figure: '2' }])).toBe(
      'Readiness checklist:\n  PASS  a: 1\n  FAIL  b: 2',
    );
    expect(formatStep({ kind: 'stop_writes', status: 'ok' })).toBe('  OK      stop writes');
    expect(formatStep({ kind: 'blobs', source: 'b', status: 'failed', detail: 'push failed' })).toBe('  FAILED  blobs b: push failed');
  });

  it('says what state a failed restore left and how to roll back', () => {
    const text = formatOutcome({
      status: 'failed',
      restoreId: 7,
      kind: 'restore',
      target: 'main',
      restored: ['db'],
      stoppedAt: { kind: 'blobs', source: 'blobs', error: 'rsync exit 23' },
      untouched: ['data'],
      snapshot: 'main-pre-restore-20240101T000000Z',
      rollbackCommand: 'pullback --config /etc/p.yaml restore --rollback 7 --yes',
    });
    expect(text.split('\n')).toEqual([
      'Restore 7 of main FAILED at blobs blobs: rsync exit 23',
      'State of the target:',
      '  restored: db',
      '  possibly partly restored: blobs',
      '  untouched: data',
      "To return the target to its state before the restore: pullback --config /etc/p.yaml restore --rollback 7 --yes",
    ]);
    expect(formatOutcome({ status: 'ok', restoreId: 1, kind: 'restore', target: 'main', restored: ['db'], untouched: [], snapshot: 's', rollbackCommand: 'cmd' })).toContain('to undo: cmd');
  });

  it('restore --only db names the sources it left out, never "untouched: nothing"', () => {
    const three = host('main', [src('db', 'database', '/dumps'), src('blobs', 'blobs', '/srv/blobs'), src('data', 'data', '/srv/data')]);
    const only = buildRestorePlan({
      manifest: manifest([
        { name: 'data', kind: 'data', path: '/srv/data', status: 'ok' },
        { name: 'db', kind: 'database', path: '/dumps', status: 'ok', dumps: [dump('app')] },
        { name: 'blobs', kind: 'blobs', path: '/srv/blobs', status: 'ok' },
      ]),
      repository: '/borg/main',
      archive: 'main-20240101T000000Z',
      origin: three,
      target: three,
      figures: {},
      only: ['db'],
    });
    expect(only.steps.map((s) => s.source)).toEqual(['db']);
    expect(only.notSelected).toEqual(['blobs', 'data']);
    expect(formatPlan(only).split('\n').at(-1)).toBe('  not selected (left as they are): blobs, data');
    const base = { restoreId: 3, kind: 'restore' as const, target: 'main', notSelected: only.notSelected, snapshot: 's', rollbackCommand: 'cmd' };
    const failed = formatOutcome({ ...base, status: 'failed', restored: [], stoppedAt: { kind: 'database', source: 'db', error: 'pg_restore exit 1', changed: true }, untouched: [] });
    expect(failed).toContain('  not selected: blobs, data');
    expect(failed).not.toContain('untouched: nothing');
    expect(formatOutcome({ ...base, status: 'ok', restored: ['db'], untouched: [] }).split('\n')).toEqual([
      'Restore 3 of main: done, every check passed.',
      'Not selected (left as they were): blobs, data',
      'The state before it is kept as s; to undo: cmd',
    ]);
    expect(plan.notSelected).toEqual([]);
  });
});
