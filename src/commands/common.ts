// What every command needs: the loaded config, a logger, the catalog, and the hosts it was asked about.
import { createInterface } from 'node:readline/promises';
import type { Logger } from 'pino';
import { assertPassphraseFilePrivate } from '../job/passphrase-file.js';
import { Catalog } from '../catalog/catalog.js';
import { interruptAbandonedRestores } from '../catalog/interrupted-restores.js';
import { loadConfig } from '../config/index.js';
import type { Config, HostConfig } from '../config/types.js';
import { checkNameArg } from '../config/names.js';
import { UsageError } from '../errors.js';
import type { GlobalOptions, OptionSpec, Values } from './spec.js';

export type { GlobalOptions };
import { createLogger } from '../logging/logger.js';
import { detachTerminal } from '../logging/terminal.js';
import { createProgress, type Progress } from '../progress/progress.js';
import { FleetLink } from '../catalog/fleet/link.js';
import { trackFleetWork } from '../catalog/fleet/pending.js';


export interface CommandEnv {
  config: Config;
  logger: Logger;
  catalog: Catalog;
  /** People-facing output (stdout), written above any progress bars. */
  out: (text: string) => void;
  /** Progress bars on a terminal (drawn only when stdout is one and --log-level is info or lower). */
  progress: Progress;
  /**
   * Cron mode for a job (openEnv's `job`, and GlobalOptions.quiet): no log lines on the terminal
   * unless --log-level asks for them; the command prints only what went wrong.
   */
  quiet: boolean;
  /** The fleet's PostgreSQL catalog (catalog: in the config), or undefined without one. */
  fleet?: FleetLink;
  close(): void;
}

/**
 * Loads the config (ConfigError on problems) and opens logger and catalog in its state dir. A command
 * that opens `repositories` refuses (ConfigError) when the passphrase file is not private to this user.
 */
export function openEnv(opts: GlobalOptions, uses: { repositories?: boolean; job?: boolean } = {}): CommandEnv {
  const config = loadConfig(opts.configPath);
  if (uses.repositories) assertPassphraseFilePrivate(config.global);
  // A job run from cron (no terminal) is quiet: cron mails whatever it prints. Other commands print
  // what they were asked for wherever their output goes.
  const quiet = uses.job === true && opts.quiet === true;
  const terminalLevel = opts.logLevel ?? (quiet ? 'silent' : 'info');
  // The log file keeps every command (debug); the terminal shows info unless --log-level says otherwise.
  const logger = createLogger({
    stateDir: config.global.stateDir,
    level: 'debug',
    stderrLevel: terminalLevel,
    stderrFormat: opts.logFormat,
    keepDays: config.global.logKeepDays,
  });
  const catalog = Catalog.open(config.global.stateDir);
  noticeAbandoned(catalog, logger);
  const progress = createProgress({ level: quiet ? 'silent' : terminalLevel, out: opts.out });
  const fleet = config.global.catalog ? new FleetLink(config, logger) : undefined;
  return {
    config,
    logger,
    catalog,
    out: (t) => progress.print(t),
    progress,
    quiet,
    ...(fleet ? { fleet } : {}),
    close: () => {
      progress.stop();
      if (!fleet) return catalog.close();
      // At the end of every command: what it recorded (and anything missed before) goes to the fleet
      // catalog, then the heartbeat. The CLI waits for it (settleFleetWork) before the process exits.
      trackFleetWork(
        fleet
          .syncSoon(catalog.db)
          .then(() => fleet.close())
          .finally(() => catalog.close()),
      );
    },
  };
}

/**
 * Runs, drills and restores left 'running' by a process that is gone (SIGKILL, a crash): every
 * command notices them first thing and records them interrupted, so none stays 'running' (and
 * `status` green) for ever. A live one (its PID, start time and boot id) is left alone.
 */
function noticeAbandoned(catalog: Catalog, logger: Logger): void {
  for (const dead of catalog.interruptAbandonedRuns()) {
    logger.warn({ deadRunId: dead.id, kind: dead.kind, pid: dead.pid, startedAt: dead.startedAt }, `run ${dead.id} (pullback ${dead.kind}, started ${dead.startedAt}) was left running by a process that is gone (PID ${dead.pid ?? '?'}, killed or crashed): recorded as interrupted`);
  }
  for (const dead of interruptAbandonedRestores(catalog)) {
    logger.warn(
      { restoreId: dead.id, kind: dead.kind, target: dead.target, pid: dead.pid, startedAt: dead.startedAt, noticedAt: dead.noticedAt },
      `${dead.kind} ${dead.id} onto ${dead.target} (started ${dead.startedAt}) was left running by a process that is gone (PID ${dead.pid ?? '?'}, killed or crashed): recorded as interrupted; 'pullback status' says how to put the target back`,
    );
  }
}

/** The hosts named by --host (all when none); an unknown name is a UsageError. */
export function selectHosts(config: Config, names: readonly string[] | undefined): HostConfig[] {
  if (!names || names.length === 0) return config.hosts;
  for (const n of names) checkNameArg('--host', n);
  const known = new Map(config.hosts.map((h) => [h.name, h]));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new UsageError(`unknown host ${unknown.map((n) => `'${n}'`).join(', ')} (known: ${[...known.keys()].join(', ') || 'none'})`);
  }
  return [...new Set(names)].map((n) => known.get(n)!);
}

// SIGHUP is a dropped SSH session or a closed terminal, most often during a manual restore: it
// stops the work like SIGTERM, so children are terminated, start_writes still runs and the restore
// is recorded as interrupted.
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** An AbortSignal that fires on SIGINT, SIGTERM or SIGHUP; `dispose` removes the handlers. */
export function interruptSignal(logger: Logger): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (sig === 'SIGHUP') detachTerminal();
    logger.warn({ signal: sig }, 'interrupted: stopping running commands');
    ac.abort(new Error(`interrupted by ${sig}`));
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  return {
    signal: ac.signal,
    dispose: () => {
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
    },
  };
}

/** Asks on the terminal; true only when the answer is "yes". */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(`${question} Type "yes" to continue: `)).trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
}

/** `--host NAME` (repeatable): the option of every command that works on some hosts. */
export const hostOption: OptionSpec = {
  host: { type: 'string', multiple: true, short: 'H', value: 'NAME', description: 'only this host; repeat for several (default: every host in the config)' },
};

/** The hosts `--host` named, or undefined for every host. */
export function hostsOf(v: Values): string[] | undefined {
  return v.host as string[] | undefined;
}
