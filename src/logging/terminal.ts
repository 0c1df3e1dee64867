// When the terminal goes away (the SSH session dropped, the window closed) writing to it fails
// with EIO or EPIPE, before or after the SIGHUP arrives. The work must go on (start_writes, the
// catalog record), so a failed terminal write, or the hangup itself, stops every later write to
// stdout and stderr; the log file still gets every line.

let gone = false;

/** True once the terminal is gone. */
export function terminalGone(): boolean {
  return gone;
}

/** Stops every later write to stdout and stderr (the logger's terminal stream checks terminalGone). */
export function detachTerminal(): void {
  if (gone) return;
  gone = true;
  for (const s of [process.stdout, process.stderr]) s.write = (() => true) as typeof s.write;
}

/** From now on a write error on stdout or stderr detaches the terminal instead of killing the process. */
export function watchTerminal(): void {
  for (const s of [process.stdout, process.stderr]) s.on('error', detachTerminal);
}

let lineRoute: ((text: string) => boolean) | undefined;

/**
 * While progress bars are drawn, log lines for the terminal go to `route` (which writes them above
 * the bars and returns true); undefined: straight to stderr again.
 */
export function routeTerminalLines(route: ((text: string) => boolean) | undefined): void {
  lineRoute = route;
}

/** Hands `text` to the progress bars when they are drawn; false: the caller writes it itself. */
export function routedTerminalLine(text: string): boolean {
  return lineRoute?.(text) ?? false;
}
