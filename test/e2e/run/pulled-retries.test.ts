// Issue 20: a pull cut off midway and retried sent part of the source twice over the network; the
// PULLED figure (and the pull step's bytes) counts every attempt, not the last one alone.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { humanBytes } from '../../../src/util/table.js';
import { makeTempDir, runCli, startSshd, writeTestConfig } from '../../harness/index.js';

describe('a pull retried after its connection was cut', () => {
  it('counts the bytes of every attempt in PULLED and in the pull step', async () => {
    const server = await startSshd();
    const root = makeTempDir('main-server-');
    const data = join(root, 'data');
    mkdirSync(data);
    // Incompressible, so what crosses the network is at least the files' size.
    const size = 8 * 256 * 1024;
    for (let i = 0; i < 8; i++) writeFileSync(join(data, `f${i}`), randomBytes(256 * 1024));
    // The fault: the server's first rsync is cut off after 700 KiB of its output (its stdout closes,
    // it dies of SIGPIPE, ssh ends): the client sees a lost connection (exit 12) and retries.
    const cut = join(root, 'cut-once.sh');
    const flag = join(root, 'cut-done');
    writeFileSync(cut, `#!/bin/sh\nif [ ! -e '${flag}' ]; then : > '${flag}'; rsync "$@" | stdbuf -o0 head -c ${700 * 1024}; exit 1; fi\nexec rsync "$@"\n`);
    chmodSync(cut, 0o755);
    const cfg = await writeTestConfig({
      global: { rsync: { attempts: 2, backoff: '1s', rsync_path: cut }, checks: { repository: 'never', archives: 'never' } },
      hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: data }] }],
    });
    const r = await runCli(['--config', cfg.configPath, 'run']);
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stderr).toContain('rsync transport failure, retrying');

    const db = new Database(join(cfg.stateDir, 'catalog.db'), { readonly: true });
    let step: { bytes: number; details: string };
    try {
      step = db.prepare("SELECT bytes, details FROM steps WHERE step = 'pull' AND source = 'data'").get() as typeof step;
    } finally {
      db.close();
    }
    const details = JSON.parse(step.details) as { attempts: number; received: number; stats: { bytesReceived: number } };
    expect(details.attempts, step.details).toBe(2);
    // The last attempt alone sent only what the first had not finished; both together at least every file once, plus the cut part.
    expect(details.stats.bytesReceived).toBeLessThan(size);
    // The cut attempt received about 700 KiB, of which the unfinished file's part was thrown away and sent again.
    expect(details.received).toBeGreaterThan(size + 100 * 1024);
    expect(step.bytes).toBe(details.received);
    expect(r.stdout).toMatch(new RegExp(`^main\\s+OK\\s+\\S+\\s+${humanBytes(details.received).replace('.', '\\.')}\\s`, 'm'));
    await server.stop();
  });
});
