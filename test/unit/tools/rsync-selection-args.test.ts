// The argv of a granular restore's rsyncs (restore --path): some entries of a staged folder pushed
// into their folder on the target (no deletion unless --delete, the folder's time kept by the
// guard), their comparison right after, and the safety snapshot's pull of the same entries.
import { describe, expect, it } from 'vitest';
import { buildSelectionPullArgs, buildSelectionPushArgs, guardedKeepTimeRsyncPath } from '../../../src/tools/rsync/args.js';
import { DEFAULT_E, globalConfig, hostConfig } from './fixture.js';

const COPY = ['--archive', '--hard-links', '--numeric-ids', '--acls', '--xattrs', '--sparse'];

describe('buildSelectionPushArgs', () => {
  it('pushes the entries (no trailing slash: each arrives by its own name) without deleting, with the rebased excludes', () => {
    expect(buildSelectionPushArgs(globalConfig(), hostConfig(), ['/stage/data/docs/-rf', '/stage/data/docs/new\nline.txt'], '/srv/data/docs', { delete: false, exclude: ['*.tmp'] })).toEqual([
      ...COPY,
      '--stats', '--no-human-readable',
      '-e', DEFAULT_E,
      '-s',
      '--timeout=300',
      '--exclude=*.tmp',
      '--',
      '/stage/data/docs/-rf',
      '/stage/data/docs/new\nline.txt',
      '10.0.0.5:/srv/data/docs/',
    ]);
  });

  it('deletes inside the pushed folders with --delete, and compares (dry run, checksums, itemized) with verify', () => {
    const args = buildSelectionPushArgs(globalConfig(), hostConfig(), ['/stage/data/docs'], '/srv/data', { delete: true, verify: true });
    expect(args.slice(0, 11)).toEqual([...COPY, '--delete', '--delete-delay', '--dry-run', '--itemize-changes', '--checksum']);
    expect(args).not.toContain('--stats');
  });

  it('with guardRoot: enters the folder without following anything, and puts its time back when rsync ends', () => {
    const g = globalConfig({ rsync: { ioTimeoutSeconds: 300, attempts: 1, backoffSeconds: 1, remotePath: '/usr/bin/rsync' } });
    const args = buildSelectionPushArgs(g, hostConfig(), ['/stage/data/a b'], "/srv/it's", { delete: false, guardRoot: true });
    expect(args.at(-1)).toBe('10.0.0.5:./');
    expect(args).toContain(`--rsync-path=${guardedKeepTimeRsyncPath("/srv/it's", '/usr/bin/rsync')}`);
    expect(guardedKeepTimeRsyncPath("/srv/it's", '/usr/bin/rsync')).toBe(
      `cd -P -- '/srv/it'\\''s' && [ "$(pwd -P)" = '/srv/it'\\''s' ] || { echo 'pullback-push: refused: /srv/it'\\''s is not a real directory now (a symlink, or below one, or missing): nothing was pushed' >&2; exit 126; }; ` +
        'pullback_keep() { t=$(stat -c %y .) || exit 126; /usr/bin/rsync "$@"; r=$?; touch -c -d "$t" . || r=126; exit $r; }; pullback_keep',
    );
  });
});

describe('buildSelectionPullArgs', () => {
  it('pulls several entries of one remote folder (the later ones as :path), never deleting, no devices', () => {
    expect(buildSelectionPullArgs(globalConfig(), hostConfig(), '/srv/data/docs', ['-rf', 'a b'], '/pre/data/docs')).toEqual([
      ...COPY,
      '--stats', '--no-human-readable',
      '--no-devices',
      '-e', DEFAULT_E,
      '-s',
      '--timeout=300',
      '--',
      '10.0.0.5:/srv/data/docs/-rf',
      ':/srv/data/docs/a b',
      '/pre/data/docs/',
    ]);
  });
});
