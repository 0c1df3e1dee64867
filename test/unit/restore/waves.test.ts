import { describe, expect, it } from 'vitest';
import { apartFromOthers, restoreWaves, WAVE_WIDTH } from '../../../src/restore/order.js';

type S = { source: string; kind: 'database' | 'blobs' | 'data'; mode: 'databases' | 'files'; targetPath: string };
const s = (source: string, kind: S['kind'], targetPath: string, mode: S['mode'] = 'files'): S => ({ source, kind, mode, targetPath });
const names = (waves: S[][]) => waves.map((w) => w.map((x) => x.source));

describe('restore waves', () => {
  it('pushes folders of one kind at once, never across kinds, and each database step alone', () => {
    const steps = [s('pg', 'database', '/var/dumps', 'databases'), s('my', 'database', '/var/my', 'databases'), s('blobs', 'blobs', '/srv/blobs'), s('data', 'data', '/srv/data'), s('dumps', 'data', '/srv/dumps')];
    expect(names(restoreWaves(steps))).toEqual([['pg'], ['my'], ['blobs'], ['data', 'dumps']]);
  });

  it('keeps a push onto a folder inside another one (or the same folder) in a later wave', () => {
    const steps = [s('app', 'data', '/srv/app'), s('uploads', 'data', '/srv/app/uploads'), s('other', 'data', '/srv/other'), s('same', 'data', '/srv/other/')];
    expect(names(restoreWaves(steps))).toEqual([['app'], ['uploads', 'other'], ['same']]);
    // A name that merely starts like another folder's is apart from it.
    expect(names(restoreWaves([s('a', 'data', '/srv/app'), s('b', 'data', '/srv/app2')]))).toEqual([['a', 'b']]);
  });

  it('puts at most WAVE_WIDTH pushes in a wave, in the plan order', () => {
    const steps = Array.from({ length: WAVE_WIDTH + 2 }, (_, i) => s(`d${i}`, 'data', `/srv/d${i}`));
    const waves = restoreWaves(steps);
    expect(waves.map((w) => w.length)).toEqual([WAVE_WIDTH, 2]);
    expect(waves.flat()).toEqual(steps);
  });

  it('a database source restored as a folder (its dump files) is pushed with the other database folders only', () => {
    const steps = [s('dumps', 'database', '/var/dumps'), s('pg', 'database', '/x', 'databases'), s('blobs', 'blobs', '/srv/b')];
    expect(names(restoreWaves(steps))).toEqual([['dumps'], ['pg'], ['blobs']]);
  });

  it('a folder is checked as soon as it is pushed only when no other source lies inside it or holds it', () => {
    const steps = [s('app', 'data', '/srv/app'), s('uploads', 'data', '/srv/app/uploads'), s('other', 'data', '/srv/other'), s('other2', 'data', '/srv/other2')];
    expect(steps.filter((x) => apartFromOthers(steps, x)).map((x) => x.source)).toEqual(['other', 'other2']);
  });
});
