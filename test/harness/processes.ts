// Snapshots of every process's argv and environment while some work runs (we are root, so every
// /proc/<pid>/environ is readable): what a secrets test greps for passwords.
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Samples /proc every `intervalMs` while `work` runs; `seen` maps each distinct cmdline (NUL-separated)
 * to its environ. Only processes started after the watch began are read: everything the work runs is
 * among them, and a busy machine's hundreds of other processes are not read again every few ms.
 */
export async function watchProcesses<T>(work: Promise<T>, intervalMs = 5): Promise<{ result: T; seen: Map<string, string> }> {
  const seen = new Map<string, string>();
  const before = new Set(readdirSync('/proc'));
  let done = false;
  const sample = () => {
    const now = readdirSync('/proc');
    // A process of before that is gone frees its pid (pid_max may be small): whoever gets it next is new.
    const present = new Set(now);
    for (const pid of before) if (!present.has(pid)) before.delete(pid);
    for (const pid of now) {
      if (before.has(pid) || !/^\d+$/.test(pid)) continue;
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (cmd && !seen.has(cmd)) seen.set(cmd, readFileSync(`/proc/${pid}/environ`, 'utf8'));
      } catch {
        // gone already
      }
    }
  };
  const loop = (async () => {
    while (!done) {
      sample();
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  try {
    return { result: await work, seen };
  } finally {
    done = true;
    await loop;
  }
}
