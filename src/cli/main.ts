#!/usr/bin/env node
// pullback's command line: parse arguments, dispatch to a command, and turn every error into a
// message and an exit code (0 success, 1 a job failed, 2 bad input or usage).
import { parseArgs } from 'node:util';
import { resolveConfigPath } from '../config/index.js';
import { ConfigError, InternalError, JobError, ToolError, UsageError } from '../errors.js';
import { watchTerminal } from '../logging/terminal.js';
import { commands, type CommandSpec, type OptionSpec } from './registry.js';
import './features.js';

const GLOBAL: OptionSpec = {
  config: { type: 'string', short: 'c' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
};

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: pullback [--config FILE] [--log-level LEVEL] COMMAND [OPTIONS]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'The config is --config FILE, else $PULLBACK_CONFIG, else /etc/pullback/pullback.yaml.',
    'Exit codes: 0 success, 1 a job failed, 2 bad input or usage.',
  ].join('\n');
}

/** The first argument that is neither an option nor a global option's value. */
function findCommand(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config' || a === '-c' || a === '--log-level') i++;
    else if (a === '--') return argv[i + 1];
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/** Runs the CLI with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const name = findCommand(argv);
  const spec: CommandSpec | undefined = commands.find((c) => c.name === name);
  if (name !== undefined && !spec) throw new UsageError(`unknown command '${name}'\n\n${usage()}`);
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...GLOBAL, ...(spec?.options ?? {}) }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${spec ? `usage: ${spec.usage}` : usage()}`);
  }
  const v = parsed.values as Record<string, unknown>;
  if (v.version) {
    process.stdout.write('pullback 0.1.0\n');
    return 0;
  }
  if (v.help) {
    process.stdout.write(`${spec ? `usage: ${spec.usage}\n\n${spec.summary}` : usage()}\n`);
    return 0;
  }
  if (!spec) throw new UsageError(`no command given\n\n${usage()}`);
  const level = v['log-level'] as string | undefined;
  if (level !== undefined && !LOG_LEVELS.includes(level)) {
    throw new UsageError(`unknown log level '${level}' (one of ${LOG_LEVELS.join(', ')})`);
  }
  const extra = parsed.positionals.slice(1);
  if (extra.length > 0 && !spec.positionals) throw new UsageError(`unexpected argument '${extra[0]}'\n\nusage: ${spec.usage}`);
  const configPath = resolveConfigPath(v.config as string | undefined, process.env);
  const g = { configPath, logLevel: v['log-level'] as string | undefined, out: (t: string) => process.stdout.write(`${t}\n`) };
  return spec.handler(g, parsed.values as never, extra);
}

/** Maps an error to its message on stderr and its exit code. */
export function handleError(e: unknown): number {
  if (e instanceof ConfigError) {
    process.stderr.write(`pullback: configuration has ${e.problems.length} problem(s):\n${e.message.split('\n').map((l) => `  ${l}`).join('\n')}\n`);
    return 2;
  }
  if (e instanceof UsageError) {
    process.stderr.write(`pullback: ${e.message}\n`);
    return 2;
  }
  if (e instanceof ToolError) {
    process.stderr.write(`pullback: ${e.message}\n  command: ${e.details.command}\n`);
    return 1;
  }
  if (e instanceof JobError) {
    process.stderr.write(`pullback: ${e.message}\n`);
    return 1;
  }
  const err = e instanceof InternalError ? e : new InternalError(String((e as Error)?.message ?? e), { cause: e });
  process.stderr.write(`pullback: internal error (a bug, please report it): ${err.message}\n${(e as Error)?.stack ?? ''}\n`);
  return 70;
}

// A terminal that goes away mid-command must not kill it (a restore still runs start_writes).
watchTerminal();
main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((e) => {
    process.exitCode = handleError(e);
  });
