// A gap in the WAL: while the daemon is stopped the slot is dropped and the server removes the WAL
// the backup host had not received. The receiver started again finds it gone, keeps what it had
// aside, streams on from the new slot, and the window is red naming the gap; the daemon answers it
// with a run of the host (waiting for a run that holds the run lock), whose base backup starts a new
// window: green again.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { holdLockInChild, pitrWorld } from '../../harness/index.js';

interface Window {
  status: string;
  reasons: string[];
}

describe('a gap in the WAL', () => {
  it('is found when the server removed WAL the receiver had not received, reported red, and closed at once by the daemon\'s run of the host (after the run lock freed)', async () => {
    const w = await pitrWorld();
    await w.pg.sql('appdb', 'CREATE TABLE t (n int);');
    const first = await w.receiving();
    expect((await w.run('run')).exitCode).toBe(0);
    expect(await first.stop()).toBe(0);

    // Away: the slot is dropped, and the server writes and removes WAL past what was received.
    await w.pg.sql('postgres', "SELECT pg_drop_replication_slot('pullback_test');");
    for (let i = 0; i < 4; i++) await w.pg.sql('appdb', 'INSERT INTO t SELECT generate_series(1, 1000); SELECT pg_switch_wal();');
    await w.pg.sql('postgres', 'CHECKPOINT;');

    // A run of the host holds the run lock while the gap is found: the daemon's base backup waits for it (the window stays red meanwhile).
    const manual = await holdLockInChild(join(w.cfg.stateDir, 'locks', 'run.lock'), 'pullback run (test)');
    const second = w.daemon();
    await w.until('the gap is recorded', () => w.receiver()?.gap != null);
    expect(w.receiver()!.gap).toMatch(/WAL lost on the server before the receiver got it .*has already been removed/);
    const wal = join(w.cfg.stateDir, 'pitr', 'main', 'db');
    expect(readdirSync(wal).some((f) => f.startsWith('wal-before-gap-'))).toBe(true);
    // Streaming again from the new slot (its newest point moves past the gap), the gap still open.
    const gapAt = new Date(w.receiver()!.gap_at!);
    await w.until('streaming again from the new slot', () => new Date(w.receiver()?.reached_at ?? 0) > gapAt && w.receiver()?.state === 'gap');
    const red = await w.run('status', '--json');
    expect(red.exitCode).toBe(1);
    const window = (JSON.parse(red.stdout) as { recovery_windows: Window[] }).recovery_windows[0]!;
    expect(window.status).toBe('red');
    expect(window.reasons.join('\n')).toMatch(/gap in the WAL/);
    // The morning report says it too: the host red, the window with its reason.
    const report = await w.run('report');
    expect(report.stdout).toMatch(/^main: RED$/m);
    expect(report.stdout).toMatch(/^ {2}point-in-time recovery db: RED from \S+ to \S+ \(\d+ base backup\(s\), lag .*; receiver .*\)\n {4}main\/db: gap in the WAL/m);

    // A dry run of a restore to the newest point reads the WAL and finds the gap: refused before anything is extracted.
    const dry = await w.run('restore', '--host', 'main', '--only', 'db', '--at', 'latest', '--into', join(w.cfg.stateDir, 'never-made'), '--dry-run');
    expect(dry.exitCode, dry.stdout + dry.stderr).toBe(1);
    expect(dry.stdout).toMatch(/FAIL {2}the WAL from [0-9A-F]{24} on: a gap: \d+ WAL segment\(s\) missing/);
    expect(dry.stdout).toContain('Dry run: the restore would stop at the failed checks above; nothing was extracted.');
    expect(existsSync(join(w.cfg.stateDir, 'never-made'))).toBe(false);
    // Once the lock is free, the daemon answers the gap with a run of the host: its base backup begins after the gap, a new window, green.
    await manual.kill();
    await w.until('the daemon ran the host after the gap', () => w.receiver()?.gap == null, 150_000);
    const green = await w.run('status', '--json');
    expect((JSON.parse(green.stdout) as { recovery_windows: Window[] }).recovery_windows[0]).toMatchObject({ status: 'green', reasons: [] });
    expect(green.exitCode).toBe(0);
    expect(existsSync(join(wal, 'wal'))).toBe(true);
    expect(await second.stop()).toBe(0);
  }, 180_000);
});
