// Archive names and which archives belong to a host (list, prune): one naming rule, three readers.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { archiveName } from '../../../src/archive/create.js';
import { belongsTo } from '../../../src/commands/list.js';
import { nightlyGlob } from '../../../src/tools/borg/flags.js';
import { renderTable } from '../../../src/util/table.js';

describe('archiveName', () => {
  it('is <host>-YYYYMMDDTHHMMSSZ in UTC, milliseconds dropped', () => {
    expect(archiveName('main', new Date('2024-03-05T07:08:09.999Z'))).toBe('main-20240305T070809Z');
    expect(archiveName('db-1.example', new Date(Date.UTC(2023, 11, 31, 23, 59, 59)))).toBe('db-1.example-20231231T235959Z');
  });

  it('round-trips through belongsTo and the nightly glob', () => {
    const name = archiveName('web', new Date('2024-01-02T03:04:05Z'));
    expect(belongsTo(name, 'web')).toBe(true);
  });
});

describe('belongsTo', () => {
  it('takes nightly and pre-restore archives of the host', () => {
    expect(belongsTo('main-20240101T000000Z', 'main')).toBe(true);
    expect(belongsTo('main-pre-restore-20240101T000000Z', 'main')).toBe(true);
  });

  it('refuses other hosts that share a prefix, other suffixes and look-alikes', () => {
    expect(belongsTo('main-2-20240101T000000Z', 'main')).toBe(false);
    expect(belongsTo('main-2-20240101T000000Z', 'main-2')).toBe(true);
    expect(belongsTo('mainx-20240101T000000Z', 'main')).toBe(false);
    expect(belongsTo('main-20240101T000000Z.checkpoint', 'main')).toBe(false);
    expect(belongsTo('main-20240101T000000', 'main')).toBe(false);
    expect(belongsTo('xmain-20240101T000000Z', 'main')).toBe(false);
    expect(belongsTo('dbXexample-20240101T000000Z', 'db.example')).toBe(false);
    expect(belongsTo('db.example-20240101T000000Z', 'db.example')).toBe(true);
  });
});

describe('nightlyGlob, as borg itself reads --glob-archives', () => {
  it('matches nightly archives but not pre-restore ones, checkpoints or other hosts', async () => {
    const names = [
      archiveName('main', new Date('2024-01-02T03:04:05Z')),
      'main-pre-restore-20240101T000000Z',
      'main-20240101T000000Z.checkpoint',
      'main-2-20240101T000000Z',
      'mainx-20240101T000000Z',
    ];
    expect(await borgGlobMatches(nightlyGlob('main'), names)).toEqual(['main-20240102T030405Z']);
    expect(await borgGlobMatches(nightlyGlob('main-2'), names)).toEqual(['main-2-20240101T000000Z']);
  });
});

describe('renderTable', () => {
  it('aligns columns two spaces apart under a rule, without trailing spaces', () => {
    expect(renderTable(['HOST', 'STATUS', 'DETAIL'], [['main', 'OK', ''], ['a-long-host', 'FAILED', 'ssh: refused']])).toBe(
      ['HOST         STATUS  DETAIL', '-----------  ------  ------------', 'main         OK', 'a-long-host  FAILED  ssh: refused'].join('\n'),
    );
  });

  it('renders a header alone and tolerates short rows', () => {
    expect(renderTable(['A', 'B'], [])).toBe('A  B\n-  -');
    expect(renderTable(['A', 'B'], [['xyz']])).toBe('A    B\n---  -\nxyz');
  });
});

/** The names borg's own shell-pattern translation (what --glob-archives uses) matches; borg is a Python package. */
async function borgGlobMatches(glob: string, names: string[]): Promise<string[]> {
  const py = 'import json, re, sys\nfrom borg.shellpattern import translate\nr = re.compile(translate(sys.argv[1], match_end=r"\\Z"))\nprint(json.dumps([n for n in sys.argv[2:] if r.match(n)]))';
  const r = await execa('/usr/bin/python3', ['-c', py, glob, ...names]);
  return JSON.parse(r.stdout) as string[];
}
