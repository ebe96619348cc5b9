import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

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
