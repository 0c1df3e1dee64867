// The source's root, looked at on the main server before any transfer: it must still be a real
// directory. rsync follows a root given with a trailing slash (`host:/srv/data/`), so a root
// replaced by a symlink (`data -> /etc`, or `-> /`) would copy wherever it points into the mirror;
// nothing pulls from it. pullback's restricted pull key (pullback-gate) refuses such a root on its
// own: its refusal is told the same way.
import type { SourceConfig } from '../config/types.js';
import { describeError } from '../errors.js';
import { connectSsh, type SshSession } from '../tools/ssh/client.js';
import { muxSession } from '../tools/ssh/mux-session.js';
import { sshForRole } from '../tools/ssh/options.js';
import { gateLinkedRoot, parseStatLine, remoteStat } from '../tools/ssh/remote.js';
import type { HostContext } from '../job/context.js';

const QUIET = { quiet: true, timeoutMs: 60_000 } as const;

/** What the look found: a directory (the pull goes on), a refusal (nothing is pulled), or nothing known (the pull's own first look decides). */
export type RootLook = { kind: 'directory' } | { kind: 'refused'; error: string } | { kind: 'unknown'; why: string };

/** The path as rsync is given it, without trailing slashes ("/" stays "/"). */
export function rootPath(path: string): string {
  return path.replace(/\/+$/, '') || '/';
}

/** The refusal for a root that is a symbolic link now, with what the operator can do. */
export function symlinkRefusal(ctx: Pick<HostContext, 'host'>, source: SourceConfig, target: string | undefined, byGate: boolean): string {
  const root = rootPath(source.path);
  const to = target !== undefined ? ` to ${target}` : '';
  const what = byGate
    ? `source ${source.name}: ${root} is now a symbolic link (or lies below one)${to} on ${ctx.host.name}, and the restricted pull key's pullback-gate refused it`
    : `source ${source.name}: ${root} is now a symbolic link${to} on ${ctx.host.name}`;
  return (
    `${what}; nothing was pulled and the mirror was left untouched (its last good state, if it has one, is what is archived). ` +
    `If this is not intended, put the directory back on the server. If it is, set the source's path in ${ctx.host.file} to the real directory${target !== undefined && target.startsWith('/') ? ` (${target})` : ''} ` +
    `and run: pullback run --host ${ctx.host.name}`
  );
}

/**
 * Looks at `source`'s root on the host without following it (lstat, over the night's shared
 * connection when it is up). Never throws: a look that could not be made is `unknown`, and the
 * pull's own first look then says what is wrong with the connection.
 */
export async function lookAtSourceRoot(ctx: HostContext, source: SourceConfig): Promise<RootLook> {
  const root = rootPath(source.path);
  // "/" is never a symlink; nothing to look at.
  if (root === '/') return { kind: 'directory' };
  const ssh = sshForRole(ctx.global.ssh, ctx.host, 'pull');
  const shared = ctx.sshMux?.controlPath();
  let session: SshSession;
  try {
    session = shared ? muxSession(ssh, ctx.host, shared, ctx.logger) : await connectSsh({ address: ctx.host.address, port: ctx.host.port, user: ctx.host.user, name: ctx.host.name }, ssh, { signal: ctx.signal, logger: ctx.logger });
  } catch (e) {
    return { kind: 'unknown', why: `cannot connect to look at ${root}: ${describeError(e)}` };
  }
  try {
    const r = await session.exec(['stat', '-c', '%s %Y %f', '--', root], QUIET);
    const gate = r.exitCode === 126 ? gateLinkedRoot(r.stderrTail) : undefined;
    if (gate) return { kind: 'refused', error: symlinkRefusal(ctx, source, gate.to, true) };
    // ssh's own failure (255): the connection, which the pull's first look retries and tells.
    if (r.exitCode === 255) return { kind: 'unknown', why: `ssh failed while looking at ${root}` };
    // The usual night: one answer. Otherwise ask again in the way that tells "missing" from a failure.
    const st = (r.exitCode === 0 ? parseStatLine(r.stdout ?? '') : undefined) ?? (await remoteStat(session, root));
    // Missing: the pull's first look says so (and leaves the mirror alone).
    if (st === null) return { kind: 'unknown', why: `${root} does not exist` };
    if (st.type === 'directory') return { kind: 'directory' };
    if (st.type === 'symlink') {
      const link = await session.exec(['readlink', '--', root], QUIET).catch(() => undefined);
      const target = link?.exitCode === 0 ? link.stdout?.replace(/\n$/, '') : undefined;
      return { kind: 'refused', error: symlinkRefusal(ctx, source, target || undefined, false) };
    }
    return { kind: 'refused', error: `source ${source.name}: ${root} on ${ctx.host.name} is not a directory (a ${st.type}); nothing was pulled and the mirror was left untouched` };
  } catch (e) {
    return { kind: 'unknown', why: `cannot look at ${root}: ${describeError(e)}` };
  } finally {
    session.close();
  }
}
