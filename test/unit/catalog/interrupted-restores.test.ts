// A restore whose process died is found by the next command (by PID, start time and boot id),
// recorded interrupted with the time noticed, and named until a rollback of it or a complete
// restore onto the target finishes OK; a live one is left alone.
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import { interruptAbandonedRestores, interruptedRestoreText, rollbackArgv, rollbackTarget, unresolvedInterruptedRestores } from '../../../src/catalog/interrupted-restores.js';
import { RestoreRecorder } from '../../../src/restore/record.js';
import { makeTempDir } from '../../harness/index.js';

const base = { host: 'web', target: 'web', repository: '/srv/borg/web', archive: 'web-20261207T020000Z', plan: {} };

/** A restore that got as far as its first source, then lost its process (another start time: certainly not this one). */
function killedRestore(catalog: Catalog): number {
  const rec = RestoreRecorder.start(catalog.db, { ...base, kind: 'restore' });
  for (const k of ['readiness', 'stop_writes', 'snapshot']) {
    const id = rec.plan(k);
    rec.begin(id);
    rec.end(id, 'ok', undefined, k === 'stop_writes' ? { ran: [{ argv: ['systemctl', 'stop', 'app'], exitCode: 0 }] } : undefined);
  }
  rec.setSnapshot('/srv/borg/web', 'web-pre-restore-20261207T030000Z');
  rec.begin(rec.plan('blobs', 'blobs'));
  rec.plan('start_writes');
  catalog.db.prepare("UPDATE restores SET pid_start = 'not-this-process' WHERE id = ?").run(rec.id);
  return rec.id;
}

describe('interrupted restores', () => {
  it('records a restore whose process is gone as interrupted, with the time noticed, and leaves a live one alone', () => {
    const catalog = Catalog.open(makeTempDir('catalog-'));
    try {
      const dead = killedRestore(catalog);
      const live = RestoreRecorder.start(catalog.db, { ...base, kind: 'restore', target: 'other' }).id;
      const found = interruptAbandonedRestores(catalog);
      expect(found.map((f) => f.id)).toEqual([dead]);
      const row = catalog.db.prepare('SELECT status, noticed_at, error FROM restores WHERE id = ?').get(dead) as { status: string; noticed_at: string; error: string };
      expect(row.status).toBe('interrupted');
      expect(row.noticed_at).toBe(found[0]!.noticedAt);
      expect(row.error).toMatch(/ended without recording an end \(killed or crashed\); noticed /);
      expect((catalog.db.prepare('SELECT status FROM restores WHERE id = ?').get(live) as { status: string }).status).toBe('running');
      expect(interruptAbandonedRestores(catalog)).toEqual([]);
      // Without stop_writes commands configured, a dead restore stopped no writes.
      catalog.db.prepare("UPDATE restore_steps SET details = NULL WHERE restore_id = ? AND kind = 'stop_writes'").run(dead);
      expect(unresolvedInterruptedRestores(catalog, 'web')[0]!.writesMayBeStopped).toBe(false);
      catalog.db.prepare("UPDATE restore_steps SET details = ? WHERE restore_id = ? AND kind = 'stop_writes'").run(JSON.stringify({ ran: [{ argv: ['systemctl', 'stop', 'app'], exitCode: 0 }] }), dead);

      const [open] = unresolvedInterruptedRestores(catalog, 'web');
      expect(open).toMatchObject({ id: dead, completed: ['stop_writes', 'snapshot'], stoppedIn: 'blobs', writesMayBeStopped: true, snapshotArchive: 'web-pre-restore-20261207T030000Z' });
      const command = rollbackArgv('/etc/pullback/pullback.yaml', rollbackTarget(open!)!).join(' ');
      expect(command).toBe(`pullback --config /etc/pullback/pullback.yaml restore --rollback ${dead} --yes`);
      const text = interruptedRestoreText(open!, command);
      expect(text).toContain(`restore ${dead} of archive web-20261207T020000Z onto web`);
      expect(text).toContain('was INTERRUPTED during blobs: its process died (killed or crashed); found ');
      expect(text).toContain(`To put the target back as it was before restore ${dead}: ${command}`);
    } finally {
      catalog.close();
    }
  });

  it('is resolved by its rollback or a complete restore finished OK, not by a partial one', () => {
    const catalog = Catalog.open(makeTempDir('catalog-'));
    try {
      const dead = killedRestore(catalog);
      interruptAbandonedRestores(catalog);
      RestoreRecorder.start(catalog.db, { ...base, kind: 'restore', only: ['db'] }).finish('ok');
      expect(unresolvedInterruptedRestores(catalog, 'web').map((r) => r.id)).toEqual([dead]);
      RestoreRecorder.start(catalog.db, { ...base, kind: 'rollback', rollbackOf: dead }).finish('failed');
      expect(unresolvedInterruptedRestores(catalog, 'web').map((r) => r.id)).toEqual([dead]);
      RestoreRecorder.start(catalog.db, { ...base, kind: 'rollback', rollbackOf: dead }).finish('ok');
      expect(unresolvedInterruptedRestores(catalog, 'web')).toEqual([]);
    } finally {
      catalog.close();
    }
  });
});
