/**
 * Real Chromium for the web view's tests: Debian's `chromium` (or CHROMIUM_PATH)
 * driven by playwright-core, which ships no browser of its own. `.ci/run`
 * installs it; a machine without it fails these tests with a line saying so.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));

/** One browser for the test file; each test opens its own page (a fresh context: no shared localStorage). */
export function useBrowser(): { readonly browser: Browser; newPage(): Promise<Page> } {
  let browser: Browser | undefined;
  const pages: Page[] = [];
  const errors: string[] = [];
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH); .ci/run installs it`);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 60_000);
  // A script error in a page fails the test that caused it.
  afterEach(async () => {
    await Promise.all(pages.splice(0).map((page) => page.context().close()));
    expect(errors.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
  });
  const handle = {
    get browser(): Browser {
      if (!browser) throw new Error('the browser is not started yet');
      return browser;
    },
    async newPage(): Promise<Page> {
      const context = await handle.browser.newContext({ viewport: { width: 1100, height: 820 }, reducedMotion: 'reduce' });
      const page = await context.newPage();
      // Shorter than a test's timeout, so a wait that never ends fails with the locator it waited for.
      page.setDefaultTimeout(15_000);
      page.on('pageerror', (error) => errors.push(error.message));
      pages.push(page);
      return page;
    },
  };
  return handle;
}

/** With SCREENSHOTS=1, saves the page to docs/screenshots/<name>.png for the README; otherwise does nothing. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.SCREENSHOTS !== '1') return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
