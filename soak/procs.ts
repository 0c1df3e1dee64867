// Processes under a root process, read from /proc (every thread's children file), and a watcher that
// polls them every few milliseconds while a night runs: how faults find the sshd child serving a pull,
// a nightly pg_dump or a borg create at a seeded moment, and stop or kill them.
import { readdirSync, readFileSync } from 'node:fs';

export interface Proc {
  pid: number;
  argv: string[];
  /** The process's state letter (R, S, D, T, Z...). */
  state: string;
  /** Its parent's pid. */
  ppid: number;
}

function read(pid: number): Proc | undefined {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, argv, state: rest[0]!, ppid: Number(rest[1]) };
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) if (c.trim()) out.push(Number(c));
      } catch {
        // the thread ended meanwhile
      }
    }
  } catch {
    // the process ended meanwhile
  }
  return out;
}

/** Every live process below `root` (not `root` itself), parents before their children. */
export function descendants(root: number): Proc[] {
  const out: Proc[] = [];
  const queue = childrenOf(root);
  const seen = new Set<number>();
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const p = read(pid);
    if (!p) continue;
    out.push(p);
    queue.push(...childrenOf(pid));
  }
  return out;
}

/** The program a process runs (basename of argv[0], or of the script python runs, as for borg). */
export function programOf(p: Proc): string {
  const first = (p.argv[0] ?? '').split('/').at(-1)!;
  return /^python3?(\.\d+)?$/.test(first) && p.argv[1] ? p.argv[1].split('/').at(-1)! : first;
}

/** Signals `pid`; false when it is gone (or a zombie already). */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  const p = read(pid);
  if (!p || p.state === 'Z') return false;
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

export interface Watch {
  /** Stops polling; resolves once the last poll ended. */
  stop(): Promise<void>;
}

/**
 * Polls the processes below `root` every `everyMs` until `onPoll` returns true (done) or stop() is
 * called. `onPoll` sees the processes of each poll and may act on them (signal one, fill a disk).
 */
export function watch(root: number, onPoll: (procs: Proc[]) => boolean | Promise<boolean>, everyMs = 5): Watch {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      if (await onPoll(descendants(root))) return;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
