// `pullback doctor [--mount]`: is this machine ready to run pullback? One line per check (the tools
// and their versions, the configured key and passphrase files, the state directory, free space, the
// clock), each OK, WARN or FAIL with what to install or fix. Exit 0 when nothing FAILs, 1 when
// something does, 2 when the configuration cannot be read (its problems listed after the checks).
import type { CommandSpec } from './spec.js';
import { loadConfig } from '../config/index.js';
import type { Config } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { formatLine, runDoctor } from '../doctor/doctor.js';
import type { GlobalOptions } from './common.js';

/** Prints the checks; resolves 0 or 1; throws the ConfigError (exit 2) of an unreadable configuration after printing what could be checked without it. */
export async function doctorCommand(g: GlobalOptions, opts: { mount: boolean }): Promise<number> {
  let config: Config | undefined;
  let configError: ConfigError | undefined;
  try {
    config = loadConfig(g.configPath);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    configError = e;
  }
  const lines = await runDoctor({ ...(config ? { config } : {}), mount: opts.mount, path: process.env.PATH ?? '' });
  for (const l of lines) g.out(formatLine(l));
  if (configError) {
    g.out(formatLine({ status: 'FAIL', subject: 'config', message: `${g.configPath} cannot be used (the problems follow); the checks above did not look at it` }));
    throw configError;
  }
  g.out(formatLine({ status: 'OK', subject: 'config', message: `${g.configPath}: ${config!.hosts.length} host(s)` }));
  const failed = lines.filter((l) => l.status === 'FAIL').length;
  const warned = lines.filter((l) => l.status === 'WARN').length;
  g.out(failed > 0 ? `doctor: ${failed} check(s) FAILED, ${warned} warning(s)` : `doctor: ready${warned > 0 ? ` (${warned} warning(s))` : ''}`);
  return failed > 0 ? 1 : 0;
}

export const doctorSpec: CommandSpec = {
  name: 'doctor',
  summary: 'check this machine for pullback: tools and versions, key files and modes, state directory, free space, clock',
  usage: 'pullback doctor [--mount]',
  options: {
    mount: { type: 'boolean', description: 'also check FUSE and borg\'s FUSE library, for pullback mount' },
  },
  handler: async (g, v) => doctorCommand(g, { mount: !!v.mount }),
};
