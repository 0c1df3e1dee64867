// Extended attributes (POSIX ACLs are the system.posix_acl_* ones, capabilities security.capability)
// of many files, locally or on a remote host over SSH: `getfattr --dump --match=- --encoding=hex`
// (argv, no shell) and `stat --printf '%Z'` for the time of the last metadata change. Pure builders
// and parsers, unit-tested; files an answer does not cover are left out (unknown), never guessed.
import { runCommand } from '../../exec/run.js';
import type { SshSession } from '../ssh/client.js';
import { remoteBatches } from '../ssh/remote-batch.js';

/** name -> value as lower-case hex. */
export type Xattrs = Record<string, string>;

/** argv dumping every extended attribute of `paths` (symlinks not followed), values in hex. */
export function buildGetfattrArgv(paths: readonly string[]): string[] {
  return ['getfattr', '--absolute-names', '--no-dereference', '--dump', '--match=-', '--encoding=hex', '--', ...paths];
}

/** getfattr's file names: bytes it does not print (newline, backslash, ...) are written `\ooo`. */
export function unquoteGetfattrName(s: string): string {
  const bytes: number[] = [];
  const raw = Buffer.from(s, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0x5c && i + 3 < raw.length && /^[0-7]{3}$/.test(raw.subarray(i + 1, i + 4).toString('latin1'))) {
      bytes.push(parseInt(raw.subarray(i + 1, i + 4).toString('latin1'), 8) & 0xff);
      i += 3;
    } else bytes.push(raw[i]!);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Parses getfattr --dump output into path -> attributes (files without attributes are absent). */
export function parseGetfattrDump(out: string): Map<string, Xattrs> {
  const res = new Map<string, Xattrs>();
  let cur: Xattrs | undefined;
  for (const line of out.split('\n')) {
    const file = /^# file: (.*)$/.exec(line);
    if (file) {
      cur = {};
      res.set(unquoteGetfattrName(file[1]!), cur);
      continue;
    }
    const attr = /^([^=]+)=0x([0-9a-fA-F]*)$/.exec(line);
    if (attr && cur) cur[attr[1]!] = attr[2]!.toLowerCase();
    else if (line === '') cur = undefined;
  }
  return res;
}

/** The paths getfattr said it could not read ("getfattr: PATH: reason"). */
export function getfattrFailures(stderr: readonly string[], paths: readonly string[]): Set<string> {
  const failed = new Set<string>();
  for (const p of paths) if (stderr.some((l) => l.startsWith(`getfattr: ${p}: `))) failed.add(p);
  return failed;
}

/** argv printing `ctime name\0` (seconds of the last status change) per existing path. */
export function buildCtimeManyArgv(paths: readonly string[]): string[] {
  return ['stat', '--printf', '%Z %n\\0', '--', ...paths];
}

/** Parses buildCtimeManyArgv output into name -> ctime seconds. */
export function parseCtimeMany(out: string): Map<string, number> {
  const res = new Map<string, number>();
  for (const rec of out.split('\0')) {
    const m = /^(-?\d+) ([\s\S]*)$/.exec(rec);
    if (m) res.set(m[2]!, Number(m[1]));
  }
  return res;
}

export interface AttrAnswer {
  /** path -> its attributes ({} when it has none); absent when unknown. */
  xattrs: Map<string, Xattrs>;
  /** path -> ctime seconds (remote only); absent when unknown. */
  ctimeSeconds: Map<string, number>;
  /** Why nothing could be read (e.g. getfattr is not installed). */
  error?: string;
}

/** Fills `into` from one getfattr run over `batch`: listed files, and those it stayed silent about (no attributes) unless it failed on them. */
function collect(into: Map<string, Xattrs>, batch: readonly string[], stdout: string, stderr: readonly string[], exitCode: number | undefined): string | undefined {
  if (exitCode !== 0 && exitCode !== 1) return `getfattr exited ${exitCode ?? 'by a signal'}${stderr.length ? `: ${stderr.at(-1)}` : ''}`;
  const found = parseGetfattrDump(stdout);
  const failed = getfattrFailures(stderr, batch);
  for (const p of batch) {
    if (failed.has(p)) continue;
    into.set(p, found.get(p) ?? {});
  }
  return undefined;
}

/** Attributes of local `paths` (all must exist); never throws. */
export async function localXattrs(paths: readonly string[]): Promise<AttrAnswer> {
  const out: AttrAnswer = { xattrs: new Map(), ctimeSeconds: new Map() };
  for (const batch of remoteBatches(paths)) {
    let stdout = '';
    const stderr: string[] = [];
    try {
      const r = await runCommand('getfattr', buildGetfattrArgv(batch).slice(1), {
        quiet: true,
        env: { LC_ALL: 'C' },
        onStdoutLine: (l) => (stdout += `${l}\n`),
        onStderrLine: (l) => stderr.push(l),
      });
      const error = collect(out.xattrs, batch, stdout, stderr, r.exitCode);
      if (error) out.error = error;
    } catch (e) {
      out.error = `getfattr cannot run here: ${(e as Error).message}`;
      return out;
    }
  }
  return out;
}

/** Attributes and ctimes of remote `paths`; never throws (unknown files are left out, with the reason). */
export async function remoteXattrs(session: SshSession, paths: readonly string[], timeoutMs = 300_000): Promise<AttrAnswer> {
  const out: AttrAnswer = { xattrs: new Map(), ctimeSeconds: new Map() };
  for (const batch of remoteBatches(paths)) {
    try {
      const st = await session.exec(buildCtimeManyArgv(batch), { quiet: true, timeoutMs });
      if (!st.stdoutTruncated) for (const [k, v] of parseCtimeMany(st.stdout ?? '')) out.ctimeSeconds.set(k, v);
      const stderr: string[] = [];
      const r = await session.exec(['env', 'LC_ALL=C', ...buildGetfattrArgv(batch)], { quiet: true, timeoutMs, onStderrLine: (l) => stderr.push(l) });
      if (r.stdoutTruncated) continue;
      const error = collect(out.xattrs, batch, r.stdout ?? '', stderr.length ? stderr : r.stderrTail, r.exitCode);
      if (error) out.error = error;
    } catch (e) {
      out.error = `cannot read attributes: ${(e as Error).message}`;
    }
  }
  return out;
}
