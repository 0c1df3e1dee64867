// rsync --hard-links hangs when a hard-linked file cannot be replaced on the receiver; the push
// watchdog stops it after the I/O timeout instead of waiting forever.
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { rsyncPush } from '../../../src/tools/rsync/push.js';
import { makeTempDir, startSshd, writeTestConfig } from '../../harness/index.js';

describe('rsyncPush', () => {
  it('fails (instead of hanging) when a hard-linked target file is immutable', async () => {
    const server = await startSshd();
    const root = makeTempDir('push-stall-');
    const from = join(root, 'from');
    const to = join(root, 'to');
    for (const d of [join(from, 'n'), join(to, 'n')]) mkdirSync(d, { recursive: true });
    writeFileSync(join(from, 'a'), 'archived\n');
    linkSync(join(from, 'a'), join(from, 'n', 'b'));
    writeFileSync(join(to, 'a'), 'changed since\n');
    linkSync(join(to, 'a'), join(to, 'n', 'b'));
    const cfg = await writeTestConfig({ hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: to }] }], global: { rsync: { timeout: '2s', attempts: 1 } } });
    const config = loadConfig(cfg.configPath);
    execFileSync('chattr', ['+i', join(to, 'a')]);
    try {
      const started = Date.now();
      const out = await rsyncPush(config.global, config.hosts[0]!, from, to);
      expect(out.verdict.kind).toBe('failed');
      expect('reason' in out.verdict && out.verdict.reason).toMatch(/stalled after a receiver error.*Operation not permitted/);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      execFileSync('chattr', ['-i', join(to, 'a')]);
    }
  });
});
