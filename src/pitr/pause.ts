// The receivers' waits: a back-off or the time between probes, cut short when the daemon stops.

/** Waits `ms`, or less when `signal` fires or `over()` turns true (checked every 200 ms). */
export function pause(ms: number, signal: AbortSignal, over: () => boolean = () => false): Promise<void> {
  return new Promise((resolve) => {
    const end = Date.now() + ms;
    const tick = () => {
      if (signal.aborted || over() || Date.now() >= end) resolve();
      else setTimeout(tick, Math.min(200, end - Date.now()));
    };
    tick();
  });
}
