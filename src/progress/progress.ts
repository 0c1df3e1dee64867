// Progress bars on stdout (cli-progress), one line per piece of work in progress (hosts run side by
// side). While bars are drawn, log lines for the same terminal and people-facing output go through
// the bars' log (cleared, written, redrawn), so neither garbles the other.
import cliProgress from 'cli-progress';
import { routeTerminalLines, terminalGone } from '../logging/terminal.js';
import { shouldDrawProgress } from './decide.js';

export interface ProgressTask {
  /** `value` of `total` (a bar and a percentage when total > 0) and a short text after it. */
  update(value: number, total: number, detail?: string): void;
  /** Removes the bar (safe to call twice). */
  done(): void;
}

export interface Progress {
  /** True when bars are drawn (callers ask tools for progress output only then). */
  readonly enabled: boolean;
  /** A bar labelled `label` (e.g. "pull main/etc"); a no-op task when progress is off. */
  task(label: string): ProgressTask;
  /** Writes a people-facing line to stdout without garbling the bars. */
  print(text: string): void;
  /** Removes every bar. */
  stop(): void;
}

const NO_TASK: ProgressTask = { update: () => undefined, done: () => undefined };

/** Progress that draws nothing (cron, tests, library use); `print` goes to `out`. */
export function noProgress(out: (text: string) => void = (t) => process.stdout.write(`${t}\n`)): Progress {
  return { enabled: false, task: () => NO_TASK, print: out, stop: () => undefined };
}

interface Payload {
  label: string;
  detail: string;
}

function formatLine(options: cliProgress.Options, params: cliProgress.Params, payload: Payload): string {
  if (!(params.total > 0)) return `${payload.label}  ${payload.detail}`;
  const pct = Math.min(100, Math.floor(params.progress * 100));
  return `${payload.label} ${cliProgress.Format.BarFormat(params.progress, options)} ${String(pct).padStart(3)}%  ${payload.detail}`;
}

/** Progress for this process: bars when shouldDrawProgress says so (stdout a TTY, level info or lower), else noProgress. */
export function createProgress(opts: { level: string; out?: (text: string) => void }): Progress {
  const out = opts.out ?? ((t: string) => process.stdout.write(`${t}\n`));
  if (!shouldDrawProgress({ stdoutIsTTY: process.stdout.isTTY === true, level: opts.level, terminalGone: terminalGone() })) return noProgress(out);
  let multi: cliProgress.MultiBar | undefined;
  const bars = new Set<cliProgress.SingleBar>();

  const log = (text: string) => {
    multi!.log(text);
    multi!.update(); // at once: lines keep their order and nothing waits for the next redraw
  };
  const open = () => {
    if (multi) return multi;
    multi = new cliProgress.MultiBar({
      ...cliProgress.Presets.shades_classic,
      stream: process.stdout,
      format: formatLine as never,
      barsize: 24,
      hideCursor: false, // a hung-up or killed run must not leave the cursor hidden
      // The terminal keeps wrapping lines (cli-progress would switch it off: log lines under the bars
      // were cut at the screen's edge); the bars themselves are cut to the width instead.
      linewrap: true,
      clearOnComplete: true,
      gracefulExit: false, // pullback's own signal handling stops the work
    });
    // Log lines for the terminal (stderr is the same terminal) are written above the bars.
    if (process.stderr.isTTY) routeTerminalLines((line) => (terminalGone() ? false : (log(line), true)));
    return multi;
  };
  const close = () => {
    if (!multi) return;
    routeTerminalLines(undefined);
    const m = multi;
    multi = undefined;
    m.update(); // writes pending log lines
    m.stop();
  };

  return {
    enabled: true,
    task(label: string): ProgressTask {
      if (terminalGone()) return NO_TASK;
      const bar = open().create(0, 0, { label, detail: '' } satisfies Payload);
      bars.add(bar);
      return {
        update(value, total, detail = '') {
          if (!bars.has(bar) || terminalGone()) return;
          bar.setTotal(total);
          bar.update(value, { label, detail });
        },
        done() {
          if (!bars.delete(bar)) return;
          if (bars.size === 0) close();
          else multi?.remove(bar);
        },
      };
    },
    print(text: string) {
      if (multi && !terminalGone()) log(`${text}\n`);
      else out(text);
    },
    stop() {
      bars.clear();
      close();
    },
  };
}
