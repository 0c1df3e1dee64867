import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { suppliedPlan, suppliedStaging } from '../../../src/restore/supplied-dumps.js';
import { restoredPaths, stageAheadRefusal } from '../../../src/restore/staging.js';
import { dump, host, src } from './fixture.js';

describe('supplied dumps (restore --at without --into)', () => {
  const db = src('db', 'database', '/srv/dumps', { dump: { engine: 'postgres', databases: ['appdb', 'other'], connection: { host: '127.0.0.1', port: 5433, user: 'postgres' } } } as never);
  const main = host('main', [db]);

  it('plans one database step restoring exactly the dumps given, into the source database on its connection', () => {
    const plan = suppliedPlan({ host: 'main', target: main, source: db, repository: '/borg/main', label: 'main-20261207T000000Z + WAL to 2026-12-07 14:32:00 UTC', createdAt: '2026-12-07T14:40:00Z', dumps: [dump('appdb', { file: '1-appdb.pitr.dump', size: 3000 })] });
    expect(plan.archive).toBe('main-20261207T000000Z + WAL to 2026-12-07 14:32:00 UTC');
    expect(plan.steps).toHaveLength(1);
    const step = plan.steps[0]!;
    expect(step).toMatchObject({ source: 'db', kind: 'database', mode: 'databases', bytes: 3000, files: 1, drops: [] });
    expect(step.databases.map((d) => [d.database, d.connection.port, d.dump.file])).toEqual([['appdb', 5433, '1-appdb.pitr.dump']]);
    expect(step.overwrites).toMatch(/^postgres database appdb on 127\.0\.0\.1:5433 of main \(replaced by the dump: restored into a fresh database, then swapped in/);
    expect(step.globals).toBeUndefined();
    // What the plan pushes is the dump file only (never the archive's folder).
    expect(restoredPaths(plan)).toEqual({ prefix: [], exact: ['db/1-appdb.pitr.dump'] });
    expect(stageAheadRefusal(plan, 10 ** 12)).toBeUndefined();
  });

  it('stages what is already in place, settled, and removes it on dispose', async () => {
    const dir = join(tmpdir(), `supplied-${process.pid}-${Date.now()}`);
    mkdirSync(join(dir, 'db'), { recursive: true });
    writeFileSync(join(dir, 'db', 'x.dump'), 'x');
    const s = suppliedStaging(dir, 'db');
    expect(s.ahead).toEqual(['db']);
    expect(s.dirOf('db')).toBe(join(dir, 'db'));
    expect(await s.settled()).toBe(true);
    expect(s.readBackBy).toMatch(/scratch cluster/);
    await s.dispose();
    expect(existsSync(dir)).toBe(false);
  });
});
