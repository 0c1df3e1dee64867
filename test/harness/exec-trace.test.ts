// Self-tests of the exec tracer the secrets test relies on: nothing a traced process starts escapes
// it, however short it lives, and odd bytes in argv and environment come back as they were.
import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { registerPid, traceExecs } from './index.js';

const odd = 'a "quoted" [bracket], new\nline, tab\t, é and \\x41';

describe('traceExecs', () => {
  it('sees every program the traced command starts, with its whole argv and environment', async () => {
    const { result, execs } = await traceExecs((prefix) =>
      execa(prefix[0]!, [...prefix.slice(1), 'sh', '-c', '/bin/true "$1"; exit 3', 'sh', odd], { reject: false, env: { ODD: odd } }),
    );
    expect(result.exitCode).toBe(3);
    const t = execs.find((e) => e.path === '/bin/true');
    expect(t?.argv).toEqual(['/bin/true', odd]);
    expect(t?.env).toContain(`ODD=${odd}`);
  });

  it('sees what an attached process starts while the work runs', async () => {
    // A shell that runs /bin/true for each line it reads and then says so: it starts nothing on its own.
    const shell = spawn('sh', ['-c', 'while read -r l; do /bin/true "$l"; echo ran; done'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const forget = registerPid(shell.pid!);
    try {
      const { execs } = await traceExecs(async (prefix) => {
        await execa(prefix[0]!, [...prefix.slice(1), '/bin/true', 'own']);
        shell.stdin!.write(`${odd.replace(/\n/g, ' ')}\n`);
        await new Promise<void>((resolve) => shell.stdout!.once('data', () => resolve()));
      }, [shell.pid!]);
      expect(execs.map((e) => e.argv)).toContainEqual(['/bin/true', 'own']);
      expect(execs.map((e) => e.argv)).toContainEqual(['/bin/true', odd.replace(/\n/g, ' ')]);
    } finally {
      shell.kill();
      forget();
    }
  });
});
