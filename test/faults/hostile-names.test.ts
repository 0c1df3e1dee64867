// Hostile names and paths: host names, source names, users and paths on the main server with
// spaces, quotes, $(), backticks, newlines, leading dashes and "..": each is refused by the
// config with the rule it breaks, or (paths) accepted to be handled exactly (hostile-server.test.ts
// pulls one for real). Archive names, hosts and folders on the command line: exit 2, said why.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir, runCli, writeTestConfig } from '../harness/index.js';
import { GLOBAL, HOST, problemsOf, short } from '../unit/config/fixture.js';

const host = (edit: (h: string) => string) => ({ 'web.yaml': edit(HOST) });
const problemAt = (key: string, hosts: Record<string, string>) => short(problemsOf(GLOBAL, hosts)).filter((p) => p.key === key);

const HOSTILE_NAMES = ['-rf', '.hidden', '..', '../etc', 'a/b', 'a b', "it's", 'a"b', '$(touch x)', '`id`', 'a;b', 'a\nb', 'a\u001b[2Jb', 'caf\u00e9', 'x'.repeat(65)];

describe('hostile names in the configuration', () => {
  it.each(HOSTILE_NAMES)('host name %j is refused with the rule', (name) => {
    const p = problemAt('name', host((h) => h.replace('name: web', `name: ${JSON.stringify(name)}`)));
    expect(p).toHaveLength(1);
    expect(p[0]!.message).toMatch(/^must be 1 to 64 letters, digits, "\.", "_" and "-", starting with a letter or digit \(got '/);
    expect(p[0]!.message).not.toMatch(/[\n\u001b]/);
  });

  it.each(HOSTILE_NAMES)('source name %j is refused with the rule', (name) => {
    const p = problemAt('sources[0].name', host((h) => h.replace('{name: db,', `{name: ${JSON.stringify(name)},`)));
    expect(p).toHaveLength(1);
    expect(p[0]!.message).toMatch(/^must be 1 to 64 letters/);
  });

  it.each(['-oProxyCommand=touch /tmp/x', 'root@evil', 'a b', '.x', 'a\nb'])('user %j is refused', (user) => {
    const p = problemAt('user', host((h) => h.replace('user: backup', `user: ${JSON.stringify(user)}`)));
    expect(p).toHaveLength(1);
    expect(p[0]!.message).toMatch(/^must be a login name/);
  });

  it.each(['relative/path', '/srv/../etc', '/srv/..', '/srv/./x', '//srv', '/srv//x', '/srv/a\nb', '/srv/a\rb', '/srv/\u001b[2J', '-rf'])('path %j is refused: absolute, normalized, no control characters', (path) => {
    const p = problemAt('sources[1].path', host((h) => h.replace('path: /srv/files', `path: ${JSON.stringify(path)}`)));
    expect(p).toHaveLength(1);
    expect(p[0]!.message).toMatch(/^must be an absolute, normalized path/);
  });

  it.each(['/srv/with space', "/srv/it's", '/srv/"q"', '/srv/$(touch x)', '/srv/`id`', '/srv/a;b', '/srv/-rf', '/srv/..dots', '/srv/caf\u00e9', '/srv/trailing/'])('path %j is accepted, to be pulled exactly', (path) => {
    expect(() => problemsOf(GLOBAL, host((h) => h.replace('path: /srv/files', `path: ${JSON.stringify(path)}`)))).toThrow('expected a ConfigError');
  });
});

describe('hostile names on the command line', async () => {
  const dir = makeTempDir('pullback-names-');
  const cfg = await writeTestConfig({ dir, hosts: [{ name: 'web', server: { address: '127.0.0.9', port: 2, user: 'backup' }, sources: [{ name: 'data', kind: 'data', path: '/srv/data' }] }] });
  const cases: Array<[string[], RegExp]> = [
    [['restore', '--host', 'web', '--archive', '$(touch /tmp/x)', '--dry-run'], /--archive: '\$\(touch \/tmp\/x\)' is not an archive name/],
    [['restore', '--host', 'web', '--archive', '../../etc', '--into', join(dir, 'out')], /--archive: '\.\.\/\.\.\/etc' is not an archive name/],
    [['restore', '--host', 'web', '--archive', '--help'], /not an archive name|requires a value|needs a value/],
    [['restore', '--host', 'web;id', '--dry-run'], /--host: 'web;id' is not a valid name/],
    [['restore', '--host', 'web', '--to', '../web', '--dry-run'], /--to: '\.\.\/web' is not a valid name/],
    [['restore', '--host', 'web', '--only', 'data,`id`', '--dry-run'], /--only: '`id`' is not a valid name/],
    [['restore', '--host', 'web', '--into', 'out\n\u001b[2Jdir'], /--into: 'out\\n\\e\[2Jdir' is not a usable path/],
    [['drill', '--host', 'web', '--archive', 'web-1;reboot'], /--archive: 'web-1;reboot' is not an archive name/],
    [['list', '--host=-web'], /--host: '-web' is not a valid name/],
    [['list', '--host', 'we\u001bb'], /--host: 'we\\eb' is not a valid name/],
  ];
  it.each(cases)('pullback %j: exit 2, the reason named, no stack', async (args, reason) => {
    const r = await runCli(['--config', cfg.configPath, ...args]);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toMatch(reason);
    expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
    expect(r.stderr).not.toContain('\u001b');
  });
});
