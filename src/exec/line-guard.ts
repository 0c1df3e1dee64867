// Line callbacks parse what tools print; one that throws on an unexpected line must fail that
// command (a recorded error of its step), never escape into an event handler and crash the whole
// process with every host's job. The first error is kept with the line that caused it.
import { ToolError } from '../errors.js';

export class LineGuard {
  private first?: { line: string; message: string };

  /** `fn` made safe: after its first throw, later lines are ignored and the error is kept. */
  wrap(fn: ((line: string) => void) | undefined): ((line: string) => void) | undefined {
    if (!fn) return undefined;
    return (line) => {
      if (this.first) return;
      try {
        fn(line);
      } catch (e) {
        this.first = { line, message: e instanceof Error ? e.message : String(e) };
      }
    };
  }

  /** Throws a ToolError naming the command and the line when a wrapped callback threw. */
  check(command: string, durationMs: number, stderrTail: string[]): void {
    if (!this.first) return;
    const line = this.first.line.length > 200 ? `${this.first.line.slice(0, 200)}...` : this.first.line;
    throw new ToolError(`cannot read the output of ${command.split(' ')[0]}: ${this.first.message} (at the line ${JSON.stringify(line)})`, {
      command,
      timedOut: false,
      durationMs,
      stderrTail,
    });
  }
}
