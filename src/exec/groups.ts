// Process groups of running children, so a timeout, an abort or our own exit kills a whole tree
// (rsync's ssh, borg's helpers) and not just the direct child.

const active = new Set<number>();

/** Remembers a child's process group (the child was spawned detached, so its pid is the pgid). */
export function trackGroup(pid: number): void {
  active.add(pid);
}

export function untrackGroup(pid: number): void {
  active.delete(pid);
}

/** SIGTERM to the group, then SIGKILL after `graceMs` if it is still there. */
export function killGroup(pid: number, graceMs: number): void {
  signalGroup(pid, 'SIGTERM');
  const t = setTimeout(() => {
    if (active.has(pid)) signalGroup(pid, 'SIGKILL');
  }, graceMs);
  t.unref();
}

/** Kills every group still running: used when pullback itself is interrupted or exits. */
export function killAllGroups(): void {
  for (const pid of active) signalGroup(pid, 'SIGTERM');
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // already gone
  }
}

process.on('exit', killAllGroups);
