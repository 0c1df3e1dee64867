// Progress on a terminal: `pullback run` on a real pseudo-terminal draws bars for the pull and for
// borg create (and asks rsync and borg for progress output); under --log-level warn, and with stdout
// not a terminal (cron), nothing of it is shown and the tools' argv stays as before.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, nextSecond, runCli, runCliOnPty, startSshd, writeTestConfig, type SshdServer, type TestConfig } from '../../harness/index.js';

let server: SshdServer;
let cfg: TestConfig;
let data: string;

beforeAll(async () => {
  server = await startSshd();
  data = join(makeTempDir('progress-'), 'data');
  mkdirSync(join(data, 'sub'), { recursive: true });
  writeFileSync(join(data, 'big.bin'), randomBytes(4 * 1024 * 1024));
  for (let i = 0; i < 20; i++) writeFileSync(join(data, 'sub', `f${i}.txt`), `file ${i}\n`);
  // The checks run on the first night only (daily): the progress drawn is the pull's and borg create's.
  cfg = await writeTestConfig({
    hosts: [{ name: 'main', server, sources: [{ name: 'data', kind: 'data', path: data }] }],
    global: { checks: { repository: 'daily', archives: 'daily' } },
  });
});

afterAll(async () => {
  await server?.stop();
});

/** The commands this run logged (the log file's "command finished" lines), then the logs are emptied for the next run. */
function loggedCommands(): string[] {
  const dir = join(cfg.stateDir, 'logs');
  const cmds = readdirSync(dir).flatMap((f) =>
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg?: string; cmd?: string })
      .filter((l) => l.msg === 'command finished' && l.cmd)
      .map((l) => l.cmd!),
  );
  rmSync(dir, { recursive: true, force: true });
  return cmds;
}

/** A new file per run, so every pull transfers something; archive names have one-second resolution. */
async function nextRun(n: number): Promise<void> {
  writeFileSync(join(data, `run-${n}.bin`), randomBytes(512 * 1024));
  await nextSecond();
}

describe('progress on a terminal', () => {
  it('draws bars for the pull and borg create on a terminal, with the log lines readable around them', async () => {
    const r = await runCliOnPty(['--config', cfg.configPath, 'run']);
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toMatch(/pull main\/data [█░]+ +\d+%/);
    expect(r.output).toMatch(/archive main .*files, .* read/);
    // Log lines and the summary are whole lines above the bars, not cut into by them.
    expect(r.output).toMatch(/INFO: run started/);
    expect(r.output).toContain('main');
    // Line wrap stays on (ESC [?7l would cut long log lines at the screen's edge).
    expect(r.output).not.toContain('\x1b[?7l');
    const cmds = loggedCommands();
    expect(cmds.some((c) => c.startsWith('rsync') && c.includes('--info=progress2'))).toBe(true);
    expect(cmds.some((c) => c.startsWith('borg create') && c.includes('--progress --log-json'))).toBe(true);
  });

  it('stays quiet on a terminal under --log-level warn', async () => {
    await nextRun(1);
    const r = await runCliOnPty(['--config', cfg.configPath, '--log-level', 'warn', 'run']);
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).not.toMatch(/pull main\/data|archive main|%/);
    expect(r.output).not.toContain('\x1b');
    expect(loggedCommands().some((c) => c.includes('--log-json'))).toBe(false);
  });

  it('shows no progress and no escape codes when stdout is not a terminal (cron)', async () => {
    await nextRun(2);
    const r = await runCli(['--config', cfg.configPath, 'run']);
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain('\x1b');
      expect(text).not.toMatch(/pull main\/data|archive main|\d+%/);
    }
    const cmds = loggedCommands();
    expect(cmds.some((c) => c.startsWith('rsync'))).toBe(true);
    // rsync's progress lines are read (what an attempt cut off had received counts in PULLED), never shown.
    expect(cmds.some((c) => c.includes('--progress') || c.includes('--log-json'))).toBe(false);
  });
});
