// One writer per repository at a time inside this process: hosts that share a repository queue
// their borg create / prune / compact / check here instead of on borg's own lock (whose wait
// times out and fails the second host). Other processes are kept out by the per-host locks and
// borg's lock.
const tails = new Map<string, Promise<unknown>>();

/** Runs `fn` once every earlier job queued on `repository` has settled; resolves with its result. */
export async function withRepository<T>(repository: string, fn: () => Promise<T>): Promise<T> {
  const before = tails.get(repository) ?? Promise.resolve();
  const run = before.then(fn, fn);
  const tail = run.catch(() => undefined);
  tails.set(repository, tail);
  try {
    return await run;
  } finally {
    if (tails.get(repository) === tail) tails.delete(repository);
  }
}
