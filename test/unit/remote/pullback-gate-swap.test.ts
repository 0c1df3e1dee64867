// The race pullback-gate closes (issue 22): a source or restore root swapped for a symlink after
// the gate's checks and before rsync opens it. A real rsync client talks to the real rsync server
// the gate allows; the remote shell (gate-swap.py) runs the gate's own checks and swaps the root at
// a chosen point in between, so each interleaving is run exactly, not hoped for by timing.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { makeTempDir, REPO_ROOT } from '../../harness/index.js';

const GATE = join(REPO_ROOT, 'share', 'remote', 'pullback-gate');
const DRIVER = join(REPO_ROOT, 'test', 'unit', 'remote', 'gate-swap.py');

type Swap = 'exec' | 'enter' | 'lstat';

/** A root holding `a.txt`, a secret dir beside it holding `k`, and an empty local dir. */
function layout() {
  const dir = makeTempDir('gate-swap');
  const root = join(dir, 'root');
  const secret = join(dir, 'secret');
  const local = join(dir, 'local');
  for (const d of [root, secret, local]) mkdirSync(d);
  writeFileSync(join(root, 'a.txt'), 'a\n');
  writeFileSync(join(secret, 'k'), 'k\n');
  return { dir, root, secret, local };
}

/** rsync through the gate (role and policy as authorized_keys gives them), the root swapped at `when` (for a symlink to `to`, or a new empty directory). */
function rsync(args: string[], policy: string[], when: Swap, root: string, to: string) {
  return execa('rsync', ['-s', '-e', DRIVER, ...args], {
    reject: false,
    env: { GATE, GATE_POLICY: JSON.stringify(policy), GATE_SWAP: when, GATE_SWAP_ROOT: root, GATE_SWAP_TO: to },
  });
}

describe('pullback-gate: a root swapped during the request', () => {
  it('pull: swapped for a symlink after the checks, rsync still reads the directory checked, not where the link leads', async () => {
    const { root, secret, local } = layout();
    const r = await rsync(['-a', `x:${root}/`, `${local}/`], ['pull', '--root', root], 'exec', root, secret);
    expect(r.exitCode, r.stderr).toBe(0);
    // The swap happened before rsync started; it read the moved directory through its working directory.
    expect(lstatSync(root).isSymbolicLink()).toBe(true);
    expect(readdirSync(local).sort()).toEqual(['a.txt']);
    expect(existsSync(join(local, 'k'))).toBe(false);
  });

  it('restore: swapped for a symlink after the checks, the push lands in the directory checked, nothing where the link leads', async () => {
    const { root, secret, local } = layout();
    writeFileSync(join(local, 'restored.txt'), 'r\n');
    const r = await rsync(['-a', `${local}/`, `x:${root}/`], ['restore', '--root', root], 'exec', root, secret);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(lstatSync(root).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(`${root}.moved`, 'restored.txt'), 'utf8')).toBe('r\n');
    expect(readdirSync(secret)).toEqual(['k']);
  });

  it('swapped for a symlink before the gate opens it: refused, naming where it leads, nothing read', async () => {
    const { root, secret, local } = layout();
    const r = await rsync(['-a', `x:${root}/`, `${local}/`], ['pull', '--root', root], 'enter', root, secret);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`pullback-gate: refused: '${root}' is a symlink or lies below one (it leads to '${secret}' now)`);
    expect(readdirSync(local)).toEqual([]);
  });

  it('a link on the way below the root is not followed either (even to inside the root)', async () => {
    const { root, local } = layout();
    mkdirSync(join(root, 'real'));
    writeFileSync(join(root, 'real', 'b.txt'), 'b\n');
    symlinkSync(join(root, 'real'), join(root, 'via'));
    const r = await execa(GATE, ['pull', '--root', root], {
      reject: false,
      input: '',
      env: { SSH_ORIGINAL_COMMAND: `rsync --server --sender -logDtpre.iLsfxCIvu . ${join(root, 'via')}/` },
    });
    expect(r.exitCode).toBe(126);
    expect(r.stderr).toContain(`pullback-gate: refused: '${join(root, 'via')}' is a symlink or lies below one (it leads to '${join(root, 'real')}' now)`);
    expect(readdirSync(local)).toEqual([]);
  });

  it('replaced by another directory between the gate opening it and its look by name: refused', async () => {
    const { root, local } = layout();
    const r = await rsync(['-a', `x:${root}/`, `${local}/`], ['pull', '--root', root], 'lstat', root, '');
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`pullback-gate: refused: '${root}' changed while the gate looked at it`);
    expect(readdirSync(local)).toEqual([]);
  });

  it('a missing root is said to be missing, in the words sourceMissing reads', async () => {
    const { dir, local } = layout();
    const gone = join(dir, 'gone');
    const r = await rsync(['-a', `x:${gone}/`, `${local}/`], ['pull', '--root', gone], 'exec', join(dir, 'unused'), '');
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`pullback-gate: refused: '${gone}' does not exist`);
  });
});
