// rclone argv builders and its JSON log lines.
import { describe, expect, it } from 'vitest';
import { buildCheckArgs, buildFetchArgs, buildSizeArgs, buildSyncArgs } from '../../../src/tools/rclone/args.js';
import { classifyRcloneExit } from '../../../src/tools/rclone/exit-codes.js';
import { parseRcloneLogLine } from '../../../src/tools/rclone/run.js';

const base = ['--use-json-log', '--retries', '3', '--low-level-retries', '10'];
const locks = ['--exclude', '/lock.exclusive/**', '--exclude', '/lock.roster'];

describe('rclone argv', () => {
  it('sync: config, bandwidth in KiB/s, --max-delete, borg lock files left out, paths after --', () => {
    expect(buildSyncArgs('/srv/borg/-main', 'b2:x/-main', { config: '/etc/p/rclone.conf', bwlimitBytes: 20 * 1024 * 1024, maxDelete: 64 })).toEqual([
      'sync', ...base, '--config', '/etc/p/rclone.conf', '--bwlimit', '20480K', '--stats', '1h', '--stats-log-level', 'NOTICE', '--max-delete', '64', ...locks, '--', '/srv/borg/-main', 'b2:x/-main',
    ]);
    expect(buildSyncArgs('/a', 'r:b', { bwlimitBytes: 10, maxDelete: 5 })).toContain('1K');
  });
  it('check, size, fetch', () => {
    expect(buildCheckArgs('/a', 'r:b', {})).toEqual(['check', ...base, ...locks, '--', '/a', 'r:b']);
    expect(buildSizeArgs('r:b', {})).toEqual(['size', ...base, '--json', '--', 'r:b']);
    expect(buildFetchArgs('r:b', '/tmp/f', {})).toEqual(['sync', ...base, '--stats', '1h', '--stats-log-level', 'NOTICE', '--', 'r:b', '/tmp/f']);
  });
  it('reads JSON log lines and the final statistics', () => {
    expect(parseRcloneLogLine('{"level":"warning","msg":"0 differences found","object":"Local file system at /b"}')).toMatchObject({ level: 'warning', msg: '0 differences found', text: 'Local file system at /b: 0 differences found' });
    expect(parseRcloneLogLine('{"level":"warning","msg":"\\nTransferred: x","stats":{"bytes":100003,"deletes":1,"transfers":2,"errors":0}}')?.stats).toEqual({ bytes: 100003, transfers: 2, deletes: 1, errors: 0 });
    expect(parseRcloneLogLine('2026/12/02 Failed to sync')).toBeUndefined();
    expect(parseRcloneLogLine('{"level":"warning","msg":"1 hashes could not be checked","object":"Encrypted drive \'cr:\'"}')?.msg).toBe('1 hashes could not be checked');
  });
  it('classifies exit codes; rclone check exits 1 for differences', () => {
    expect(classifyRcloneExit(0)).toEqual({ kind: 'ok' });
    expect(classifyRcloneExit(1, { differences: 3 })).toEqual({ kind: 'failed', reason: 'rclone check found 3 difference(s)' });
    expect(classifyRcloneExit(7)).toMatchObject({ reason: expect.stringContaining('--max-delete') });
    expect(classifyRcloneExit(undefined, { signal: 'SIGTERM' })).toMatchObject({ reason: 'rclone was killed by SIGTERM' });
  });
});
