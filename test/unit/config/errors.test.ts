import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { ConfigError } from '../../../src/errors.js';
import { GLOBAL, HOST, problemsOf, short, writeConfig } from './fixture.js';

describe('configuration problems are reported all at once', () => {
  it('names both files, the lines and the keys: an indentation error in one host file, an unknown key and a bad kind in another', () => {
    const broken = `name: alpha
address: 10.0.0.1
user: backup
sources:
  - name: db
     kind: database
    path: /srv/db
`;
    const wrong = `name: beta
address: 10.0.0.2
user: backup
colour: blue
sources:
  - {name: db, kind: database, path: /srv/db}
  - name: files
    kind: db
    path: /srv/files
`;
    let error: unknown;
    try {
      loadConfig(writeConfig(GLOBAL, { 'alpha.yaml': broken, 'beta.yaml': wrong }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = short((error as ConfigError).problems);
    expect(problems.some((p) => p.file === 'hosts/alpha.yaml' && p.line === 5 && p.message.startsWith('YAML syntax error'))).toBe(true);
    expect(problems).toContainEqual({ file: 'hosts/beta.yaml', line: 4, key: 'colour', message: "unknown key 'colour'" });
    expect(problems).toContainEqual({
      file: 'hosts/beta.yaml',
      line: 8,
      key: 'sources[1].kind',
      message: "must be one of database, blobs, data (got 'db')",
    });
    const text = (error as ConfigError).message;
    expect(text).toMatch(/alpha\.yaml:5:\d+: YAML syntax error/);
    expect(text).toContain("beta.yaml:4: colour: unknown key 'colour'");
  });

  it('an unknown key that is a typo of a known one says which (did you mean)', () => {
    const host = `name: web\naddress: 10.0.0.5\nuser: backup\nsources:\n  - {name: a, kind: data, path: /a, exlude: ['*.tmp'], zzzz: 1}\n`;
    const problems = short(problemsOf(`${GLOBAL}retension: {daily: 3}\n`, { 'web.yaml': host }));
    expect(problems.map((p) => `${p.key}: ${p.message}`)).toEqual([
      "retension: unknown key 'retension' (did you mean 'retention'?)",
      "sources[0].exlude: unknown key 'exlude' (did you mean 'exclude'?)",
      "sources[0].zzzz: unknown key 'zzzz'",
    ]);
  });

  it('reports problems of the global file and of host files together', () => {
    const problems = short(problemsOf(GLOBAL + 'concurrency: 0\nretention: {daily: 7, hourly: 3}\n', { 'web.yaml': HOST.replace('address: 10.0.0.5', 'address: 10.0.0.5\nport: "22"') }));
    expect(problems).toEqual([
      { file: 'pullback.yaml', line: 7, key: 'concurrency', message: 'must be at least 1 (got 0)' },
      { file: 'pullback.yaml', line: 8, key: 'retention.hourly', message: "unknown key 'hourly'" },
      { file: 'hosts/web.yaml', line: 3, key: 'port', message: "must be a whole number (got '22')" },
    ]);
  });

  it('explains wrong types, missing keys, patterns and empty lists in plain words', () => {
    const host = `name: -bad
address: [10.0.0.5]
sources: []
restore: {min_free: lots, stop_writes: ["systemctl stop app"]}
`;
    const problems = short(problemsOf(GLOBAL.replace('  passphrase_file', '  compression: zstd,23\n  passphrase_file') + 'ssh_timeout: 5\ndump_timeout: 1w\n', { 'web.yaml': host }));
    expect(problems).toEqual([
      {
        file: 'pullback.yaml',
        line: 3,
        key: 'repository.compression',
        message: "must be a borg compression such as lz4, zstd,3, zlib,6, lzma,9 or auto,zstd,10 (zstd levels 1-22, zlib and lzma 0-9) (got 'zstd,23')",
      },
      { file: 'pullback.yaml', line: 8, key: 'ssh_timeout', message: "unknown key 'ssh_timeout'" },
      { file: 'pullback.yaml', line: 9, key: 'dump_timeout', message: "must be a duration such as 30s, 10m, 26h or 2d, or a whole number of seconds (got '1w')" },
      { file: 'hosts/web.yaml', line: 1, key: 'user', message: "required key 'user' is missing" },
      { file: 'hosts/web.yaml', line: 1, key: 'name', message: 'must be 1 to 64 letters, digits, ".", "_" and "-", starting with a letter or digit (got \'-bad\')' },
      { file: 'hosts/web.yaml', line: 2, key: 'address', message: 'must be an IP address or DNS name (letters, digits, ".", ":", "-", not starting with "-") (got a list)' },
      { file: 'hosts/web.yaml', line: 3, key: 'sources', message: 'must not be an empty list' },
      { file: 'hosts/web.yaml', line: 4, key: 'restore.stop_writes[0]', message: "must be a list (got 'systemctl stop app')" },
      { file: 'hosts/web.yaml', line: 4, key: 'restore.min_free', message: "must be a size such as 512M, 2G or 1TiB, or a whole number of bytes (got 'lots')" },
    ]);
  });

  it('reports a missing global file as a ConfigError naming it', () => {
    expect(() => loadConfig('/nonexistent/pullback.yaml')).toThrow(ConfigError);
    expect(() => loadConfig('/nonexistent/pullback.yaml')).toThrow('/nonexistent/pullback.yaml: file not found');
  });

  it('reports a missing hosts_dir and an empty file', () => {
    expect(short(problemsOf(GLOBAL + 'hosts_dir: nowhere\n'))).toEqual([
      { file: 'pullback.yaml', line: 7, key: 'hosts_dir', message: expect.stringMatching(/the hosts directory .*\/nowhere does not exist/) },
    ]);
    expect(short(problemsOf(GLOBAL, { 'web.yaml': '' }))).toEqual([{ file: 'hosts/web.yaml', line: undefined, key: undefined, message: 'the file is empty' }]);
  });

  it('reads only *.yaml and *.yml files of hosts_dir, in name order', () => {
    const file = writeConfig(GLOBAL, { 'b.yml': HOST.replace('name: web', 'name: b'), 'a.yaml': HOST.replace('name: web', 'name: a'), 'notes.txt': 'x: [' });
    writeFileSync(file.replace('pullback.yaml', 'hosts/README.md'), '# not a host');
    expect(loadConfig(file).hosts.map((h) => h.name)).toEqual(['a', 'b']);
  });
});
