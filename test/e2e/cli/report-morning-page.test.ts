// The morning page as a person reads it (issue 25): a real catalog with a healthy host and one that
// failed seven times the same way (its port is closed), the HTML report looked at in headless
// Chromium on a desk (1280 px) and on a phone (400 px): no horizontal overflow, readable text in the
// page and in the charts, the seven failures told once with their count, the failed runs marked in
// the status red, the time axis in UTC and 24-hour form. Screenshots are kept in
// test-output/morning-page/ (ignored by git) for a person to look at.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { openInChromium } from '../../harness/chromium.js';
import { REPO_ROOT, freePort, makeTempDir, nextSecond, runCli, startSshd, writeTestConfig } from '../../harness/index.js';

type Json = Record<string, any>;

export const SHOTS = join(REPO_ROOT, 'test-output', 'morning-page');
const FAILED_RED = '#cf222e';

interface PageFacts {
  scrollWidth: number;
  /** Visible elements with their own text whose font is under 12 px. */
  smallText: string[];
  /** Per visible chart: its smallest text size as drawn (font-size times the SVG's scale), its axis labels and titles. */
  charts: Array<{ id: string; minFont: number; texts: string[]; red: number }>;
}

/** What the page looks like at `width` px: measured in Chromium, with a full-page screenshot saved as `shot`. */
async function lookAt(file: string, width: number, shot: string): Promise<PageFacts> {
  const b = await openInChromium(pathToFileURL(file).href, { width, height: 900 });
  try {
    const facts = await b.page.evaluate((): PageFacts => {
      const visible = (el: Element) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
      const smallText: string[] = [];
      for (const el of document.body.querySelectorAll('*')) {
        if (el.closest('svg') || !visible(el)) continue;
        const own = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== '');
        const size = parseFloat(getComputedStyle(el).fontSize);
        if (own && size < 12) smallText.push(`${el.tagName} ${size}px: ${el.textContent!.slice(0, 40)}`);
      }
      const charts = [...document.querySelectorAll('figure.chart svg')].filter(visible).map((svg) => {
        const s = svg as SVGSVGElement;
        const scale = s.getBoundingClientRect().width / s.viewBox.baseVal.width;
        const texts = [...s.querySelectorAll('text')];
        return {
          id: s.closest('figure')!.getAttribute('data-chart')!,
          minFont: Math.min(...texts.map((t) => parseFloat(getComputedStyle(t).fontSize) * scale)),
          texts: texts.map((t) => t.textContent ?? ''),
          red: s.querySelectorAll('[fill="#cf222e"]').length,
        };
      });
      return { scrollWidth: document.documentElement.scrollWidth, smallText, charts };
    });
    await b.page.screenshot({ path: shot, fullPage: true });
    expect(b.errors).toEqual([]);
    expect(b.requests).toEqual([]);
    return facts;
  } finally {
    await b.close();
  }
}

describe('the morning page', () => {
  let server: Awaited<ReturnType<typeof startSshd>>;
  beforeAll(async () => {
    server = await startSshd();
  });

  // Seven nights of a host take a while (each runs borg a few times): about two minutes, more on a loaded machine.
  it('groups seven identical failures into one line with its count, and reads at 1280 and 400 px', { timeout: 600_000 }, async () => {
    const source = makeTempDir('morning-source-');
    writeFileSync(join(source, 'notes.txt'), 'data\n');
    writeFileSync(join(source, 'big.bin'), Buffer.alloc(48 * 1024, 3));
    const down = { address: server.address, port: await freePort(server.address), user: server.user };
    const cfg = await writeTestConfig({
      global: { rsync: { attempts: 1, backoff: '1s' } },
      hosts: [
        { name: 'web-frontend-01', server, sources: [{ name: 'data', kind: 'data', path: source }] },
        { name: 'db-unreachable', server: down, sources: [{ name: 'data', kind: 'data', path: source }] },
      ],
    });
    const c = ['--config', cfg.configPath];
    // Two nights of both hosts, then five more tries of the unreachable one: seven failures alike.
    const first = await runCli([...c, 'run']);
    expect(first.exitCode, first.stderr).toBe(1);
    await nextSecond();
    writeFileSync(join(source, 'more.bin'), Buffer.alloc(96 * 1024, 5));
    expect((await runCli([...c, 'run'])).exitCode).toBe(1);
    for (let i = 0; i < 5; i++) expect((await runCli([...c, 'run', '--host', 'db-unreachable'])).exitCode).toBe(1);

    const json = JSON.parse((await runCli([...c, 'report', '--format', 'json'])).stdout) as Json;
    const failing = json.hosts.find((h: Json) => h.host === 'db-unreachable');
    expect(failing.failures.length).toBeGreaterThanOrEqual(7);
    expect(failing.failure_groups.length).toBeGreaterThan(0);
    expect(failing.failure_groups.map((g: Json) => g.count)).toEqual(failing.failure_groups.map(() => 7));
    expect(failing.failure_groups.reduce((n: number, g: Json) => n + g.count, 0)).toBe(failing.failures.length);
    const message = failing.failure_groups[0].message as string;
    expect(message).toMatch(/connection refused|ssh connection failed|cannot list|connect/i);

    const text = (await runCli([...c, 'report'])).stdout;
    expect(text.split(message).length - 1, text).toBe(1);
    expect(text).toMatch(/^ {6}7 times, first \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(run \d+\), last \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(run \d+\)$/m);
    expect(text).toMatch(/jobs in the period: run failed \(7 times\)/);

    // Drawn in a time zone far from UTC: the page must still say UTC.
    const dir = makeTempDir('morning-page-');
    const file = join(dir, 'report.html');
    const written = await runCli([...c, 'report', '--format', 'html', '--output', file], { env: { TZ: 'Pacific/Chatham' } });
    expect(written.exitCode, written.stderr).toBe(0);
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org)/);
    expect(html.split(`<pre>${message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')}</pre>`).length - 1).toBe(1);
    expect(html).toMatch(/<span class="count" data-count="7">7 times<\/span>/);

    const runs = (json.hosts as Json[]).flatMap((h) => h.trend.map((p: Json) => Date.parse(p.at)));
    const [from, to] = [Math.min(...runs) - 120_000, Math.max(...runs) + 120_000];
    const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
    const utcMinutes = (ms: number) => new Date(ms).getUTCHours() * 60 + new Date(ms).getUTCMinutes();

    // Kept beside the screenshots: the page itself, and its data (to draw the page again without the runs).
    mkdirSync(SHOTS, { recursive: true });
    writeFileSync(join(SHOTS, 'report.html'), html);
    writeFileSync(join(SHOTS, 'report.json'), JSON.stringify(json, null, 2));
    for (const width of [1280, 400]) {
      const shot = join(SHOTS, `report-${width}.png`);
      const f = await lookAt(file, width, shot);
      console.log(`morning page screenshot: ${shot}`);
      expect(f.scrollWidth, `page wider than ${width} px`).toBeLessThanOrEqual(width);
      expect(f.smallText, `text under 12 px at ${width} px`).toEqual([]);
      expect(f.charts.map((ch) => ch.id)).toEqual(['duration', 'bytes', 'repository']);
      for (const ch of f.charts) {
        expect(ch.minFont, `${ch.id} chart text at ${width} px`).toBeGreaterThanOrEqual(10);
        // The failed runs marked in the page's red, and said in the legend.
        if (ch.id !== 'repository') expect(ch.red, `${ch.id}: red marks`).toBeGreaterThanOrEqual(7);
        expect(ch.texts).toContain('failed');
        expect(ch.texts.some((x) => /^time \(UTC\)/.test(x)), ch.texts.join('|')).toBe(true);
        // 24-hour UTC labels within the runs' span (a local-time axis would be 13h45 off); over midnight they carry the date.
        const labels = ch.texts.filter((x) => /^(\d\d-\d\d )?\d\d:\d\d$/.test(x)).map((x) => x.slice(-5));
        expect(labels.length, ch.texts.join('|')).toBeGreaterThan(0);
        for (const l of labels) {
          const m = minutes(l);
          const inSpan = utcMinutes(from) <= utcMinutes(to) ? m >= utcMinutes(from) && m <= utcMinutes(to) : m >= utcMinutes(from) || m <= utcMinutes(to);
          expect(inSpan, `${l} outside ${new Date(from).toISOString()}..${new Date(to).toISOString()}`).toBe(true);
        }
      }
    }
  });
});
