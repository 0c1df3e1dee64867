// pullback hosts SUBCOMMAND NAME: setting up a main server (authorize prints its authorized_keys
// lines, trust records its host key). Each subcommand lives in its own module.
import { registerCommand, type OptionSpec, type Values } from '../cli/registry.js';
import { UsageError } from '../errors.js';
import type { GlobalOptions } from './common.js';
import { authorizeSubcommand } from './hosts-authorize.js';
import { trustSubcommand } from './hosts-trust.js';

export interface Subcommand {
  name: string;
  usage: string;
  summary: string;
  options: OptionSpec;
  run: (g: GlobalOptions, values: Values, args: string[]) => Promise<number>;
}

const SUBCOMMANDS: Subcommand[] = [authorizeSubcommand, trustSubcommand];

/** Registers `pullback NAME SUB ...` dispatching to one of `subs` (also used by `key` and `offsite`). */
export function registerGroup(name: string, summary: string, subs: Subcommand[]): void {
  const options: OptionSpec = Object.assign({}, ...subs.map((s) => s.options));
  registerCommand({
    name,
    summary,
    usage: subs.map((s) => s.usage).join('\n       '),
    options,
    positionals: true,
    handler: async (g, v, positionals) => {
      const [subName, ...args] = positionals;
      const sub = subs.find((s) => s.name === subName);
      if (!sub) {
        const known = subs.map((s) => s.name).join(', ');
        throw new UsageError(subName === undefined ? `pullback ${name} needs a subcommand (${known})` : `unknown subcommand '${subName}' of pullback ${name} (one of ${known})`);
      }
      return sub.run(g, v, args);
    },
  });
}

registerGroup('hosts', 'set up a main server: authorize prints the authorized_keys lines of its restricted keys, trust records its host key', SUBCOMMANDS);
