// Runs the built pullback CLI (dist/cli/main.js) as a child process.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_PATH = join(REPO_ROOT, 'dist', 'cli', 'main.js');

export interface CliOptions {
  /** Sets PULLBACK_CONFIG (otherwise it is removed from the environment). */
  configEnv?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
  input?: string;
  /** Put before `node dist/cli/main.js` (a tracer, as traceExecs gives). */
  prefix?: string[];
  /** As cron runs it: stdin, stdout and stderr not a terminal and no $PULLBACK_VERBOSE (the suite sets it). */
  cron?: boolean;
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli/main.js ...args`; never throws on a non-zero exit. */
export async function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const merged: Record<string, string | undefined> = { ...process.env, PULLBACK_CONFIG: opts.configEnv, NO_COLOR: '1', ...opts.env, ...(opts.cron ? { PULLBACK_VERBOSE: undefined } : {}) };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(merged)) if (v !== undefined) env[k] = v;
  const stdio = opts.input === undefined ? { stdin: 'ignore' as const } : { input: opts.input };
  const [file, ...argv] = [...(opts.prefix ?? []), process.execPath, CLI_PATH, ...args];
  const r = await execa(file!, argv, {
    reject: false,
    env,
    extendEnv: false,
    cwd: opts.cwd ?? REPO_ROOT,
    timeout: opts.timeoutMs ?? 110_000,
    ...stdio,
  });
  if (r.timedOut) throw new Error(`pullback ${args.join(' ')} timed out\n${r.stderr}`);
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface PtyResult {
  exitCode: number;
  /** Everything written to the terminal (stdout and stderr together), escape codes included. */
  output: string;
}

/** Runs `node dist/cli/main.js ...args` on a real pseudo-terminal (test/harness/pty-record.py), recording what it shows; `typed` is typed on it. */
export async function runCliOnPty(args: string[], opts: { env?: Record<string, string | undefined>; timeoutMs?: number; typed?: string } = {}): Promise<PtyResult> {
  const merged: Record<string, string | undefined> = { ...process.env, PULLBACK_CONFIG: undefined, NO_COLOR: '1', ...opts.env, PTY_INPUT: opts.typed };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(merged)) if (v !== undefined) env[k] = v;
  const r = await execa('python3', [join(REPO_ROOT, 'test/harness/pty-record.py'), process.execPath, CLI_PATH, ...args], {
    reject: false,
    env,
    extendEnv: false,
    cwd: REPO_ROOT,
    stdin: 'ignore',
    timeout: opts.timeoutMs ?? 110_000,
  });
  if (r.timedOut) throw new Error(`pullback ${args.join(' ')} on a pty timed out\n${r.stdout}`);
  const m = /\nexit (-?\d+)\n?$/.exec(r.stdout);
  return { exitCode: m ? Number(m[1]) : -1, output: m ? r.stdout.slice(0, m.index) : `${r.stdout}${r.stderr}` };
}
