// scripts/demo-fleet, run as an operator would: issue 26's "It must show" in one command (its own
// PostgreSQL cluster, twelve sshd main servers, three backup hosts). The script measures each step's
// expectation itself and exits 0 only when all held; this test holds it to that and to its clean-up.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';

describe('scripts/demo-fleet', () => {
  it('shows the six steps of issue 26 and a takeover, each measured, and leaves nothing behind', async () => {
    const r = await execa('scripts/demo-fleet', [], { reject: false, all: true, extendEnv: false, env: { ...process.env, PULLBACK_VERBOSE: undefined, PULLBACK_DEMO_KEEP: '0' } });
    expect(r.exitCode, r.all).toBe(0);
    const oks = r.all!.split('\n').filter((l) => l.startsWith('demo-fleet: OK '));
    expect(oks, r.all).toHaveLength(13);
    expect(r.all).toContain('demo-fleet: all seven shown and measured');
    const dir = /demo-fleet: the fleet catalog: .*\n.*password in (\S+)\/catalog-password/.exec(r.all!)?.[1];
    expect(dir, r.all).toBeTruthy();
    expect(existsSync(dir!)).toBe(false);
  });
});
