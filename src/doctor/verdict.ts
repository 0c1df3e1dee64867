// The doctor's verdicts: each check and what probe.ts measured become lines, OK, WARN or FAIL,
// each saying what was found and, when not OK, what to install or fix. Pure.
import { describeFilesystem, percent } from '../util/filesystem.js';
import { humanBytes } from '../util/table.js';
import type { Check } from './plan.js';
import type { Facts, StatFacts } from './probe.js';
import { TOOLS, versionAtLeast } from './tools.js';

export type Status = 'OK' | 'WARN' | 'FAIL';

export interface CheckLine {
  status: Status;
  /** What was checked, short: `borg`, `SSH identity file (ssh.identity_file)`, `clock`. */
  subject: string;
  message: string;
}

/** Below this much free space a filesystem is a warning even under max_disk_usage. */
export const LOW_FREE_BYTES = 1024 ** 3;

/** The lines of `check` given its `facts` (one, or one per filesystem for space). */
export function judge(check: Check, facts: Facts): CheckLine[] {
  const line = (status: Status, subject: string, message: string): CheckLine[] => [{ status, subject, message }];
  if (check.kind === 'node' && facts.kind === 'node') {
    const ok = versionAtLeast(facts.version, [20, 0]);
    return line(ok ? 'OK' : 'FAIL', 'node', ok ? `Node.js ${facts.version}` : `Node.js ${facts.version} is too old: install Node.js 20 or newer`);
  }
  if (check.kind === 'user' && facts.kind === 'user') {
    if (facts.uid === 0) return line('OK', 'user', 'running as root: pulled files keep their owners, groups and security attributes');
    return line(
      'WARN',
      'user',
      `running as ${facts.name} (uid ${facts.uid}), not root: rsync keeps no file owners or groups (nor security.* attributes) of pulled files, so restores give them to ${facts.name}; run pullback as root where ownership must come back (schedule --systemd --user root)`,
    );
  }
  if (check.kind === 'tool' && facts.kind === 'tool') return judgeTool(check, facts);
  if (check.kind === 'fuse' && facts.kind === 'fuse') {
    if (facts.problem) return line('FAIL', 'FUSE (pullback mount)', facts.problem);
    if (facts.borgFuse === 'no') return line('FAIL', 'FUSE (pullback mount)', `borg's Python (${facts.detail}) has neither pyfuse3 nor llfuse: install python3-pyfuse3 (or python3-llfuse)`);
    if (facts.borgFuse === 'unknown') return line('WARN', 'FUSE (pullback mount)', `/dev/fuse and fusermount are there; whether borg can mount could not be told: ${facts.detail}`);
    return line('OK', 'FUSE (pullback mount)', `/dev/fuse, fusermount and borg's FUSE library (${facts.detail}) are there`);
  }
  if (check.kind === 'secret-file' && facts.kind === 'secret-file') return judgeSecret(check.path, check.label, facts);
  if (check.kind === 'file' && facts.kind === 'file') {
    const s = facts.stat;
    if (s.error) return line('FAIL', check.label, `${check.path}: ${missingText(s.error)}`);
    if (!s.isFile) return line('FAIL', check.label, `${check.path} is not a file`);
    if (!s.usable) return line('FAIL', check.label, `${check.path} is not readable by this user`);
    return line('OK', check.label, check.path);
  }
  if (check.kind === 'state-dir' && facts.kind === 'state-dir') return judgeStateDir(check.path, facts.stat, facts.parent);
  if (check.kind === 'space' && facts.kind === 'space') return judgeSpace(check.maxUsage, facts.filesystems);
  if (check.kind === 'clock' && facts.kind === 'clock') {
    if (facts.synchronized === 'yes') return line('OK', 'clock', `synchronised (${facts.source})`);
    if (facts.synchronized === 'no') return line('WARN', 'clock', `not synchronised (${facts.source}): enable time synchronisation (systemctl enable --now systemd-timesyncd, or install chrony); dump ages and the schedule depend on it`);
    return line('WARN', 'clock', `whether the clock is synchronised could not be told (${facts.error}): make sure an NTP client (systemd-timesyncd, chrony) keeps it`);
  }
  return line('FAIL', check.kind, `internal: the facts measured (${facts.kind}) do not belong to this check`);
}

function judgeTool(check: Extract<Check, { kind: 'tool' }>, facts: Extract<Facts, { kind: 'tool' }>): CheckLine[] {
  const spec = TOOLS[check.tool];
  const bad: CheckLine['status'] = check.required ? 'FAIL' : 'WARN';
  const subject = spec.name;
  const why = `needed for ${check.why}`;
  if (!facts.path) return [{ status: bad, subject, message: `not found on PATH (${why}): ${spec.install}` }];
  if (facts.error) return [{ status: bad, subject, message: `${facts.path} does not run (${facts.error}; ${why}): ${spec.install}` }];
  const version = spec.version(facts.output ?? '');
  if (!version) return [{ status: 'WARN', subject, message: `${facts.path}: its version could not be read from ${JSON.stringify((facts.output ?? '').split('\n')[0])}` }];
  const min = 'minVersion' in spec ? spec.minVersion : undefined;
  if (min && versionAtLeast(version, min) === false) return [{ status: bad, subject, message: `${spec.name} ${version} at ${facts.path} is older than ${min.join('.')} (${why}): ${spec.install}` }];
  const maxMajor = 'maxMajor' in spec ? spec.maxMajor : undefined;
  if (maxMajor !== undefined && Number(version.split('.')[0]) > maxMajor) return [{ status: bad, subject, message: `${spec.name} ${version} at ${facts.path}: pullback speaks ${spec.name} ${maxMajor}.x (${why}): ${spec.install}` }];
  const missing = 'missing' in spec ? spec.missing(facts.output ?? '') : [];
  if (missing.length > 0) return [{ status: bad, subject, message: `${spec.name} ${version} at ${facts.path} was built without ${missing.join(' and ')} (pulls keep POSIX ACLs and extended attributes): ${spec.install}` }];
  return [{ status: 'OK', subject, message: `${spec.name} ${version} (${facts.path})${'missing' in spec ? ', with ACLs and xattrs' : ''}` }];
}

function judgeSecret(path: string, label: string, f: Extract<Facts, { kind: 'secret-file' }>): CheckLine[] {
  const s = f.stat;
  const fail = (message: string): CheckLine[] => [{ status: 'FAIL', subject: label, message }];
  if (s.error) return fail(`${path}: ${missingText(s.error)}`);
  if (!s.isFile) return fail(`${path} is not a file`);
  const mode = (s.mode ?? 0) & 0o777;
  const fixes = [...(s.uid !== f.uid ? [`chown ${f.user} ${path}`] : []), ...((mode & 0o077) !== 0 ? [`chmod 600 ${path}`] : [])];
  if (fixes.length > 0) {
    const owner = s.uid !== f.uid ? `, owned by uid ${s.uid}` : '';
    return fail(`${path} is mode ${octal(mode)}${owner}: it must be readable by its owner only (0600) and owned by ${f.user}, the user pullback runs as; fix: ${fixes.join(' && ')}`);
  }
  if (!s.usable) return fail(`${path} is not readable by ${f.user}`);
  return [{ status: 'OK', subject: label, message: `${path} (mode ${octal(mode)}, owned by ${f.user})` }];
}

function judgeStateDir(path: string, s: StatFacts, parent: StatFacts | undefined): CheckLine[] {
  const subject = 'state directory (state_dir)';
  if (s.error === 'ENOENT') {
    if (parent && !parent.error && parent.isDir && parent.usable) return [{ status: 'WARN', subject, message: `${path} does not exist yet: the first command creates it (mode 0700)` }];
    return [{ status: 'FAIL', subject, message: `${path} does not exist and cannot be created by this user: mkdir -m 700 ${path} (and chown it to the user pullback runs as)` }];
  }
  if (s.error) return [{ status: 'FAIL', subject, message: `${path}: ${missingText(s.error)}` }];
  if (!s.isDir) return [{ status: 'FAIL', subject, message: `${path} is not a directory` }];
  if (!s.usable) return [{ status: 'FAIL', subject, message: `${path} is not writable by this user: chown it to the user pullback runs as` }];
  const mode = (s.mode ?? 0) & 0o777;
  if ((mode & 0o077) !== 0) return [{ status: 'WARN', subject, message: `${path} is mode ${octal(mode)}: it holds dumps and the catalog, pullback makes it 0700 at its next run (chmod 700 ${path})` }];
  return [{ status: 'OK', subject, message: `${path} (writable, mode ${octal(mode)})` }];
}

function judgeSpace(maxUsage: number, list: Extract<Facts, { kind: 'space' }>['filesystems']): CheckLine[] {
  const out: CheckLine[] = [];
  const seen = new Map<number, { fs: NonNullable<(typeof list)[number]['fs']>; labels: string[] }>();
  for (const p of list) {
    if (!p.fs) {
      out.push({ status: 'FAIL', subject: `free space (${p.label})`, message: `${p.path} could not be measured: ${p.error}` });
      continue;
    }
    const known = seen.get(p.fs.dev);
    if (known) known.labels.push(p.label);
    else seen.set(p.fs.dev, { fs: p.fs, labels: [p.label] });
  }
  for (const { fs, labels } of seen.values()) {
    const subject = `free space (${labels.join(', ')})`;
    const usage = fs.used + fs.free === 0 ? 1 : fs.used / (fs.used + fs.free);
    if (usage >= maxUsage) out.push({ status: 'FAIL', subject, message: `${describeFilesystem(fs)}: past max_disk_usage ${percent(maxUsage)}, runs refuse to fill it further: free space or move the repositories` });
    else if (fs.free < LOW_FREE_BYTES) out.push({ status: 'WARN', subject, message: `${describeFilesystem(fs)}: less than ${humanBytes(LOW_FREE_BYTES)} free` });
    else out.push({ status: 'OK', subject, message: `${describeFilesystem(fs)} (max_disk_usage ${percent(maxUsage)})` });
  }
  return out;
}

function missingText(code: string): string {
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EACCES') return 'cannot be reached by this user (permission denied on a parent)';
  return `cannot be looked at (${code})`;
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}
