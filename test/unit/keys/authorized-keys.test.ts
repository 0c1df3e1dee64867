// The authorized_keys lines `pullback hosts authorize` prints: one restricted line per role, the
// policy in the forced command's arguments, quoted for sh and for sshd's command="..." option.
import { describe, expect, it } from 'vitest';
import type { HostConfig } from '../../../src/config/types.js';
import { getEngine } from '../../../src/engines/registry.js';
import { authorizedKeysEscape, planAuthorizedKeys, rolesOf } from '../../../src/keys/authorized-keys.js';
import { hostConfig } from '../tools/fixture.js';

const conn = { host: '127.0.0.1', port: 5432, user: 'postgres', passwordFile: '/etc/pullback/pg pass' };

function host(over: Partial<HostConfig> = {}): HostConfig {
  return hostConfig({
    sources: [
      { name: 'db', kind: 'database', path: '/srv/dumps', exclude: [], dump: { engine: 'postgres', databases: ['app'], connection: conn, keep: 2 } },
      { name: 'data', kind: 'data', path: "/srv/it's data", exclude: [] },
    ],
    restore: { stopWrites: [['systemctl', 'stop', 'app']], startWrites: [['systemctl', 'start', 'app']], checks: [{ name: 'up', command: ['curl', '-f', 'http://x/"health"'] }], spaceMargin: 0.1, minFreeBytes: 0 },
    ...over,
  });
}

const KEYS = { pull: 'ssh-ed25519 AAAAPULL pull@b', dump: 'ssh-ed25519 AAAADUMP dump@b', restore: 'ssh-ed25519 AAAARESTORE restore@b\n', wal: 'ssh-ed25519 AAAAWAL wal@b' };
const FILES = { pull: '/k/pull', dump: '/k/dump', restore: '/k/restore', wal: '/k/wal' };
const input = (h: HostConfig, over: object = {}) => ({ host: h, publicKeys: KEYS, keyFiles: FILES, gatePath: '/usr/local/lib/pullback/pullback-gate', engine: getEngine, ...over });

/** The forced command of a line, as sshd hands it to the shell. */
function commandOf(line: string): string {
  // sshd's own rule: a backslash escapes a double quote and nothing else.
  const m = /^restrict,command="((?:\\"|[^"])*)" /.exec(line);
  expect(m).not.toBeNull();
  return m![1]!.replace(/\\"/g, '"');
}

describe('planAuthorizedKeys', () => {
  it('one restricted line per role; dump only when the host takes dumps', () => {
    expect(rolesOf(host())).toEqual(['pull', 'dump', 'restore']);
    expect(rolesOf(host({ sources: [host().sources[1]!] }))).toEqual(['pull', 'restore']);
    const plan = planAuthorizedKeys(input(host()));
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.lines.map((l) => l.role)).toEqual(['pull', 'dump', 'restore']);
    for (const l of plan.lines) expect(l.line).toMatch(/^restrict,command="exec \/usr\/local\/lib\/pullback\/pullback-gate (pull|dump|restore) /);
    expect(plan.lines[2]!.line.endsWith(' ssh-ed25519 AAAARESTORE restore@b')).toBe(true);
  });

  it('wal: with a pitr source, a key that may only forward to its database server (no command)', () => {
    const [db, data] = host().sources;
    const pitr = { slot: 'pullback', maxLagSeconds: 300, connection: { host: '127.0.0.1', port: 5433, user: 'repl' } };
    const h = host({ sources: [{ ...db!, pitr }, data!] });
    expect(rolesOf(h)).toEqual(['pull', 'dump', 'restore', 'wal']);
    const plan = planAuthorizedKeys(input(h));
    if (!plan.ok) throw new Error(plan.problems.join());
    expect(plan.lines[3]).toMatchObject({ role: 'wal', line: 'restrict,port-forwarding,permitopen="127.0.0.1:5433",command="/bin/false" ssh-ed25519 AAAAWAL wal@b' });
  });

  it('pull: every source path as a root, quoted for the shell', () => {
    const plan = planAuthorizedKeys(input(host()));
    if (!plan.ok) throw new Error(plan.problems.join());
    expect(commandOf(plan.lines[0]!.line)).toBe(`exec /usr/local/lib/pullback/pullback-gate pull --root /srv/dumps --root '/srv/it'\\''s data'`);
  });

  it('dump: the dump dir and the exact argv templates as JSON, double quotes escaped for sshd', () => {
    const plan = planAuthorizedKeys(input(host()));
    if (!plan.ok) throw new Error(plan.problems.join());
    const line = plan.lines[1]!.line;
    expect(line).toContain('--command \'[\\"env\\",\\"PGPASSFILE=/etc/pullback/pg pass\\",\\"pg_dump\\"');
    const cmd = commandOf(line);
    expect(cmd).toContain(`--dir /srv/dumps --command '["env","PGPASSFILE=/etc/pullback/pg pass","psql",`);
    expect(cmd).toContain('"--file=@@OUT@@","--dbname=app"]');
    // `all`: the listing, a database placeholder and the globals.
    const all = host({ sources: [{ ...host().sources[0]!, dump: { engine: 'postgres', databases: 'all', connection: conn, keep: 2 } }] });
    const p2 = planAuthorizedKeys(input(all));
    if (!p2.ok) throw new Error(p2.problems.join());
    const c2 = commandOf(p2.lines[1]!.line);
    expect(c2).toContain('"--dbname=@@DB@@"');
    expect(c2).toContain('"pg_dumpall"');
  });

  it("dump: a MariaDB database's properties query beside its dump (the dump reads them first), for listed and `all` databases", () => {
    const maria = { host: '127.0.0.1', port: 3306, user: 'root' };
    for (const [databases, db] of [[['shop'], 'shop'], ['all', '@@DB@@']] as const) {
      const h = host({ sources: [{ ...host().sources[0]!, dump: { engine: 'mariadb', databases: databases === 'all' ? 'all' : [...databases], connection: maria, keep: 2 } }] });
      const plan = planAuthorizedKeys(input(h));
      if (!plan.ok) throw new Error(plan.problems.join());
      const cmd = commandOf(plan.lines[1]!.line);
      expect(cmd).toContain(`"--database=${db}","-e","SELECT `);
      expect(cmd).toContain('FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()');
    }
  });

  it('dump: a MariaDB source with pitr: dumps with --master-data=2 (its binary log position), the others without', () => {
    const maria = { host: '127.0.0.1', port: 3306, user: 'root' };
    const pitr = { engine: 'mariadb' as const, slot: 'pullback', maxLagSeconds: 300, connection: { host: '127.0.0.1', port: 3306, user: 'repl' } };
    for (const withPitr of [true, false]) {
      const h = host({ sources: [{ ...host().sources[0]!, dump: { engine: 'mariadb', databases: ['shop'], connection: maria, keep: 2 }, ...(withPitr ? { pitr } : {}) }] });
      const plan = planAuthorizedKeys(input(h));
      if (!plan.ok) throw new Error(plan.problems.join());
      const dump = commandOf(plan.lines.find((l) => l.role === 'dump')!.line);
      expect(dump.includes('"--hex-blob","--master-data=2","--result-file=')).toBe(withPitr);
    }
  });

  it('restore: roots, the hooks and command checks exactly, the engine clients and the password file', () => {
    const plan = planAuthorizedKeys(input(host()));
    if (!plan.ok) throw new Error(plan.problems.join());
    const cmd = commandOf(plan.lines[2]!.line);
    expect(cmd).toContain(`restore --root /srv/dumps --root '/srv/it'\\''s data' --command '["systemctl","stop","app"]' --command '["systemctl","start","app"]'`);
    expect(cmd).toContain(`--command '["curl","-f","http://x/\\"health\\""]'`);
    expect(cmd).toContain("--client psql --client pg_restore --client pg_dump --client pg_dumpall --file '/etc/pullback/pg pass'");
  });

  it('refuses roles sharing a key, sqlite dumps, line breaks and malformed public keys, all at once', () => {
    const h = host({
      sources: [
        { name: 'lite', kind: 'database', path: '/srv/lite', exclude: [], dump: { engine: 'sqlite', databases: ['/srv/app.db'], connection: conn, keep: 1 } },
        { name: 'nl', kind: 'data', path: '/srv/a\nb', exclude: [] },
      ],
    });
    const plan = planAuthorizedKeys(input(h, { keyFiles: { pull: '/k/same', dump: '/k/same', restore: '/k/r' }, publicKeys: { ...KEYS, restore: 'not a key' } }));
    expect(plan.ok).toBe(false);
    if (plan.ok) return;
    expect(plan.problems).toEqual([
      'the pull and dump roles use the same key /k/same: give each role its own key under keys: in /etc/pullback/hosts/main.yaml',
      'source lite: sqlite dumps cannot be restricted (sqlite3 reads its commands from stdin); dump it with a cron job on the server and pull the directory',
      '"/srv/a\\nb" (pull key) contains a line break, which an authorized_keys line cannot hold',
      '"/srv/a\\nb" (restore key) contains a line break, which an authorized_keys line cannot hold',
    ]);
  });

  it('refuses a listed database name holding a placeholder of the dump policy (the gate would read it as a wildcard)', () => {
    const h = host({ sources: [{ name: 'db', kind: 'database', path: '/srv/dumps', exclude: [], dump: { engine: 'postgres', databases: ['app', 'x@@DB@@'], connection: conn, keep: 1 } }] });
    const plan = planAuthorizedKeys(input(h));
    expect(plan.ok ? [] : plan.problems).toEqual(['source db: the database name "x@@DB@@" contains a placeholder of the dump key\'s policy (@@OUT@@ or @@DB@@)']);
  });

  it('authorizedKeysEscape escapes only double quotes', () => {
    expect(authorizedKeysEscape(`a "b" \\ 'c'`)).toBe(`a \\"b\\" \\ 'c'`);
  });
});
