// Headless Chromium (Debian's /usr/bin/chromium, installed by scripts/bootstrap) driven by
// playwright-core, to look at a page the way a person does. Missing Chromium fails, never skips.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface OpenedPage {
  page: Page;
  /** Console errors and page errors seen so far. */
  errors: string[];
  /** Every request the page made other than the file:// load itself. */
  requests: string[];
  close(): Promise<void>;
}

/** Opens `url` (a file:// URL) in a fresh headless Chromium; throws when Chromium is not installed. */
export async function openInChromium(url: string, viewport = { width: 1100, height: 900 }): Promise<OpenedPage> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: run scripts/bootstrap (it installs Debian's chromium)`);
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS, timeout: 30_000 });
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors, requests, close: () => browser.close() };
}
