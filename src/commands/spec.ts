// What a command is, as the CLI sees it: its name, help, options and handler. Each command module
// exports its spec; cli/registry.ts lists them (commands never register themselves into the CLI).

export interface OptionDef {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's placeholder in help (`NAME`, `FILE`); string options only. */
  value?: string;
  /** One line for `--help`. */
  description: string;
}

export type OptionSpec = Record<string, OptionDef>;
export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec;
  /** Whether the command takes positional arguments after its name. */
  positionals?: boolean;
  handler: (g: GlobalOptions, values: Values, positionals: string[]) => Promise<number>;
}

/** What every command receives from the CLI besides its own options. */
export interface GlobalOptions {
  configPath: string;
  logLevel?: string;
  /** stderr as readable lines (default) or JSON lines (--log-format json). */
  logFormat?: 'pretty' | 'json';
  /** Where people-facing output goes (stdout). */
  out: (text: string) => void;
  /**
   * Cron mode (logging/output-mode.ts): a job (run, drill, check, prune, status --notify, report)
   * writes no log lines to the terminal and prints only what went wrong.
   */
  quiet?: boolean;
  /** Whether this pullback has a command of that name (the schedule runs only those); default: all. */
  hasCommand?: (name: string) => boolean;
}
