// The preflight of a host's job: before anything is pulled, restored or checked, the files the job
// needs (borg passphrase file, SSH identity, known_hosts) are usable, and the host accepts the SSH
// connection (its host key matches, our key is accepted). Each problem names what the file is for;
// a problem found here costs seconds, not a whole pull followed by a confusing failure.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { Logger } from 'pino';
import type { GlobalConfig, HostConfig, SshRole } from '../config/types.js';
import { describeError, JobError } from '../errors.js';
import { connectSsh, SshConnectError } from '../tools/ssh/client.js';
import { sshForRole } from '../tools/ssh/options.js';
import { buildKeyTestArgs } from '../tools/borg/list.js';
import { runBorg, type BorgContext } from '../tools/borg/run.js';

export interface PreflightNeeds {
  /** The job opens the borg repository (the passphrase file). */
  borg: boolean;
  /** The job connects to the host over SSH (identity, known_hosts, the host key and login). */
  ssh: boolean;
}

/** Why the file at `path` cannot serve as `label` ("borg passphrase file /x does not exist"), or undefined when it can. */
export function fileProblem(path: string, label: string, opts: { nonEmpty?: boolean } = {}): string | undefined {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return `${label} ${path} is not a file`;
    size = st.size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `${label} ${path} does not exist`;
    if (code === 'ENOTDIR') return `${label} ${path} does not exist (a parent is not a directory)`;
    return `${label} ${path} cannot be read: ${describeError(e)}`;
  }
  // Reading one byte is the only true test (permissions, ACLs, root squash, SELinux).
  try {
    const fd = openSync(path, 'r');
    try {
      readSync(fd, Buffer.alloc(1), 0, 1, 0);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' ? `${label} ${path} is not readable by this user (permission denied)` : `${label} ${path} cannot be read: ${describeError(e)}`;
  }
  if (opts.nonEmpty && size === 0) return `${label} ${path} is empty`;
  return undefined;
}

/** Problems with the local files a host's job needs; empty when every one is usable. Never throws. */
export function preflightFiles(global: GlobalConfig, needs: PreflightNeeds): string[] {
  const problems: (string | undefined)[] = [];
  if (needs.borg && global.repository.encryption !== 'none') {
    const file = global.repository.passphraseFile;
    problems.push(file ? fileProblem(file, 'borg passphrase file', { nonEmpty: true }) : `no borg passphrase file is configured for encryption ${global.repository.encryption}`);
  }
  if (needs.ssh) {
    problems.push(fileProblem(global.ssh.identityFile, 'SSH identity file', { nonEmpty: true }));
    problems.push(fileProblem(global.ssh.knownHosts, 'known_hosts file'));
  }
  return problems.filter((p): p is string => p !== undefined);
}

/** Throws a JobError naming every problem preflightFiles finds (commands that stop on the first). */
export function assertPreflight(global: GlobalConfig, needs: PreflightNeeds): void {
  const problems = preflightFiles(global, needs);
  if (problems.length > 0) throw new JobError(`preflight: ${problems.join('; ')}`);
}

/**
 * The preflight of a job on `host`: the files, then (for SSH jobs) one connection. A refused host
 * key or login is a problem (no retry can help: said once, here); a network failure is not (the
 * job's own retries deal with it). Returns the problems; never throws.
 */
export async function preflightHost(global: GlobalConfig, host: HostConfig, needs: PreflightNeeds, opts: { signal?: AbortSignal; logger?: Logger } = {}): Promise<string[]> {
  const problems = preflightLocal(global, host, needs);
  if (problems.length > 0 || !needs.ssh) return problems;
  return preflightConnect(global, host, opts);
}

/** The preflight's local part: the files the job reads (and for SSH jobs the host's per-role keys). */
export function preflightLocal(global: GlobalConfig, host: HostConfig, needs: PreflightNeeds): string[] {
  const problems = preflightFiles(global, needs);
  if (needs.ssh) problems.push(...hostKeyProblems(host));
  return problems;
}

/** The preflight's connection: one SSH login to `host` with its pull key; the refusals, or none. Never throws. */
export async function preflightConnect(global: GlobalConfig, host: HostConfig, opts: { signal?: AbortSignal; logger?: Logger } = {}): Promise<string[]> {
  return (await tryConnect(global, host, opts)).problems;
}

/**
 * The preflight's login, told apart: `problems` are refusals (host key, login) no retry helps;
 * `noLogin` says why a login that was not refused did not happen either (the host did not answer),
 * which the jobs retry. Never throws.
 */
export async function tryConnect(global: GlobalConfig, host: HostConfig, opts: { signal?: AbortSignal; logger?: Logger } = {}): Promise<{ problems: string[]; noLogin?: string }> {
  try {
    const session = await connectSsh({ address: host.address, port: host.port, user: host.user, name: host.name }, sshForRole(global.ssh, host, 'pull'), opts);
    session.close();
  } catch (e) {
    if (e instanceof SshConnectError && e.refused) {
      if (e.refused === 'login') return { problems: [`${e.message}; is the public key of ${sshForRole(global.ssh, host, 'pull').identityFile} in ${host.user}'s authorized_keys on ${host.name}?`] };
      return { problems: [e.message] };
    }
    const err = describeError(e);
    opts.logger?.warn({ err }, 'preflight could not connect; the job goes on and retries');
    return { problems: [], noLogin: err };
  }
  return { problems: [] };
}

/** Problems with the per-role keys a host file names for a nightly job (pull, and dump when it takes dumps). */
function hostKeyProblems(host: HostConfig): string[] {
  const roles: SshRole[] = host.sources.some((s) => s.dump) ? ['pull', 'dump'] : ['pull'];
  return roles.flatMap((role) => {
    const key = host.keys?.[role];
    const p = key === undefined ? undefined : fileProblem(key, `SSH ${role} key`, { nonEmpty: true });
    return p === undefined ? [] : [p];
  });
}

/**
 * Whether the configured passphrase opens the key of the (present) repository `repo`: the problem
 * when it does not, else undefined. Costs one borg process that reads the manifest, so a wrong
 * passphrase fails the host before its pulls rather than at its archive. A read that fails for
 * another reason is logged and proves nothing (the archive will say). Never throws.
 */
export async function preflightPassphrase(borg: BorgContext, repo: string): Promise<string | undefined> {
  if (borg.repository.encryption === 'none') return undefined;
  try {
    const out = await runBorg(borg, buildKeyTestArgs(repo), { quiet: true });
    if (out.verdict.kind === 'failed' && out.verdict.cause === 'wrong-passphrase') {
      return `wrong borg passphrase: the passphrase file ${borg.repository.passphraseFile ?? '(none)'} (repository.passphrase_file) does not open the key of repository ${repo}; nothing was pulled`;
    }
    if (out.verdict.kind === 'failed') borg.logger?.warn({ repository: repo, reason: out.verdict.reason }, 'could not test the borg passphrase before the pulls; the archive step will tell whether it opens the key');
  } catch (e) {
    borg.logger?.warn({ repository: repo, err: describeError(e) }, 'could not test the borg passphrase before the pulls; the archive step will tell whether it opens the key');
  }
  return undefined;
}
