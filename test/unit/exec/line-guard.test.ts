// A line callback that throws fails its command (a ToolError after it ends), never the process.
import { describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import { runCommand } from '../../../src/exec/run.js';

describe('line callbacks that throw', () => {
  it('become a ToolError of that command, after it finished, naming the line', async () => {
    const seen: string[] = [];
    const run = runCommand('sh', ['-c', 'echo one; echo two; echo three >&2; echo four'], {
      onStdoutLine: (l) => {
        if (l === 'two') throw new Error('not a number');
        seen.push(l);
      },
      onStderrLine: () => {
        throw new Error('never reached first');
      },
    });
    const e = await run.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ToolError);
    expect((e as Error).message).toMatch(/^cannot read the output of sh: (not a number \(at the line "two"\)|never reached first \(at the line "three"\))$/);
    expect(seen).toEqual(['one']);
  });

  it('leave commands whose callbacks behave alone', async () => {
    const lines: string[] = [];
    const r = await runCommand('sh', ['-c', 'echo a; echo b'], { onStdoutLine: (l) => lines.push(l) });
    expect([r.exitCode, lines]).toEqual([0, ['a', 'b']]);
  });
});
