// The command registry: each verb's options (with a description each, for --help), usage and handler.
import type { GlobalOptions } from '../commands/common.js';
import { listCommand } from '../commands/list.js';
import { checkCommand, pruneCommand } from '../commands/maintain.js';
import { runCommand } from '../commands/run.js';
import { validateCommand } from '../commands/validate.js';
import type { OptionSpec, Values } from './parse.js';

export type { OptionDef, OptionSpec, Values } from './parse.js';

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec;
  /** Whether the command takes positional arguments after its name. */
  positionals?: boolean;
  handler: (g: GlobalOptions, values: Values, positionals: string[]) => Promise<number>;
}

const host: OptionSpec = {
  host: { type: 'string', multiple: true, short: 'H', value: 'NAME', description: 'only this host; repeat for several (default: every host in the config)' },
};
const hosts = (v: Values) => v.host as string[] | undefined;

export const commands: CommandSpec[] = [
  {
    name: 'run',
    summary: 'pull every host, archive, prune, compact and check (the nightly job)',
    usage: 'pullback run [--host NAME]... [--accept-shrink SOURCE]...',
    options: {
      ...host,
      'accept-shrink': { type: 'string', multiple: true, value: 'SOURCE', description: 'mirror and archive a mass deletion of SOURCE that max_shrink refused (needs --host; repeat for several)' },
    },
    handler: (g, v) => runCommand(g, { hosts: hosts(v), acceptShrink: v['accept-shrink'] as string[] | undefined }),
  },
  {
    name: 'list',
    summary: "list each host's archives",
    usage: 'pullback list [--host NAME]... [--json]',
    options: { ...host, json: { type: 'boolean', description: 'print JSON (archive name, time, kind, size, file count) instead of a table' } },
    handler: (g, v) => listCommand(g, { hosts: hosts(v), json: !!v.json }),
  },
  {
    name: 'check',
    summary: 'borg check of repositories and archives (--verify-data reads every chunk)',
    usage: 'pullback check [--host NAME]... [--verify-data]',
    options: { ...host, 'verify-data': { type: 'boolean', description: 'also read and verify every data chunk (slow: reads the whole repository)' } },
    handler: (g, v) => checkCommand(g, { hosts: hosts(v), verifyData: !!v['verify-data'] }),
  },
  {
    name: 'prune',
    summary: 'apply the retention policy, then compact',
    usage: 'pullback prune [--host NAME]...',
    options: { ...host },
    handler: (g, v) => pruneCommand(g, { hosts: hosts(v) }),
  },
  {
    name: 'validate',
    summary: 'check the configuration and every host file; all problems at once',
    usage: 'pullback validate',
    options: {},
    handler: (g) => validateCommand(g),
  },
];

/** Adds a command (used by feature modules: restore, drill, report). */
export function registerCommand(spec: CommandSpec): void {
  commands.push(spec);
}
