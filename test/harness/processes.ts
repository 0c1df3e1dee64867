// Snapshots of every process's argv and environment while some work runs (we are root, so every
// /proc/<pid>/environ is readable): what a secrets test greps for passwords.
import { readdirSync, readFileSync } from 'node:fs';

/** Samples /proc every `intervalMs` while `work` runs; `seen` maps each distinct cmdline (NUL-separated) to its environ. */
export async function watchProcesses<T>(work: Promise<T>, intervalMs = 5): Promise<{ result: T; seen: Map<string, string> }> {
  const seen = new Map<string, string>();
  let done = false;
  const sample = () => {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
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
