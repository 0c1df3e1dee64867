// A command with subcommands (`pullback hosts authorize|trust`, `pullback key export`,
// `pullback offsite verify`): one spec dispatching to the named subcommand.
import { UsageError } from '../errors.js';
import type { GlobalOptions } from './common.js';
import type { CommandSpec, OptionSpec, Values } from './spec.js';

export interface Subcommand {
  name: string;
  usage: string;
  summary: string;
  options: OptionSpec;
  run: (g: GlobalOptions, values: Values, args: string[]) => Promise<number>;
}

/** The spec of `pullback NAME SUB ...` dispatching to one of `subs`. */
export function commandGroup(name: string, summary: string, subs: Subcommand[]): CommandSpec {
  const options: OptionSpec = Object.assign({}, ...subs.map((s) => s.options));
  return {
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
  };
}
