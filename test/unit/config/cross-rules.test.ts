import { describe, expect, it } from 'vitest';
import { GLOBAL, HOST, problemsOf, short } from './fixture.js';

const host = (sources: string, rest = ''): Record<string, string> => ({
  'web.yaml': `name: web\naddress: 10.0.0.5\nuser: backup\nsources:\n${sources}${rest}`,
});

describe('cross-field rules', () => {
  it('duplicate host names across files name both files and lines', () => {
    const problems = short(problemsOf(GLOBAL, { 'a.yaml': HOST, 'b.yaml': `# second\n${HOST}` }));
    expect(problems).toEqual([{ file: 'hosts/b.yaml', line: 2, key: 'name', message: expect.stringMatching(/^duplicate host name 'web' \(also in \/.*\/hosts\/a\.yaml line 1\)$/) }]);
  });

  it('one replication slot per PostgreSQL server: a second PITR source with the same slot on the same server is named, across host files', () => {
    const pitr = (name: string, extra = '') => `  - {name: ${name}, kind: database, path: /${name}, dump: {engine: postgres, databases: [${name}]}, pitr: {${extra}}}\n`;
    const problems = short(
      problemsOf(GLOBAL, {
        'web.yaml': `name: web\naddress: 10.0.0.5\nuser: backup\nsources:\n${pitr('a')}${pitr('b')}${pitr('c', 'slot: other')}${pitr('d', 'connection: {port: 5433}')}`,
        'web2.yaml': `name: web2\naddress: 10.0.0.5\nuser: backup\nsources:\n${pitr('e', 'slot: other')}`,
      }),
    );
    expect(problems).toEqual([
      { file: 'hosts/web.yaml', line: 6, key: 'sources[1].pitr', message: expect.stringMatching(/^replication slot 'pullback' of the PostgreSQL server 127\.0\.0\.1:5432 on 10\.0\.0\.5 is already the slot of source 'a' \(\/.*\/hosts\/web\.yaml line 5\): one slot streams to one receiver; give this source pitr\.slot with another name$/) },
      { file: 'hosts/web2.yaml', line: 5, key: 'sources[0].pitr.slot', message: expect.stringContaining("replication slot 'other' of the PostgreSQL server 127.0.0.1:5432 on 10.0.0.5 is already the slot of source 'c'") },
    ]);
  });

  it('duplicate source names in a host', () => {
    const problems = short(problemsOf(GLOBAL, host('  - {name: db, kind: data, path: /a}\n  - {name: x, kind: data, path: /b}\n  - {name: db, kind: blobs, path: /c}\n')));
    expect(problems).toEqual([{ file: 'hosts/web.yaml', line: 7, key: 'sources[2].name', message: "duplicate source name 'db' (also at line 5)" }]);
  });

  it('dump and max_age only on database sources', () => {
    const problems = short(problemsOf(GLOBAL, host('  - name: b\n    kind: blobs\n    path: /b\n    max_age: 1h\n    dump: {engine: postgres, databases: all}\n')));
    expect(problems).toEqual([
      { file: 'hosts/web.yaml', line: 8, key: 'sources[0].max_age', message: "only database sources can have 'max_age' (this source is kind blobs)" },
      { file: 'hosts/web.yaml', line: 9, key: 'sources[0].dump', message: "only database sources can have 'dump' (this source is kind blobs)" },
    ]);
  });

  it('pitr only on database sources, not for sqlite, no slot for binary logs; its keys are checked with file, line and key', () => {
    const problems = short(
      problemsOf(
        GLOBAL,
        host(
          '  - {name: a, kind: data, path: /a, pitr: {}}\n  - {name: b, kind: database, path: /b, dump: {engine: sqlite, databases: [/b/x.db]}, pitr: {}}\n  - {name: c, kind: database, path: /c, pitr: {slot: Bad-Slot, max_lag: soon}}\n' +
            '  - {name: d, kind: database, path: /d, dump: {engine: mariadb, databases: [shop]}, pitr: {max_lag: 2m}}\n  - {name: e, kind: database, path: /e, dump: {engine: mysql, databases: [shop]}, pitr: {slot: s1}}\n',
        ),
      ),
    );
    expect(problems).toEqual([
      { file: 'hosts/web.yaml', line: 5, key: 'sources[0].pitr', message: "only database sources can have 'pitr' (this source is kind data)" },
      { file: 'hosts/web.yaml', line: 6, key: 'sources[1].pitr', message: 'point-in-time recovery is for PostgreSQL, MariaDB and MySQL servers; this source dumps sqlite' },
      { file: 'hosts/web.yaml', line: 7, key: 'sources[2].pitr.slot', message: "must be a slot name: 1 to 63 lower-case letters, digits and _ (got 'Bad-Slot')" },
      { file: 'hosts/web.yaml', line: 7, key: 'sources[2].pitr.max_lag', message: "must be a duration such as 30s, 10m, 26h or 2d, or a whole number of seconds (got 'soon')" },
      { file: 'hosts/web.yaml', line: 9, key: 'sources[4].pitr.slot', message: "'slot' is a PostgreSQL replication slot; mysql binary logs are read without one" },
    ]);
  });

  it('sqlite databases are absolute paths, never "all"', () => {
    const problems = short(
      problemsOf(
        GLOBAL,
        host('  - {name: a, kind: database, path: /a, dump: {engine: sqlite, databases: all}}\n  - {name: b, kind: database, path: /b, dump: {engine: sqlite, databases: [/ok.db, app.db]}}\n'),
      ),
    );
    expect(problems).toEqual([
      { file: 'hosts/web.yaml', line: 5, key: 'sources[0].dump.databases', message: 'sqlite needs the database files listed as absolute paths; "all" is not possible' },
      { file: 'hosts/web.yaml', line: 6, key: 'sources[1].dump.databases[1]', message: "a sqlite database must be an absolute file path on the main server (got 'app.db')" },
    ]);
  });

  it('databases is a list or "all"', () => {
    const problems = short(problemsOf(GLOBAL, host('  - {name: a, kind: database, path: /a, dump: {engine: postgres, databases: appdb}}\n')));
    expect(problems).toEqual([{ file: 'hosts/web.yaml', line: 5, key: 'sources[0].dump.databases', message: 'must be a list of database names, or "all" (got \'appdb\')' }]);
  });

  it('passphrase_file is required unless encryption is none; retention keeps something', () => {
    const problems = short(problemsOf(GLOBAL.replace('  passphrase_file: /etc/pullback/borg-passphrase\n', '') + 'retention: {daily: 0, weekly: 0, monthly: 0}\n'));
    expect(problems).toEqual([
      { file: 'pullback.yaml', line: 2, key: 'repository', message: 'passphrase_file is required when encryption is repokey-blake2 (or set encryption: none)' },
      { file: 'pullback.yaml', line: 6, key: 'retention', message: 'at least one of daily, weekly, monthly must be above 0, or every archive would be pruned' },
    ]);
  });

  it('sql checks name a database source of the host; each check has exactly one of sql, http, command', () => {
    const restore = `restore:
  checks:
    - {name: none}
    - {name: two, http: {url: "http://x/"}, command: [ls]}
    - {name: missing, sql: {source: nope, database: d, query: q, expect: e}}
    - {name: files, sql: {source: files, database: d, query: q, expect: e}}
    - {name: good, sql: {source: db, database: d, query: q, expect: e}}
`;
    const problems = short(problemsOf(GLOBAL, host('  - {name: db, kind: database, path: /a}\n  - {name: files, kind: data, path: /b}\n', restore)));
    expect(problems).toEqual([
      { file: 'hosts/web.yaml', line: 9, key: 'restore.checks[0]', message: 'a check needs exactly one of sql, http or command (it has none)' },
      { file: 'hosts/web.yaml', line: 10, key: 'restore.checks[1]', message: 'a check needs exactly one of sql, http or command (it has http and command)' },
      { file: 'hosts/web.yaml', line: 11, key: 'restore.checks[2].sql.source', message: "no source named 'nope' in this host" },
      { file: 'hosts/web.yaml', line: 12, key: 'restore.checks[3].sql.source', message: "source 'files' is not a database source (kind data)" },
    ]);
  });

  it('cross-field problems are reported together with schema problems of the same file', () => {
    const problems = short(problemsOf(GLOBAL, host('  - {name: db, kind: data, path: /a, extra: 1}\n  - {name: db, kind: data, path: relative}\n')));
    expect(problems.map((p) => [p.line, p.key, p.message])).toEqual([
      [5, 'sources[0].extra', "unknown key 'extra'"],
      [6, 'sources[1].path', 'must be an absolute, normalized path (starting with /, no "//", "." or ".." segments, no control characters such as a newline) (got \'relative\')'],
      [6, 'sources[1].name', "duplicate source name 'db' (also at line 5)"],
    ]);
  });
});

describe('offsite rules', () => {
  it('exactly one of rclone or borg, {host} in the location, unique names, keys of the other kind, an empty window', () => {
    const offsite = `offsite:
  - {name: a, rclone: "b2:bucket/pullback"}
  - {name: a, rclone: "r:{host}", borg: "ssh://x/{host}"}
  - {name: c}
  - {name: d, borg: "ssh://x/{host}", rclone_config: /etc/r.conf}
  - {name: e, rclone: "r:{host}", identity_file: /k, window: "02:00-02:00"}
  - {name: f, rclone: "r:{host}", window: "25:00-02:00", max_shrink: 150%}
`;
    const problems = short(problemsOf(GLOBAL + offsite, { 'web.yaml': HOST }));
    expect(problems.map((p) => `${p.line} ${p.key}: ${p.message}`)).toEqual(expect.arrayContaining([
      "8 offsite[0].rclone: must contain {host}: every host needs its own copy, or the hosts' syncs would overwrite each other",
      '9 offsite[1]: an off-site target needs exactly one of rclone or borg (it has both)',
      "9 offsite[1].name: duplicate off-site target name 'a'",
      '10 offsite[2]: an off-site target needs exactly one of rclone or borg (it has none)',
      "11 offsite[3].rclone_config: 'rclone_config' belongs to an rclone target",
      "12 offsite[4].identity_file: 'identity_file' belongs to a borg target",
      '12 offsite[4].window: the window starts and ends at the same time (leave window out for any time)',
    ]));
    expect(problems.some((p) => p.key === 'offsite[5].window')).toBe(true);
    expect(problems.some((p) => p.key === 'offsite[5].max_shrink')).toBe(true);
  });
});
