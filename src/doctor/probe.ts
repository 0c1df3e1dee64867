// The doctor's measurements: each planned check looked at on this machine (programs run through
// exec/, files stat'ed, filesystems statfs'ed). Never throws: what cannot be measured is a fact too.
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { runCommand } from '../exec/run.js';
import { filesystemOf, type FilesystemFacts } from '../util/filesystem.js';
import { fuseProblem } from '../tools/borg/mount.js';
import type { Check } from './plan.js';
import { TOOLS } from './tools.js';
import { loginName } from '../util/login-name.js';

export interface StatFacts {
  /** ENOENT, EACCES, ... when it could not be stat'ed. */
  error?: string;
  isFile?: boolean;
  isDir?: boolean;
  mode?: number;
  uid?: number;
  /** Whether this user may read it (files) or write into it (directories). */
  usable?: boolean;
}

export type Facts =
  | { kind: 'node'; version: string }
  | { kind: 'user'; uid: number; name: string }
  | { kind: 'tool'; path?: string; output?: string; error?: string }
  | { kind: 'fuse'; problem?: string; borgFuse: 'yes' | 'no' | 'unknown'; detail?: string }
  | { kind: 'secret-file'; stat: StatFacts; uid: number; user: string }
  | { kind: 'file'; stat: StatFacts }
  | { kind: 'state-dir'; stat: StatFacts; parent?: StatFacts }
  | { kind: 'space'; filesystems: Array<{ path: string; label: string; fs?: FilesystemFacts; error?: string }> }
  | { kind: 'clock'; synchronized?: 'yes' | 'no'; /** What answered: the command, or the file. */ source?: string; error?: string };

/** Measures `check` on this machine with `env`'s PATH. */
export async function probe(check: Check, env: { path: string }): Promise<Facts> {
  switch (check.kind) {
    case 'node':
      return { kind: 'node', version: process.versions.node };
    case 'user':
      return { kind: 'user', uid: uid(), name: userName(uid()) };
    case 'tool':
      return probeTool(TOOLS[check.tool].name, TOOLS[check.tool].versionArgs, [...(check.dirs ?? []), ...env.path.split(delimiter)], env.path);
    case 'fuse':
      return probeFuse(env.path);
    case 'secret-file':
      return { kind: 'secret-file', stat: statOf(check.path, 'read'), uid: uid(), user: userName(uid()) };
    case 'file':
      return { kind: 'file', stat: statOf(check.path, 'read') };
    case 'state-dir': {
      const stat = statOf(check.path, 'write');
      return stat.error === 'ENOENT' ? { kind: 'state-dir', stat, parent: statOf(dirname(check.path), 'write') } : { kind: 'state-dir', stat };
    }
    case 'space':
      return {
        kind: 'space',
        filesystems: check.paths.map((p) => {
          try {
            return { ...p, fs: filesystemOf(p.path) };
          } catch (e) {
            return { ...p, error: (e as Error).message };
          }
        }),
      };
    case 'clock':
      return probeClock(env.path);
  }
}

/** The first executable `name` in `dirs`. */
export function findProgram(name: string, dirs: readonly string[]): string | undefined {
  for (const d of dirs) {
    if (!d) continue;
    try {
      accessSync(join(d, name), constants.X_OK);
      if (statSync(join(d, name)).isFile()) return join(d, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

async function probeTool(name: string, args: string[], dirs: string[], path: string): Promise<Facts> {
  const found = findProgram(name, dirs);
  if (!found) return { kind: 'tool', error: 'not found' };
  try {
    const lines: string[] = [];
    const r = await runCommand(found, args, { env: { PATH: path, LC_ALL: 'C' }, timeoutMs: 15_000, onStdoutLine: (l) => lines.push(l), onStderrLine: (l) => lines.push(l), quiet: true });
    const output = lines.join('\n');
    if (r.exitCode !== 0) return { kind: 'tool', path: found, output, error: `${[found, ...args].join(' ')} exited ${r.exitCode ?? r.signal}` };
    return { kind: 'tool', path: found, output };
  } catch (e) {
    return { kind: 'tool', path: found, error: (e as Error).message };
  }
}

/** FUSE on this machine, and whether borg's Python has pyfuse3 or llfuse (read from borg's #! line). */
async function probeFuse(path: string): Promise<Facts> {
  const problem = fuseProblem();
  const borg = findProgram('borg', path.split(delimiter));
  const base = problem ? { kind: 'fuse' as const, problem } : { kind: 'fuse' as const };
  if (!borg) return { ...base, borgFuse: 'unknown', detail: 'borg not found' };
  let python: string | undefined;
  try {
    const head = readFileSync(borg).subarray(0, 200).toString('latin1');
    python = /^#!\s*(\S*python[\d.]*)/.exec(head)?.[1];
  } catch {
    python = undefined;
  }
  if (!python) return { ...base, borgFuse: 'unknown', detail: `${borg} is not a Python script (a standalone borg binary carries its own FUSE library or none)` };
  const code = "import importlib.util, sys; sys.exit(0 if any(importlib.util.find_spec(m) for m in ('pyfuse3', 'llfuse')) else 1)";
  try {
    const r = await runCommand(python, ['-c', code], { env: { PATH: path }, timeoutMs: 15_000, quiet: true });
    return { ...base, borgFuse: r.exitCode === 0 ? 'yes' : 'no', detail: python };
  } catch (e) {
    return { ...base, borgFuse: 'unknown', detail: (e as Error).message };
  }
}

/** The file systemd-timesyncd keeps while the clock is synchronised (systemd 239+). */
export const TIMESYNCD_SYNCHRONIZED = '/run/systemd/timesync/synchronized';

/**
 * Whether an NTP client keeps the clock, asked of whichever is there: systemd (timedatectl, which
 * needs a running systemd), chrony (chronyc tracking: "Leap status : Normal" once synchronised), or
 * the mark systemd-timesyncd leaves; the first that answers decides and is named.
 */
async function probeClock(path: string): Promise<Facts> {
  const dirs = path.split(delimiter);
  const asked: string[] = [];
  const ask = async (name: string, args: string[], read: (out: string) => 'yes' | 'no' | undefined): Promise<Facts | undefined> => {
    const program = findProgram(name, dirs);
    if (!program) return void asked.push(`${name} not found`);
    const out: string[] = [];
    const err: string[] = [];
    try {
      const r = await runCommand(program, args, { env: { PATH: path, LC_ALL: 'C' }, timeoutMs: 15_000, onStdoutLine: (l) => out.push(l), onStderrLine: (l) => err.push(l), quiet: true });
      const v = r.exitCode === 0 ? read(out.join('\n')) : undefined;
      if (v) return { kind: 'clock', synchronized: v, source: `${name} ${args.join(' ')}` };
      asked.push(`${name}: ${err.join(' ').trim() || `exited ${r.exitCode ?? r.signal}`}`);
    } catch (e) {
      asked.push(`${name}: ${(e as Error).message}`);
    }
    return undefined;
  };
  const said =
    (await ask('timedatectl', ['show', '--property=NTPSynchronized', '--value'], (o) => (o.trim() === 'yes' || o.trim() === 'no' ? o.trim() as 'yes' | 'no' : undefined))) ??
    (await ask('chronyc', ['-n', 'tracking'], (o) => { const m = /^Leap status\s*:\s*(.+)$/m.exec(o); return m ? (m[1]!.trim() === 'Not synchronised' ? 'no' : 'yes') : undefined; }));
  if (said) return said;
  if (existsSync(TIMESYNCD_SYNCHRONIZED)) return { kind: 'clock', synchronized: 'yes', source: TIMESYNCD_SYNCHRONIZED };
  return { kind: 'clock', error: asked.join('; ') };
}

function statOf(path: string, use: 'read' | 'write'): StatFacts {
  try {
    const st = statSync(path);
    let usable = true;
    try {
      accessSync(path, use === 'read' ? constants.R_OK : constants.W_OK | constants.X_OK);
    } catch {
      usable = false;
    }
    return { isFile: st.isFile(), isDir: st.isDirectory(), mode: st.mode & 0o7777, uid: st.uid, usable };
  } catch (e) {
    return { error: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
  }
}

function uid(): number {
  return process.getuid?.() ?? 0;
}

/** The login name of `id` from /etc/passwd, else `uid N`. */
export function userName(id: number): string {
  return loginName(id) ?? `uid ${id}`;
}
