#!/usr/bin/env node
// pullback's command line: parse arguments, dispatch to a command, and turn every error into a
// message and an exit code (0 success, 1 a job failed, 2 bad input or usage).
import { resolveConfigPath } from '../config/index.js';
import { ConfigError, InternalError, JobError, ToolError, UsageError } from '../errors.js';
import { decideOutputMode } from '../logging/output-mode.js';
import { watchTerminal } from '../logging/terminal.js';
import { installedVersion } from '../util/install-root.js';
import { formatOptions, parseCommandLine, type Parsed } from './parse.js';
import { commands, type CommandSpec, type OptionSpec } from './registry.js';
import { settleFleetWork } from '../catalog/fleet/pending.js';

const GLOBAL: OptionSpec = {
  config: { type: 'string', short: 'c', value: 'FILE', description: 'the config file (else $PULLBACK_CONFIG, else /etc/pullback/pullback.yaml)' },
  'log-level': { type: 'string', value: 'LEVEL', description: 'terminal log level: trace, debug, info, warn, error, fatal or silent' },
  'log-format': { type: 'string', value: 'FORMAT', description: 'log lines on stderr: pretty (readable, the default, also in cron) or json (pino JSON, as in the log file)' },
  quiet: { type: 'boolean', short: 'q', description: 'as under cron: no log lines on the terminal, nothing printed when a job went well, only the failures when not (the default when neither stdout nor stderr is a terminal)' },
  verbose: { type: 'boolean', description: 'as at a terminal, also without one: log lines on stderr and the tables on stdout (also $PULLBACK_VERBOSE=1)' },
  help: { type: 'boolean', short: 'h', description: 'print this help and exit' },
  version: { type: 'boolean', description: "print pullback's version and exit" },
};

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: pullback [--config FILE] [--log-level LEVEL] [--log-format pretty|json] [--quiet|--verbose] COMMAND [OPTIONS]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    ...formatOptions('Global options:', GLOBAL),
    '',
    "Run 'pullback COMMAND --help' for a command's options.",
    'The config is --config FILE, else $PULLBACK_CONFIG, else /etc/pullback/pullback.yaml.',
    'Exit codes: 0 success, 1 a job failed, 2 bad input or usage.',
  ].join('\n');
}

/** `pullback CMD --help`: the usage, what the command does, and every option with its description. */
function commandHelp(spec: CommandSpec): string {
  const own = formatOptions('Options:', spec.options);
  return [`usage: ${spec.usage}`, '', spec.summary, '', ...(own.length ? [...own, ''] : []), ...formatOptions('Global options:', GLOBAL)].join('\n');
}

/** The first argument that is neither an option nor a global option's value. */
function findCommand(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config' || a === '-c' || a === '--log-level' || a === '--log-format') i++;
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
  let parsed: Parsed;
  try {
    // The command's name is the first positional; only commands that take arguments get more.
    parsed = parseCommandLine(argv, { ...GLOBAL, ...(spec?.options ?? {}) }, spec?.positionals ? Infinity : 1);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    const more = spec ? `usage: ${spec.usage}\n\nRun 'pullback ${spec.name} --help' for its options.` : usage();
    throw new UsageError(`${e.message}${spec ? ` for pullback ${spec.name}` : ''}\n\n${more}`);
  }
  const v = parsed.values as Record<string, unknown>;
  if (v.version) {
    process.stdout.write(`pullback ${installedVersion()}\n`);
    return 0;
  }
  if (v.help) {
    process.stdout.write(`${spec ? commandHelp(spec) : usage()}\n`);
    return 0;
  }
  if (!spec) throw new UsageError(`no command given\n\n${usage()}`);
  const level = v['log-level'] as string | undefined;
  if (level !== undefined && !LOG_LEVELS.includes(level)) {
    throw new UsageError(`unknown log level '${level}' (one of ${LOG_LEVELS.join(', ')})`);
  }
  const format = v['log-format'] as string | undefined;
  if (format !== undefined && format !== 'pretty' && format !== 'json') throw new UsageError(`unknown log format '${format}' (pretty or json)`);
  if (v.quiet && v.verbose) throw new UsageError('--quiet and --verbose contradict each other: give one');
  const mode = decideOutputMode({
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    quiet: v.quiet === true,
    verbose: v.verbose === true,
    verboseEnv: process.env.PULLBACK_VERBOSE,
  });
  const extra = parsed.positionals.slice(1);
  const configPath = resolveConfigPath(v.config as string | undefined, process.env);
  const g = {
    configPath,
    logLevel: v['log-level'] as string | undefined,
    logFormat: format as 'pretty' | 'json' | undefined,
    out: (t: string) => process.stdout.write(`${t}\n`),
    quiet: mode === 'quiet',
    hasCommand: (n: string) => commands.some((c) => c.name === n),
  };
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
// The last push into the fleet catalog (catalog/fleet/pending.ts) is awaited after the command, so
// the exit code stays the command's own whether PostgreSQL answered or not.
main(process.argv.slice(2))
  .then(async (code) => {
    await settleFleetWork();
    process.exitCode = code;
  })
  .catch(async (e) => {
    await settleFleetWork();
    process.exitCode = handleError(e);
  });
