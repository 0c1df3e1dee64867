// Every program some work starts, seen from the kernel's side: the work runs under strace, which
// records each execve (and execveat) with its whole argv and environment, so a process that lives a
// millisecond is seen as surely as one that lives a minute (sampling /proc every few ms misses those).
// Processes that are not the work's own descendants (the sshd playing a main server, whose children
// run the remote side of every command) are attached to for the same time.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from './tmp.js';

export interface TracedExec {
  pid: number;
  /** The program path handed to the kernel. */
  path: string;
  argv: string[];
  env: string[];
}

/** Only exec calls, every string in hex (no escaping to undo), whole strings, whole arrays. */
const STRACE = ['strace', '-f', '-e', 'trace=execve,execveat', '-e', 'signal=none', '-v', '-xx', '-s', String(1 << 20)];

/**
 * Runs `work(prefix)` — `prefix` goes before the command the work runs, which is then traced with
 * everything it starts — while every process in `attach` is traced too. Gives the work's result and
 * every exec seen (failed attempts of a PATH search included). Throws when strace cannot attach or
 * a record is not whole.
 */
export async function traceExecs<T>(work: (prefix: string[]) => Promise<T>, attach: readonly number[] = []): Promise<{ result: T; execs: TracedExec[] }> {
  const dir = makeTempDir('exec-trace-');
  const ownFile = join(dir, 'own');
  const attachedFile = join(dir, 'attached');
  const attacher = attach.length === 0 ? undefined : await attachTo(attach, attachedFile);
  let result: T;
  try {
    result = await work([...STRACE, '-qq', '--seccomp-bpf', '-o', ownFile, '--']);
  } finally {
    await attacher?.detach();
  }
  // No file means the work never ran its command under the prefix: nothing of its own was traced.
  if (!existsSync(ownFile)) throw new Error('traceExecs: the work ran nothing under the tracer prefix');
  const execs = parseTrace(readFileSync(ownFile, 'latin1'));
  if (attacher) execs.push(...parseTrace(readFileSync(attachedFile, 'latin1')));
  return { result, execs };
}

/** Starts strace on `pids` and resolves once it says it is attached to each (new children follow). */
async function attachTo(pids: readonly number[], file: string): Promise<{ detach(): Promise<void> }> {
  const child = spawn(STRACE[0]!, [...STRACE.slice(1), '-o', file, ...pids.flatMap((p) => ['-p', String(p)])], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      stderr += d;
      if (pids.every((p) => stderr.includes(`Process ${p} attached`))) resolve();
    });
    child.once('exit', (code) => reject(new Error(`strace -p ${pids.join(' ')} ended (${code}) before attaching: ${stderr}`)));
  });
  return {
    // SIGINT makes strace detach from every process it traces (they run on) and flush its file.
    async detach() {
      child.kill('SIGINT');
      await exited;
    },
  };
}

/** The exec records of an `strace -xx -v` output file. */
export function parseTrace(text: string): TracedExec[] {
  const out: TracedExec[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+)\s+execve(?:at)?\((.*)$/.exec(line);
    if (!m) continue;
    // Every string is \xNN escapes only, so brackets and quotes inside them cannot occur.
    const args = m[2]!;
    const path = /"((?:\\x[0-9a-f]{2})*)"/.exec(args);
    const arrays = [...args.matchAll(/\[([^\]]*)\]/g)].map((a) => a[1]!);
    if (!path || arrays.length < 2 || arrays.some((a) => a.includes('...'))) throw new Error(`strace record not whole: ${line.slice(0, 300)}`);
    const strings = (a: string) => [...a.matchAll(/"((?:\\x[0-9a-f]{2})*)"/g)].map((s) => unhex(s[1]!));
    out.push({ pid: Number(m[1]), path: unhex(path[1]!), argv: strings(arrays[0]!), env: strings(arrays[1]!) });
  }
  return out;
}

function unhex(escaped: string): string {
  return Buffer.from(escaped.replace(/\\x/g, ''), 'hex').toString('utf8');
}
