// Where an engine's argv runs: on the main server through an SSH session, or on this machine
// through the exec layer. Both return stdout and throw ToolError unless the command exits 0.
import type { Logger } from 'pino';
import { ToolError } from '../errors.js';
import { runCommand, toolErrorFrom } from '../exec/run.js';
import type { SshSession } from '../tools/ssh/client.js';
import type { EngineRunner, RunSpec } from './engine.js';

export interface RunnerDefaults {
  /** Timeout for commands whose spec gives none. */
  timeoutMs?: number;
  signal?: AbortSignal;
  logger?: Logger;
  /** Extra environment for local commands (e.g. LC_ALL). */
  env?: Record<string, string>;
}

/** A runner executing argv on the other end of `session`. */
export function sshRunner(session: SshSession, defaults: RunnerDefaults = {}): EngineRunner {
  return {
    async run(argv: readonly string[], spec: RunSpec): Promise<string> {
      const r = await session.exec(argv, {
        timeoutMs: spec.timeoutMs ?? defaults.timeoutMs,
        signal: defaults.signal,
        input: spec.input,
        ...(spec.onStdoutLine ? { onStdoutLine: spec.onStdoutLine } : {}),
      });
      if (r.exitCode !== 0) throw toolErrorFrom(r, spec.reason);
      if (spec.onStdoutLine) return '';
      if (r.stdoutTruncated) {
        throw new ToolError(`${spec.reason}: output larger than 1 MiB`, { ...r, stderrTail: r.stderrTail, timedOut: false });
      }
      return r.stdout ?? '';
    },
  };
}

/** A runner executing argv on this machine (argv[0] looked up in PATH). */
export function localRunner(defaults: RunnerDefaults = {}): EngineRunner {
  return {
    async run(argv: readonly string[], spec: RunSpec): Promise<string> {
      const lines: string[] = [];
      const r = await runCommand(argv[0]!, argv.slice(1), {
        timeoutMs: spec.timeoutMs ?? defaults.timeoutMs,
        signal: defaults.signal,
        logger: defaults.logger,
        env: defaults.env,
        input: spec.input,
        onStdoutLine: spec.onStdoutLine ?? ((l) => lines.push(l)),
      });
      if (r.exitCode !== 0) throw toolErrorFrom(r, spec.reason);
      return lines.join('\n');
    },
  };
}
