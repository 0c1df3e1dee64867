// Issue 22 leftover: an archive the catalog recorded that borg no longer lists is named in the HTML
// report as in the text report (it was only in the text one), looked at in headless Chromium.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openInChromium } from '../../harness/chromium.js';
import { makeTempDir, queryCatalog, runBorg, oneFolderHost } from '../../harness/index.js';

describe('the report of a host whose archive vanished', () => {
  it('names the missing archive, red, in the HTML report as in the text report', async () => {
    const { server, cfg, run } = await oneFolderHost();
    const night = await run('run');
    expect(night.exitCode, night.stderr + night.stdout).toBe(0);
    const [archive] = queryCatalog<{ name: string }>(cfg.stateDir, "SELECT name FROM archives WHERE host = 'main'").map((r) => r.name);
    // Deleted outside pullback: the next comparison with the catalog finds it gone.
    await runBorg(['delete', `${cfg.repoPath('main')}::${archive}`], cfg.passphraseFile);
    const check = await run('check');
    expect(check.exitCode, check.stdout + check.stderr).toBe(1);
    expect(check.stdout).toContain(`1 archive(s) gone from the repository: ${archive}`);

    const text = await run('report');
    expect(text.stdout).toContain(`missing archives (RED): 1 archive(s) gone from the repository`);
    const file = join(makeTempDir('report-'), 'report.html');
    const written = await run('report', '--format', 'html', '--output', file);
    expect(written.exitCode, written.stderr).toBe(0);
    const b = await openInChromium(pathToFileURL(file).href);
    try {
      const loss = b.page.locator('section.host[data-host="main"] .archive-loss');
      expect(await loss.isVisible()).toBe(true);
      expect(await loss.locator('h3').innerText()).toBe('Missing archives');
      expect(await loss.locator('.light').innerText()).toBe('RED');
      const said = await loss.locator('p').innerText();
      expect(said).toContain(`1 archive(s) gone from the repository`);
      expect(said).toContain(archive);
      expect(said).toContain('pullback repo accept-rollback --host main');
      expect(b.errors).toEqual([]);
    } finally {
      await b.close();
    }
    await server.stop();
  });
});
