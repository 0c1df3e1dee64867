// The words a restore prints: plan, checklist lines, the closing state and rollback command.
import { describe, expect, it } from 'vitest';
import { formatChecklist, formatOutcome, formatPlan, formatStep } from '../../../src/restore/format.js';
import { buildRestorePlan } from '../../../src/restore/plan.js';
import { dump, host, manifest, src } from './fixture.js';

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
  it('counts in agreement: 1 file, 3 files (never "1 files")', () => {
    const one = buildRestorePlan({
      manifest: manifest([{ name: 'files', kind: 'data', path: '/srv/files', status: 'ok' }]),
      repository: '/borg/main',
      archive: 'main-20240101T000000Z',
      origin: main,
      target: main,
      figures: { files: { files: 1, bytes: 10 } },
    });
    expect(formatPlan(one)).toMatch(/^  1\. data +files +10 B  1 file$/m);
    expect(formatPlan(plan)).toContain('  3 files\n');
  });

  it('prints the plan in order with sizes and what is overwritten', () => {
    expect(formatPlan(plan).split('\n')).toEqual([
      'Restore plan: archive main-20240101T000000Z of host main (/borg/main) onto host main (backup@10.0.0.5:22)',
      '  1. database db        1000 B  1 dump(s)',
      '       overwrites: postgres database app on 127.0.0.1:5432 of main (replaced by the dump: restored into a fresh database, then swapped in; objects created since the dump are gone)',
      '  2. data     files    2.0 KiB  3 files',
      '       overwrites: main:/srv/files (replaced by the archived tree; files not in the archive are deleted)',
      '  data checks, while writes are still stopped (before start_writes): db: rows of app against the dump; files: files and bytes against the archive',
      '  readiness checks, after start_writes: none (no restore.checks configured)',
    ]);
    expect(formatPlan(plan, { readinessChecks: ['app answers'] })).toContain('  readiness checks, after start_writes: check "app answers"');
    const noCounts = buildRestorePlan({
      manifest: manifest([{ name: 'db', kind: 'database', path: '/dumps', status: 'ok', dumps: [dump('app', { rowCounts: undefined })] }]),
      repository: '/borg/main',
      archive: 'main-20240101T000000Z',
      origin: main,
      target: main,
      figures: {},
    });
    expect(formatPlan(noCounts)).toContain('db: rows of app against the dump (none recorded: not verifiable, a warning)');
    expect(formatPlan(plan, { into: '/tmp/x' })).toContain('-> /tmp/x/files');
  });

  it('prints checklists and steps as pass/fail lines', () => {
    expect(formatChecklist('Readiness checklist:', [{ name: 'a', status: 'pass', figure: '1' }, { name: 'b', status: 'fail', figure: '2' }])).toBe(
      'Readiness checklist:\n  PASS  a: 1\n  FAIL  b: 2',
    );
    expect(formatStep({ kind: 'stop_writes', status: 'ok' })).toBe('  OK      stop writes');
    expect(formatStep({ kind: 'blobs', source: 'b', status: 'failed', detail: 'push failed' })).toBe('  FAILED  blobs b: push failed');
    expect(formatStep({ kind: 'data', source: 'data', status: 'ok', detail: '3 files sent, 0 deleted' })).toBe('  OK      data: 3 files sent, 0 deleted');
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
      'Restore 7 of main FAILED at blobs: rsync exit 23',
      'State of the target:',
      '  restored: db',
      '  possibly changed: blobs (it cannot be told whether the failed step changed it; the error above says what to check)',
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
    expect(formatPlan(only).split('\n')).toContain('  not selected (left as they are): blobs, data');
    const base = { restoreId: 3, kind: 'restore' as const, target: 'main', notSelected: only.notSelected, snapshot: 's', rollbackCommand: 'cmd' };
    const failed = formatOutcome({ ...base, status: 'failed', restored: [], stoppedAt: { kind: 'database', source: 'db', error: 'pg_restore exit 1', changed: true }, untouched: [] });
    expect(failed).toContain('  not selected: blobs, data');
    expect(failed).not.toContain('untouched: nothing');
    expect(formatOutcome({ ...base, status: 'ok', restored: ['db'], untouched: [] }).split('\n')).toEqual([
      'Restore 3 of main: done, every check passed.',
      'Not selected (left as they were): blobs, data',
      'The state before it is kept as s; to undo: cmd',
    ]);
    // A snapshot kept outside a damaged repository is named with its repository, on success and on failure.
    const outside = { ...base, snapshotRepository: '/state/safety/main' };
    expect(formatOutcome({ ...outside, status: 'ok', restored: ['db'], untouched: [] })).toContain(
      'The state before it is kept as s in the separate repository /state/safety/main (outside the damaged one); to undo: cmd',
    );
    expect(formatOutcome({ ...outside, status: 'failed', restored: [], stoppedAt: { kind: 'database', source: 'db', error: 'x', changed: true }, untouched: [] }).split('\n').slice(-2)).toEqual([
      'To return the target to its state before the restore: cmd',
      '  (it puts back s in the separate repository /state/safety/main (outside the damaged one))',
    ]);
    expect(plan.notSelected).toEqual([]);
  });

  it('a replace in doubt is "possibly changed", never untouched; only a proven change is "partly restored"', () => {
    const base = { restoreId: 4, kind: 'restore' as const, target: 'main', restored: [], untouched: ['blobs'], snapshot: 's', rollbackCommand: 'cmd' };
    const doubt = formatOutcome({ ...base, status: 'failed', stoppedAt: { kind: 'database', source: 'db', error: 'swap failed (possibly changed; check ...)', changed: 'possibly' } });
    expect(doubt).toContain('  possibly changed: db (');
    expect(doubt).toContain('  untouched: blobs');
    expect(doubt).not.toMatch(/untouched: .*db/);
    expect(formatOutcome({ ...base, status: 'failed', stoppedAt: { kind: 'database', source: 'db', error: 'x', changed: true } })).toContain('  partly restored: db');
  });

  it('a check that could not verify makes the closing line "verified except", never "every check passed"', () => {
    const text = formatOutcome({ status: 'ok', restoreId: 5, kind: 'restore', target: 'main', restored: ['db'], untouched: [], unverified: [{ name: 'db: rows of app', figure: 'not verified: no row counts' }] });
    expect(text.split('\n').slice(0, 2)).toEqual(['Restore 5 of main: done, verified except 1 check(s) that could not verify:', '  db: rows of app: not verified: no row counts']);
    expect(text).not.toContain('every check passed');
    expect(formatChecklist('Data checks:', [{ name: 'db: rows of app', status: 'warn', figure: 'not verified' }])).toBe('Data checks:\n  WARN  db: rows of app: not verified');
  });

  it('a step that warned is said again in the closing lines, never a bare "every check passed."', () => {
    const w = 'database db: swapped; warning: the swap reported an error, but it had committed';
    const text = formatOutcome({ status: 'ok', restoreId: 7, kind: 'restore', target: 'main', restored: ['db'], untouched: [], warnings: [w] });
    expect(text.split('\n').slice(0, 2)).toEqual(['Restore 7 of main: done, every check passed, with 1 warning(s):', `  ${w}`]);
  });

  it('a failed data check says so, that writes resumed, and what to do', () => {
    const text = formatOutcome({ status: 'failed', restoreId: 6, kind: 'restore', target: 'main', restored: ['db', 'files'], untouched: [], stoppedAt: { kind: 'verify', error: '1 data check(s) failed' }, snapshot: 's', rollbackCommand: 'cmd' });
    expect(text.split('\n')).toEqual([
      'Restore 6 of main FAILED at verify: 1 data check(s) failed',
      'Every source was written (db, files), but the restored data differs from the archive: see the FAIL lines of the data checks above.',
      "These checks ran before writes resumed, so the difference is not the application's new writes. Writes have been resumed (start_writes ran).",
      'Look at the failed items on the target; restore again, or return the target to its state before the restore: cmd',
    ]);
  });
});

describe('restore plan of a partial archive', () => {
  it('says the archive is partial and which restored sources come from an older night, with how much older', () => {
    const m = manifest([
      { name: 'files', kind: 'data', path: '/srv/files', status: 'kept', failed: { step: 'pull', error: 'rsync 23', keptFrom: 'main-20231230T230000Z' } },
      { name: 'db', kind: 'database', path: '/dumps', status: 'ok', dumps: [dump('app')] },
    ]);
    const partial = buildRestorePlan({
      manifest: { ...m, partial: { comment: 'partial: failed files (pull; last good state from main-20231230T230000Z)' } },
      repository: '/borg/main',
      archive: 'main-20240101T000000Z',
      origin: main,
      target: main,
      figures: {},
    });
    expect(partial.partial).toEqual({ comment: 'partial: failed files (pull; last good state from main-20231230T230000Z)', older: [{ source: 'files', failedStep: 'pull', keptFrom: 'main-20231230T230000Z', olderBySeconds: 25 * 3600 }] });
    expect(formatPlan(partial).split('\n').slice(1, 3)).toEqual([
      '  WARNING: main-20240101T000000Z is a PARTIAL archive (partial: failed files (pull; last good state from main-20231230T230000Z))',
      "    files: not from this archive's night (pull failed); it restores its last good state, kept from main-20231230T230000Z, 25h00m older than the archive",
    ]);
    expect(plan.partial).toBeUndefined();
    expect(formatPlan(plan)).not.toContain('PARTIAL');
  });
});
