import { mkdirSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postService, registerTaskDefinition } from '../support/api';
import { hasChromium, launchChromium, openPage } from '../support/browser';
import { type TestStack, useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

const SCREENSHOTS = 'test-results';

let browser: BrowserContext;
const consoleErrors: string[] = [];

/** The stack, started only where Chromium is (inside the describe below). */
let local: TestStack;

const createService = async (
  serviceName: string,
  image: string,
  desiredCount: number,
  minReadySeconds: number,
) => {
  const taskDefinition = await registerTaskDefinition(local.api, serviceName, image);
  await postService(local.api, serviceName, taskDefinition, desiredCount, {
    deploymentConfiguration: { minReadySeconds },
  });
};

const openConsolePage = (path: string): Promise<Page> =>
  openPage(browser, `${local.stack.apiUrl}${path}`, consoleErrors);

describe.skipIf(!hasChromium)('the web console in headless Chromium', () => {
  local = useTestStack({ timing: 'realistic', reconcileIntervalMs: 1000 });

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    await createService('checkout', 'nginx:1.27', 3, 1);
    await createService('payments', 'nginx:1.27', 2, 1);
    await eventually('both services COMPLETED', async () => {
      const { body } = await local.api.get('/clusters/default/services');
      return body.items.every((s: any) => s.deployments[0].rolloutState === 'COMPLETED') ? true : undefined;
    });
    // A rollout that stays in progress while the pages are looked at: the new tasks' health check
    // reports nothing for 300 s, so they run but do not count as healthy yet.
    const next = await local.api.post('/task-definitions', {
      family: 'checkout',
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'app',
          image: 'nginx:1.28',
          healthCheck: { command: ['CMD-SHELL', 'true'], startPeriod: 300 },
        },
      ],
    });
    expect(next.status).toBe(201);
    expect(
      (await local.api.patch('/clusters/default/services/checkout', { taskDefinition: 'checkout:2' })).status,
    ).toBe(200);
    await eventually('the new tasks running', async () => {
      const { body } = await local.api.get('/clusters/default/services/checkout');
      return body.deployments[0].runningCount === 3 ? true : undefined;
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the services with their counts and the rollout in progress', async () => {
    const page = await openConsolePage('/console/');
    const checkout = page.locator('tr[data-service="checkout"]');
    await expect.poll(() => checkout.innerText()).toMatch(/checkout\s+ACTIVE\s+3\s+6\s+0\s+IN_PROGRESS/);
    await expect.poll(() => checkout.innerText()).toContain('3/3 running · 0 healthy');
    await expect.poll(() => checkout.innerText()).toContain('nginx:1.28');
    const payments = page.locator('tr[data-service="payments"]');
    expect(await payments.innerText()).toMatch(/payments\s+ACTIVE\s+2\s+2\s+0\s+COMPLETED/);
    expect(await page.locator('#page').getAttribute('hx-trigger')).toBe('every 2s');
    await page.screenshot({ path: `${SCREENSHOTS}/console-services.png`, fullPage: true });
    await page.close();
  });

  it('shows one service: deployments with progress, events, tasks with phase timings, the plan', async () => {
    const page = await openConsolePage('/console/clusters/default/services/checkout');
    await expect.poll(() => page.locator('h1').innerText()).toContain('checkout');
    const deployments = page.locator('#deployments tbody tr');
    expect(await deployments.count()).toBe(2);
    expect(await deployments.nth(0).innerText()).toMatch(
      /PRIMARY\s+checkout:2\s+3\/3 running · 0 healthy · 0 pending\s+IN_PROGRESS/,
    );
    expect(await deployments.nth(1).innerText()).toMatch(/ACTIVE\s+checkout:1\s+3\/3 running · 3 healthy/);
    expect(await page.locator('#events').innerText()).toMatch(/service checkout deployment \S+ completed\./);
    expect(await page.locator('#tasks tbody tr').count()).toBe(6);
    expect(await page.locator('#tasks tbody tr .phases .ph-running').count()).toBe(6);
    expect(await page.locator('#plan').innerText()).toContain('Plan');
    expect(await page.locator('#targets').innerText()).toContain('No load balancer targets');
    expect(await page.locator('#history button').count()).toBe(0); // read-only: no rollback button
    await page.screenshot({ path: `${SCREENSHOTS}/console-service.png`, fullPage: true });

    // The page refreshes itself while the rollout runs: scale the old deployment's view by changing the count.
    const before = await page.locator('[data-count="desired"]').innerText();
    await local.api.patch('/clusters/default/services/checkout', { desiredCount: 4 });
    await expect
      .poll(() => page.locator('[data-count="desired"]').innerText(), { timeout: 10_000 })
      .toBe('4');
    expect(before).toBe('3');
    await page.close();
  });

  it('logs no errors in the browser console', () => {
    expect(consoleErrors).toEqual([]);
  });
});
