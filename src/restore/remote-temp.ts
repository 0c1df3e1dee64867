// A private temporary directory on the target (for dump copies), always removed afterwards.
import { REMOTE_TEMP_PARENT } from './remote-facts.js';
import type { RestoreContext } from './context.js';
import { remoteRun } from '../tools/ssh/remote.js';

/** Runs `fn` with a fresh `mktemp -d` directory under /var/tmp on the target; removes it afterwards. */
export async function withRemoteTemp<T>(ctx: RestoreContext, fn: (dir: string) => Promise<T>): Promise<T> {
  const r = await remoteRun(ctx.session, ['mktemp', '-d', `${REMOTE_TEMP_PARENT}/pullback-restore.XXXXXXXX`], `cannot create a temporary directory on ${ctx.target.name}`, {
    quiet: true,
    timeoutMs: 60_000,
  });
  const dir = (r.stdout ?? '').trim();
  if (!dir.startsWith(`${REMOTE_TEMP_PARENT}/pullback-restore.`)) throw new Error(`unexpected mktemp output on ${ctx.target.name}: ${JSON.stringify(dir)}`);
  try {
    return await fn(dir);
  } finally {
    // Best effort: a lost connection must not hide the step's own outcome.
    await ctx.session.exec(['rm', '-rf', '--', dir], { quiet: true, timeoutMs: 300_000 }).catch(() => undefined);
  }
}
