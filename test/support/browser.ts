import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Debian's chromium package (`.ci/run` installs it); TUGBOAT_CHROMIUM overrides the path. */
export const CHROMIUM_PATH = process.env.TUGBOAT_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);

/**
 * Headless Chromium with a fresh profile (its own --user-data-dir) and nothing phoning home; `args` adds
 * switches (`--host-resolver-rules` to point a made-up name at 127.0.0.1, as DNS rebinding would).
 */
export const launchChromium = (args: string[] = []): Promise<BrowserContext> =>
  chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'tugboat-chromium-')), {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...args,
    ],
    viewport: { width: 1280, height: 900 },
  });

/**
 * Opens `url` in a new page of `browser` (at `width` px if given), expects a 200, and collects the page's
 * console errors and uncaught exceptions into `errors` (a test then expects none).
 */
export const openPage = async (
  browser: BrowserContext,
  url: string,
  errors: string[],
  width?: number,
): Promise<Page> => {
  const page = await browser.newPage();
  if (width !== undefined) await page.setViewportSize({ width, height: 900 });
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${url}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`${url}: ${error.message}`));
  const response = await page.goto(url);
  expect(response?.status()).toBe(200);
  return page;
};
