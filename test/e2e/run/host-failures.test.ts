// One host's failure stays its own: a host whose sshd is down fails while another succeeds, and a
// changed host key is refused with a message that says so.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { borgList, freePort, makeTempDir, queryCatalog, regenerateHostKey, runCli, startSshd, writeTestConfig } from '../../harness/index.js';

describe('host failures', () => {
  let server: Awaited<ReturnType<typeof startSshd>>;
  beforeAll(async () => {
    server = await startSshd(); // stopped by the harness after the file
  });

  it('a down host fails alone; a changed host key is refused', async () => {
    const source = makeTempDir('main-server-');
    mkdirSync(join(source, 'sub'));
    writeFileSync(join(source, 'sub', 'file.txt'), 'data\n');
    const down = { address: server.address, port: await freePort(server.address), user: server.user };
    const cfg = await writeTestConfig({
      global: { rsync: { attempts: 2, backoff: '1s' } },
      hosts: [
        { name: 'up', server, sources: [{ name: 'data', kind: 'data', path: source }] },
        {
          name: 'down',
          server: down,
          sources: [
            { name: 'data', kind: 'data', path: source },
            { name: 'more', kind: 'blobs', path: source },
          ],
        },
      ],
    });

    const run = await runCli(['--config', cfg.configPath, 'run']);
    expect(run.exitCode, run.stderr + run.stdout).toBe(1);
    const rows = run.stdout.split('\n');
    expect(rows.find((l) => l.startsWith('up '))).toMatch(/^up\s+OK\s+up-\d{8}T\d{6}Z/);
    expect(rows.find((l) => l.startsWith('down '))).toMatch(/^down\s+FAILED\s+-/);
    expect(run.stdout).toMatch(/down: .*(connection refused|ssh connection failed)/i);
    expect(run.stdout).toMatch(/down: .*2 attempt/);
    // Its second source is not tried again once the host proved unreachable.
    expect(run.stdout).toMatch(/down: not pulled \(host unreachable\): more/);
    // No login happened: its connect step is no OK, in the catalog and in the log (the up host's is).
    const connects = queryCatalog<{ host: string; status: string; error: string | null }>(cfg.stateDir, "SELECT host, status, error FROM steps WHERE step = 'connect' ORDER BY host");
    expect(connects).toEqual([
      { host: 'down', status: 'warning', error: expect.stringMatching(/^no SSH login to down: .*ECONNREFUSED.*; the pulls try again$/) },
      { host: 'up', status: 'ok', error: null },
    ]);
    expect(run.stderr).toMatch(/WARN: down connect: connect finished with a warning/);
    expect(run.stderr).not.toMatch(/down connect: connect done/);
    expect(await borgList(cfg.repoPath('up'), cfg.passphraseFile)).toHaveLength(1);
    expect(await borgList(cfg.repoPath('down'), cfg.passphraseFile).catch(() => [])).toEqual([]);
    expect(run.stderr).not.toMatch(/internal error|\n\s+at /);

    await regenerateHostKey(server);
    const refused = await runCli(['--config', cfg.configPath, 'run', '--host', 'up']);
    expect(refused.exitCode, refused.stderr + refused.stdout).toBe(1);
    expect(refused.stdout).toMatch(/^up\s+FAILED\s+-/m);
    expect(refused.stdout).toMatch(/up: .*host key/i);
    expect(refused.stdout).toContain(cfg.knownHostsPath);
    // Not a transient failure: refused at once, not retried.
    expect(refused.stdout).not.toMatch(/up: .*attempt/);
    expect(await borgList(cfg.repoPath('up'), cfg.passphraseFile)).toHaveLength(1);
  });

  it('a server that stops answering is given up on by rsync --timeout, and retried', async () => {
    // The "remote rsync" never speaks and never ends by itself: it reads whatever comes until its
    // input closes, so only rsync's own I/O timeout (rsync exits, ssh's input closes) ends the wait.
    // (A remote that sleeps instead holds the pull until the sleep ends, rsync's timeout or not.)
    const dir = makeTempDir('hang-');
    const hang = join(dir, 'hang.sh');
    writeFileSync(hang, '#!/bin/sh\nexec cat >/dev/null\n');
    chmodSync(hang, 0o755);
    const cfg = await writeTestConfig({
      global: { rsync: { timeout: '2s', attempts: 2, backoff: '1s', rsync_path: hang } },
      hosts: [{ name: 'hung', server, sources: [{ name: 'data', kind: 'data', path: dir }] }],
    });
    const started = Date.now();
    const r = await runCli(['--config', cfg.configPath, 'run'], { timeoutMs: 60_000 });
    expect(r.exitCode, r.stderr + r.stdout).toBe(1);
    expect(r.stdout).toMatch(/hung: cannot (list|pull) .*timeout.*\(rsync exit 30\); gave up after 2 attempt\(s\)/);
    expect(Date.now() - started).toBeLessThan(45_000);
  });
});
