// borg's --lock-wait polls a held lock every tenth of its value: with one long wait, two of
// pullback's borg commands meeting on a repository's lock cost one of them a 12 s sleep. runBorg
// gives borg a short wait per attempt and starts a lock-timed-out attempt again, so a held lock is
// still waited for (up to BORG_LOCK_WAIT_SECONDS) and is taken soon after it is released.
// Also: the NUL-separated item listing reads names with newlines, spaces, leading dashes and non-ASCII.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runBorg, type BorgContext } from '../../../src/tools/borg/run.js';
import { listItemPaths, type ItemPath } from '../../../src/tools/borg/list-items.js';
import { makeTempDir, startBorg } from '../../harness/index.js';

function context(repo: string, messages: string[]): BorgContext {
  const logger = pino({ level: 'info' }, { write: (l: string) => void messages.push(String((JSON.parse(l) as { msg: string }).msg)) });
  return { repository: { pathTemplate: repo, encryption: 'none', compression: 'lz4' } as BorgContext['repository'], stateDir: makeTempDir('pullback-lockwait-state-'), logger };
}

async function repoWithArchive(names: string[]): Promise<{ repo: string; messages: string[]; ctx: BorgContext }> {
  const dir = makeTempDir('pullback-lockwait-');
  const repo = join(dir, 'repo');
  const src = join(dir, 'src');
  mkdirSync(join(src, 'sub'), { recursive: true });
  for (const n of names) writeFileSync(join(src, 'sub', n), n);
  const messages: string[] = [];
  const ctx = context(repo, messages);
  expect((await runBorg(ctx, ['init', '--encryption', 'none', repo])).result.exitCode).toBe(0);
  expect((await runBorg(ctx, ['create', `${repo}::a`, 'sub'], { cwd: src })).result.exitCode).toBe(0);
  return { repo, messages, ctx };
}

describe('borg lock wait', () => {
  it('waits for a lock another process holds, and takes it once released', async () => {
    const { repo, messages, ctx } = await repoWithArchive(['x']);
    const holder = startBorg(['with-lock', repo, 'sleep', '4']);
    // Until borg's own lock exists (with-lock takes it at once).
    for (let i = 0; i < 50; i++) {
      const probe = await execa('borg', ['list', '--lock-wait', '0', repo], { reject: false, env: { BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: 'yes', BORG_BASE_DIR: ctx.stateDir } });
      if (probe.exitCode !== 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    messages.length = 0;
    const out = await runBorg(ctx, ['list', '--lock-wait', '1', `${repo}::a`]);
    expect(out.result.exitCode).toBe(0);
    expect(messages.some((m) => /borg is waiting for a lock another process holds/.test(m))).toBe(true);
    expect((await holder).exitCode).toBe(0);
  });

  it('lists names with newlines, spaces, leading dashes and non-ASCII as NUL-separated records, two readers at once', async () => {
    const names = ['plain.csv', 'with space', 'line\nbreak', '-leading-dash', 'naïve ☃.txt', 'tab\there'];
    const { repo, ctx } = await repoWithArchive(names);
    const lists: ItemPath[][] = [[], []];
    await Promise.all(lists.map((l) => listItemPaths(ctx, repo, 'a', (i) => void l.push(i))));
    for (const l of lists) {
      expect(l.filter((i) => i.type === '-').map((i) => i.path).sort()).toEqual(names.map((n) => `sub/${n}`).sort());
      expect(l.find((i) => i.path === 'sub')?.type).toBe('d');
    }
  });
});
