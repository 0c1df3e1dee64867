// Reading a repository's identity: the config file's id, borg's "no repository here" lines, the argv.
import { describe, expect, it } from 'vitest';
import { buildRepoIdArgs, isMissingRepoLine, isNoManifestLine, parseRepoConfigId } from '../../../../src/tools/borg/repo-id.js';

const ID = 'b3afecd9378b213d0a91b1ef10c9493b0bc1667dc9c7b2e8764aaa4726c6cd1b';

describe('parseRepoConfigId', () => {
  it('reads the id of the [repository] section of a borg 1.2 config', () => {
    const text = `[repository]\nversion = 1\nsegments_per_dir = 1000\nmax_segment_size = 524288000\nappend_only = 0\nstorage_quota = 0\nadditional_free_space = 0\nid = ${ID.toUpperCase()}\nkey = abc\n\n`;
    expect(parseRepoConfigId(text)).toBe(ID);
  });
  it('ignores an id outside [repository] and says undefined when there is none', () => {
    expect(parseRepoConfigId(`[other]\nid = ${ID}\n`)).toBeUndefined();
    expect(parseRepoConfigId('')).toBeUndefined();
  });
});

describe('isMissingRepoLine', () => {
  it("recognises borg's words for a missing directory and for a directory without a repository", () => {
    expect(isMissingRepoLine('Repository /srv/borg/main does not exist.')).toBe(true);
    expect(isMissingRepoLine('/srv/borg/main is not a valid repository. Check repo config.')).toBe(true);
    expect(isMissingRepoLine('Failed to create/acquire the lock /srv/borg/main/lock.exclusive (timeout).')).toBe(false);
  });
});

describe('isNoManifestLine', () => {
  it("recognises borg's words for a repository without a manifest, and nothing else", () => {
    expect(isNoManifestLine('Repository has no manifest.')).toBe(true);
    expect(isNoManifestLine('Repository has no manifest.\n')).toBe(true);
    expect(isNoManifestLine('Repository /r does not exist.')).toBe(false);
    expect(isNoManifestLine('Failed to create/acquire the lock /r/lock.exclusive (timeout).')).toBe(false);
  });
});

describe('buildRepoIdArgs', () => {
  it('lists at most one archive as JSON (the repository id comes with it)', () => {
    expect(buildRepoIdArgs('ssh://b@h/./r')).toEqual(['list', '--lock-wait', '2', '--json', '--last', '1', 'ssh://b@h/./r']);
  });
});
