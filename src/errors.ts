// The small error taxonomy. The CLI's one handler maps each to a message and an exit code:
// ConfigError and UsageError -> 2, ToolError / JobError -> 1, InternalError (a bug) -> 70 with a stack.

/** One problem found in a configuration file. */
export interface ConfigProblem {
  file: string;
  line?: number;
  column?: number;
  /** Dotted key path, e.g. `sources[2].kind`. */
  key?: string;
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}${p.column !== undefined ? `:${p.column}` : ''}` : p.file;
  return p.key ? `${where}: ${p.key}: ${p.message}` : `${where}: ${p.message}`;
}

/** Every problem found in the configuration, reported at once. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** The command line was wrong (unknown option, missing value, refused without a terminal). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ToolErrorDetails {
  /** The command as it may be shown: argv joined for people, secrets masked. */
  command: string;
  exitCode?: number;
  signal?: string;
  timedOut: boolean;
  durationMs: number;
  /** The last lines of stderr. */
  stderrTail: string[];
}

/** An external tool failed. `message` is short and for people; details carry the rest. */
export class ToolError extends Error {
  readonly details: ToolErrorDetails;
  constructor(message: string, details: ToolErrorDetails) {
    super(message);
    this.name = 'ToolError';
    this.details = details;
  }
}

/** A step failed for a reason that is not a tool's exit code (a check, a verification, a refusal). */
export class JobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobError';
  }
}

/** A bug: something that should not happen. The handler prints the stack. */
export class InternalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InternalError';
  }
}

/** A short, single-line description of any thrown value. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
