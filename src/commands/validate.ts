// `pullback validate`: load and check the whole configuration; ConfigError (exit 2) lists every problem.
// A passphrase file others may read is a problem too: every repository command would refuse to start.
// So is a passphrase file or SSH identity file that is not there: every night would fail on it.
import type { CommandSpec } from './spec.js';
import { configFileProblems } from '../job/config-files.js';
import { assertPassphraseFilePrivate } from '../job/passphrase-file.js';
import { loadConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import type { GlobalOptions } from './common.js';

/** Prints a one-line summary of a valid config; throws ConfigError otherwise. */
export async function validateCommand(g: GlobalOptions): Promise<number> {
  const config = loadConfig(g.configPath);
  const missing = configFileProblems(config);
  if (missing.length > 0) throw new ConfigError(missing);
  assertPassphraseFilePrivate(config.global);
  const sources = config.hosts.reduce((n, h) => n + h.sources.length, 0);
  g.out(`${g.configPath}: OK (${config.hosts.length} host(s), ${sources} source(s): ${config.hosts.map((h) => h.name).join(', ') || 'none'})`);
  return 0;
}

export const validateSpec: CommandSpec = {
  name: 'validate',
  summary: 'check the configuration and every host file; all problems at once',
  usage: 'pullback validate',
  options: {},
  handler: (g) => validateCommand(g),
};
