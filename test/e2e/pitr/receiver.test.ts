// The WAL receiver under `pullback daemon`, against a real PostgreSQL cluster behind a harness sshd:
// it creates its slot, streams through the SSH tunnel (a local socket, no port opened), records how
// far the received WAL reaches, and after its pg_receivewal is killed it is restarted and the WAL
// it received has no gap (pg_waldump reads every record from the first segment to the newest).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { PG_BIN, pitrWorld } from '../../harness/index.js';

/** The pids of `pid`'s children (from /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    } catch {
      // the thread ended
    }
  }
  return out;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** The pg_receivewal streaming under `daemonPid` (possibly below a setpriv wrapper). */
function receiverPid(daemonPid: number): number | undefined {
  const seen: number[] = [];
  const walk = (p: number) => {
    for (const c of childrenOf(p)) {
      if (/pg_receivewal .*--directory/.test(commandOf(c))) seen.push(c);
      walk(c);
    }
  };
  walk(daemonPid);
  return seen.at(-1);
}

describe('WAL receiver', () => {
  it('streams through the tunnel, records the newest reachable point, and leaves no gap when killed and restarted', async () => {
    const w = await pitrWorld();
    await w.pg.sql('appdb', 'CREATE TABLE ledger (id serial PRIMARY KEY, at timestamptz DEFAULT clock_timestamp(), note text);');
    const d = await w.receiving();
    // The slot exists on the server, and nothing listens on the network for it on the backup host.
    expect(await w.pg.sql('postgres', "SELECT slot_type, active FROM pg_replication_slots WHERE slot_name = 'pullback_test';")).toBe('physical\tt');

    const wrote = new Date();
    await w.pg.sql('appdb', "INSERT INTO ledger (note) SELECT 'row ' || g FROM generate_series(1, 2000) g;");
    await w.until('the newest reachable point passes the insert', () => new Date(w.receiver()?.reached_at ?? 0) > wrote);

    const pid = receiverPid(d.process.pid!);
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');
    await w.until('the receiver was restarted', () => (w.receiver()?.restarts ?? 0) >= 1);
    const again = new Date();
    await w.pg.sql('appdb', "INSERT INTO ledger (note) SELECT 'after ' || g FROM generate_series(1, 2000) g; SELECT pg_switch_wal();");
    await w.pg.sql('appdb', "INSERT INTO ledger (note) VALUES ('last');");
    await w.until('streaming again past the restart', () => w.receiver()?.state === 'streaming' && new Date(w.receiver()?.reached_at ?? 0) > again);
    expect(await d.stop()).toBe(0);
    expect(w.receiver()?.state).toBe('stopped');

    // No gap: pg_waldump reads every record from the first segment received to the end of the newest.
    const dir = join(w.cfg.stateDir, 'pitr', 'main', 'db', 'wal');
    const files = readdirSync(dir).filter((f) => /^[0-9A-F]{24}(\.partial)?$/.test(f)).sort();
    expect(files.length).toBeGreaterThanOrEqual(2);
    const first = files[0]!;
    const complete = files.filter((f) => !f.endsWith('.partial'));
    const r = await execa(join(PG_BIN, 'pg_waldump'), ['--path', dir, '--quiet', first, complete.at(-1)!], { reject: false });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  }, 300_000);
});
