// Who a PID is: its start time and the boot it belongs to, so a process that died is never
// mistaken for a live one that was given its PID later (or after a reboot). Linux /proc only.
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot (/proc/PID/stat field 22); undefined where /proc is missing. */
  start?: string;
  bootId?: string;
}

/** This process's identity, as recorded beside a run. */
export function selfIdentity(): ProcessIdentity {
  return { pid: process.pid, start: startTicks(process.pid), bootId: bootId() };
}

/**
 * True when the process recorded as `id` is certainly gone: another boot, no such PID, or the PID
 * now belongs to a process that started at another time. Without a recorded start time (rows from
 * before it was recorded) only the PID can be asked.
 */
export function isGone(id: ProcessIdentity): boolean {
  if (id.bootId !== undefined && bootId() !== undefined && id.bootId !== bootId()) return true;
  if (id.start !== undefined) {
    const now = startTicks(id.pid);
    if (now !== undefined || procReadable()) return now !== id.start;
  }
  try {
    process.kill(id.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

/** Field 22 of /proc/PID/stat (after the parenthesised command name, which may hold spaces and parentheses). */
function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

function procReadable(): boolean {
  return startTicks(process.pid) !== undefined;
}
