// A restore killed with SIGKILL (real sshd, rsync, borg): its start_writes hook waits on a fifo, so
// the restore is held after its safety snapshot and its sources, and the whole CLI process group is
// killed there. It used to stay 'running' in the catalog for ever, `status` green, no rollback
// command ever printed. Now the next command of any kind records it interrupted (with the time it
// noticed), `status` is red naming it and its exact rollback command, the report and the next
// restore say the same, and that command, run as printed, puts the target back and resolves it.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH, registerPid, runCli, waitFor } from '../../harness/index.js';
import { backedUp, catalogRestores, makeTrees, patchHostFile, sources, startServer, type World } from './setup.js';

let w: World;
let fifo: string;
let begun: string;
let stopped: string;
let killedId: number;
let childPid: number;
let rollback: string;

beforeAll(async () => {
  const server = await startServer();
  const main = makeTrees('restore-killed-', true);
  fifo = join(main.root, 'hold.fifo');
  begun = join(main.root, 'start-writes-begun');
  stopped = join(main.root, 'writes-stopped');
  execFileSync('mkfifo', [fifo]);
  const restore = { stop_writes: [['touch', stopped]], start_writes: [['touch', begun], ['cat', fifo]] };
  w = await backedUp(main, [{ name: 'main', server, sources: sources(main), override: { restore } }], server);
}, 600_000);

/** Lets the remote `cat` of the start_writes hook end, if it still waits (never blocks: no reader, nothing to do). */
function releaseFifo(): void {
  try {
    const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    writeSync(fd, 'go\n');
    closeSync(fd);
  } catch {
    // ENXIO: nobody reads it any more.
  }
}

afterAll(releaseFifo);

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('a restore killed with SIGKILL', () => {
  it('is recorded interrupted by the next command, and status is red naming it and its exact rollback command', async () => {
    const child = execa(process.execPath, [CLI_PATH, '--config', w.cfg.configPath, 'restore', '--host', 'main', '--yes'], { reject: false, stdin: 'ignore', detached: true, env: { NO_COLOR: '1' } });
    childPid = child.pid!;
    registerPid(childPid);
    await waitFor(
      'the restore held in its start_writes hook',
      () => existsSync(begun) && catalogRestores(w.cfg).steps.some((s) => s.kind === 'start_writes' && s.status === 'running'),
      300_000,
    );
    process.kill(-childPid, 'SIGKILL');
    const killed = await child;
    expect(killed.signal).toBe('SIGKILL');
    const row = catalogRestores(w.cfg).restores.at(-1)!;
    killedId = row.id as number;
    // Nothing has noticed yet: the process could not record its end.
    expect(row.status).toBe('running');
    expect(row.snapshot_archive).toMatch(/^main-pre-restore-/);

    const status = await w.cli('status');
    rollback = `pullback --config ${w.cfg.configPath} restore --rollback ${killedId} --yes`;
    expect(status.exitCode, status.stdout + status.stderr).toBe(1);
    expect(status.stderr).toMatch(new RegExp(`WARN.*restore ${killedId} onto main \\(started .*\\) was left running by a process that is gone \\(PID ${childPid}, killed or crashed\\): recorded as interrupted`));
    expect(status.stdout).toMatch(new RegExp(`RED main: restore ${killedId} of archive main-\\d{8}T\\d{6}Z onto main \\(started .*\\) was INTERRUPTED during start_writes: its process died \\(killed or crashed\\); found \\d{4}-`));
    expect(status.stdout).toContain('Completed before it stopped: stop_writes, snapshot, blobs, data, verify; the target may be half-restored.');
    expect(status.stdout).toContain("the application's writes may still be stopped");
    expect(status.stdout).toContain(`To put the target back as it was before restore ${killedId}: ${rollback}`);
    // The host's row says it too (its BACKUP cell was GREEN beside this RED line): same verdicts.
    expect(status.stdout).toMatch(/^main\s+-\s+RED\s/m);
    // ... and so does the JSON for monitoring (its backup status was still green here).
    const json = await w.cli('status', '--json');
    const host = JSON.parse(json.stdout).hosts.find((h: { host: string }) => h.host === 'main');
    expect(host.backup).toMatchObject({ status: 'red', reason: expect.stringMatching(new RegExp(`^main: restore ${killedId} of archive .* was INTERRUPTED during start_writes`)) });
    expect(host.cells.backup).toBe('red');

    const after = catalogRestores(w.cfg);
    const rec = after.restores.find((r) => r.id === killedId)!;
    expect(rec).toMatchObject({ status: 'interrupted', error: expect.stringMatching(new RegExp(`its process \\(PID ${childPid}\\) ended without recording an end`)) });
    expect(rec.noticed_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const steps = after.steps.filter((s) => s.restore_id === killedId).map((s) => [s.kind, s.status]);
    expect(steps).toEqual([
      ['readiness', 'ok'],
      ['stop_writes', 'ok'],
      ['snapshot', 'ok'],
      ['blobs', 'ok'],
      ['data', 'ok'],
      ['verify', 'ok'],
      ['start_writes', 'interrupted'],
      ['checks', 'skipped'],
    ]);
    // Noticed once: the next command finds nothing running.
    const again = await w.cli('status');
    expect(again.stderr).not.toContain('was left running');
    expect(again.exitCode).toBe(1);
  });

  it('the report and the next restore name it with its rollback command', async () => {
    const report = await w.cli('report');
    expect(report.stdout).toMatch(new RegExp(`INTERRUPTED: restore ${killedId} of archive .* was INTERRUPTED during start_writes`));
    expect(report.stdout).toContain(rollback);
    const json = JSON.parse((await w.cli('report', '--format', 'json')).stdout);
    const host = json.hosts.find((h: { host: string }) => h.host === 'main');
    expect(host.status).toBe('red');
    expect(host.backup).toMatchObject({ status: 'red', reason: expect.stringMatching(new RegExp(`^main: restore ${killedId} of archive .* was INTERRUPTED`)) });
    const next = await w.cli('restore', '--host', 'main', '--dry-run');
    expect(next.stdout).toContain('WARNING: 1 earlier restore(s) onto main were interrupted and never resolved:');
    expect(next.stdout).toMatch(new RegExp(`restore ${killedId} .*${esc(rollback)}`));
  });

  it('the printed rollback command puts the target back and resolves it', async () => {
    releaseFifo();
    patchHostFile(w.cfg, 'main', { restore: { stop_writes: [['touch', stopped]], start_writes: [['touch', begun]] } });
    const r = await runCli(rollback.split(' ').slice(1));
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Rollback \\d+ of main: done`));
    const status = await w.cli('status');
    expect(status.stdout).not.toContain('INTERRUPTED');
    expect(status.exitCode, status.stdout).toBe(0);
  });
});
