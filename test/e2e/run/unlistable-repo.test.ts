// docs/soak.md defect 2: when borg cannot even list a host's repository (here: the segment file
// holding its manifest is gone), `repo accept-rollback` said "borg list of …: exited 2:
// SSH_ORIGINAL_COMMAND: None" (the last line of borg's traceback footer) and no next step. Now it
// names borg's exception and says what to run next; nothing is changed.
import {  readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {  queryCatalog, oneFolderHost } from '../../harness/index.js';

/** Deletes the highest-numbered segment file larger than a bare commit: the one holding the newest manifest. Returns its path. */
function deleteManifestSegment(repo: string): string {
  const data = join(repo, 'data');
  const files = readdirSync(data)
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => readdirSync(join(data, d)).filter((f) => /^\d+$/.test(f)).map((f) => join(data, d, f)))
    .sort((a, b) => Number(a.split('/').at(-1)) - Number(b.split('/').at(-1)));
  const file = files.filter((f) => statSync(f).size > 100).at(-1)!;
  rmSync(file);
  return file;
}

describe('a repository borg cannot list', () => {
  it("accept-rollback names borg's exception (not its traceback footer), changes nothing, and says what to run next", async () => {
    const { server, cfg, run } = await oneFolderHost();
    const night = await run('run');
    expect(night.exitCode, night.stderr + night.stdout).toBe(0);
    const segment = deleteManifestSegment(cfg.repoPath('main'));

    const accept = await run('repo', 'accept-rollback', '--host', 'main', '--yes');
    expect(accept.exitCode, accept.stdout + accept.stderr).toBe(1);
    expect(accept.stdout).not.toContain('SSH_ORIGINAL_COMMAND');
    expect(accept.stdout).toContain(`main: cannot compare the repository with the catalog: borg list of ${cfg.repoPath('main')}: exited 2: FileNotFoundError: [Errno 2] No such file or directory: '${segment}'`);
    expect(accept.stdout).toContain('Nothing changed: borg could not list repository');
    expect(accept.stdout).toContain('Run `pullback check --host main` to find out whether the repository is damaged');
    expect(accept.stdout).toContain('`pullback check --host main --repair` repairs it');
    expect(queryCatalog<{ n: number }>(cfg.stateDir, 'SELECT count(*) AS n FROM archives WHERE lost_at IS NOT NULL')[0]!.n).toBe(0);

    const check = await run('check', '--host', 'main');
    expect(check.exitCode, check.stdout + check.stderr).toBe(1);
    expect(check.stdout + check.stderr).not.toContain('SSH_ORIGINAL_COMMAND');
    expect(check.stdout).toContain('FileNotFoundError: [Errno 2] No such file or directory');
    await server.stop();
  });
});
