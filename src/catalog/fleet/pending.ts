// Work that goes on after a command's own work: the last push into the fleet catalog. The CLI awaits
// it before the process exits, so a command's records reach PostgreSQL without the command waiting
// for it in the middle of its own output.
const pending = new Set<Promise<unknown>>();

/** Keeps `p` until it settles; settleFleetWork waits for it. Its rejection is the caller's to log. */
export function trackFleetWork(p: Promise<unknown>): void {
  const kept = p.catch(() => undefined).finally(() => pending.delete(kept));
  pending.add(kept);
}

/** Waits until every tracked piece of work settled (never rejects). */
export async function settleFleetWork(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending]);
}
