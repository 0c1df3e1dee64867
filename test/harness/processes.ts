// What runs on this machine, from /proc: snapshots of every process's argv and environment while
// some work runs (we are root, so every /proc/<pid>/environ is readable; a sample misses processes
// that live less than its interval: exec-trace.ts sees every one); and the processes themselves, so fault tests can wait for a child before killing
// pullback and then assert that nothing it started (on either side) is left running.
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

export interface Proc {
  pid: number;
  ppid: number;
  argv: string[];
}

/** Every process whose command line can be read (kernel threads and vanished ones are left out). */
export function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (argv.length > 0) out.push({ pid: Number(name), ppid, argv });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Processes other than this test's own whose command line mentions any of `markers` (temp dirs of the test). */
export function processesMentioning(markers: readonly string[]): Proc[] {
  return processes().filter((p) => p.pid !== process.pid && p.argv.some((a) => markers.some((m) => a.includes(m))));
}

/** The program a process runs (basename of argv[0], or of the script python runs, as for borg). */
export function programOf(p: Proc): string {
  const first = p.argv[0]!.split('/').at(-1)!;
  return /^python3?(\.\d+)?$/.test(first) && p.argv[1] ? p.argv[1].split('/').at(-1)! : first;
}

/** Polls `probe` every 10 ms until it gives a value; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits up to `graceMs` for every process mentioning `markers` to end; returns those still there. */
export async function survivorsAfter(markers: readonly string[], graceMs: number): Promise<string[]> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const left = processesMentioning(markers);
    if (left.length === 0 || Date.now() > deadline) return left.map((p) => `${p.pid} ${p.argv.join(' ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
