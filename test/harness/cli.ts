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
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli/main.js ...args`; never throws on a non-zero exit. */
export async function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const merged: Record<string, string | undefined> = { ...process.env, PULLBACK_CONFIG: opts.configEnv, NO_COLOR: '1', ...opts.env };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(merged)) if (v !== undefined) env[k] = v;
  const stdio = opts.input === undefined ? { stdin: 'ignore' as const } : { input: opts.input };
  const r = await execa(process.execPath, [CLI_PATH, ...args], {
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
