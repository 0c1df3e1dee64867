// borg create's count of the files it had to read (its --list lines) is the same at a terminal
// (--progress --log-json, where borg prints each line as JSON) as under cron: issue 25 saw a TTY
// summary say "0 new and 0 changed files" after files were added, where the same run without a TTY
// said 4 new.
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runBorg, type BorgContext } from '../../../src/tools/borg/run.js';
import { createArchive } from '../../../src/tools/borg/create.js';
import { makeTempDir } from '../../harness/index.js';

describe('borg create read counts', () => {
  it('counts the new and changed files with and without progress lines', async () => {
    const dir = makeTempDir('pullback-readcount-');
    const repo = join(dir, 'repo');
    const src = join(dir, 'src');
    mkdirSync(join(src, 'data'), { recursive: true });
    // borg keeps no files-cache entry for a file as new as the newest one it saw (its mtime could
    // still change unseen): every file is dated two hours back, and one, 'newest', an hour back,
    // which borg therefore reads every time (one more 'added' a night).
    const write = (name: string, text: string, hoursAgo = 2) => {
      writeFileSync(join(src, 'data', name), text);
      const past = new Date(Date.now() - hoursAgo * 3600_000);
      utimesSync(join(src, 'data', name), past, past);
    };
    for (let i = 0; i < 10; i++) write(`f${i}`, `file ${i}`);
    write('newest', 'the newest file', 1);
    const ctx: BorgContext = { repository: { pathTemplate: repo, encryption: 'none', compression: 'lz4' } as BorgContext['repository'], stateDir: makeTempDir('pullback-readcount-state-'), logger: pino({ level: 'silent' }) };
    expect((await runBorg(ctx, ['init', '--encryption', 'none', repo])).result.exitCode).toBe(0);
    const base = { repo, compression: 'lz4', paths: ['data'] };
    await createArchive(ctx, { ...base, archive: 'a0' }, src);

    const progressSeen: number[] = [];
    for (const [archive, progress] of [['a1', false], ['a2', true]] as const) {
      // Four new files, one changed (another size: borg's files cache keys on mtime and size).
      for (let i = 0; i < 4; i++) write(`${archive}-new${i}`, `new ${i}`);
      write('f0', `changed in ${archive}, longer than before`);
      const stats = await createArchive(ctx, { ...base, archive }, src, progress ? (p) => void progressSeen.push(p.nfiles) : undefined);
      expect(stats.read, archive).toEqual({ added: 4 + 1, modified: 1, errors: 0 });
    }
    expect(progressSeen.length).toBeGreaterThan(0);
  });
});
