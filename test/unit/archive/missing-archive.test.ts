// A wrong --archive names the newest nightly archives first, a few of them.
import { describe, expect, it } from 'vitest';
import { missingArchiveMessage } from '../../../src/archive/facts.js';

describe('missingArchiveMessage', () => {
  it('lists the five newest nightly archives, newest first, and how many more there are', () => {
    const names = Array.from({ length: 7 }, (_, i) => `main-2024010${i + 1}T000000Z`);
    expect(missingArchiveMessage('main-x', '/srv/borg/main', 'main', names)).toBe(
      'no archive named main-x in /srv/borg/main; the newest nightly archives of main: main-20240107T000000Z, main-20240106T000000Z, ' +
        'main-20240105T000000Z, main-20240104T000000Z, main-20240103T000000Z, and 2 older (pullback list --host main)',
    );
    expect(missingArchiveMessage('main-x', '/r', 'main', names.slice(0, 2))).toBe('no archive named main-x in /r; the newest nightly archives of main: main-20240102T000000Z, main-20240101T000000Z');
    expect(missingArchiveMessage('main-x', '/r', 'main', [])).toBe('no archive named main-x in /r, and host main has no nightly archives there');
  });
});
