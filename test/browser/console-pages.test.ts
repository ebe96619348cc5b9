import { mkdirSync } from 'node:fs';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postService, registerTaskDefinition } from '../support/api';
import { hasChromium, launchChromium, openPage } from '../support/browser';
import { type TestStack, useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

/**
 * The console as a page left open, in headless Chromium: layout at 1400 and 800 px, refreshing without a
 * rollout, a failed deployment's banner, stopped tasks paged, a task's page, and the charts uPlot draws.
 * Screenshots go to TUGBOAT_CONSOLE_SCREENSHOTS (docs/images to refresh the docs' pictures).
 */
const SCREENSHOTS = process.env.TUGBOAT_CONSOLE_SCREENSHOTS ?? 'test-results';
const WIDTHS = [1400, 800] as const;

let local: TestStack;
let browser: BrowserContext;
const consoleErrors: string[] = [];

const createService = async (serviceName: string, desiredCount: number, extra: object = {}) => {
  await postService(
    local.api,
    serviceName,
    await registerTaskDefinition(local.api, serviceName, 'nginx:1.27'),
    desiredCount,
    {
      deploymentConfiguration: {
        minReadySeconds: 0,
        deploymentCircuitBreaker: { enable: true, rollback: true },
      },
      ...extra,
    },
  );
};

const service = async (name: string) => (await local.api.get(`/clusters/default/services/${name}`)).body;
const completed = (name: string) =>
  eventually(
    `${name} COMPLETED`,
    async () => {
      const body = await service(name);
      return body.deployments[0].rolloutState === 'COMPLETED' && body.runningCount === body.desiredCount
        ? body
        : undefined;
    },
    { timeoutMs: 60_000 },
  );

const openConsolePage = (path: string, width = 1400): Promise<Page> =>
  openPage(browser, `${local.stack.apiUrl}${path}`, consoleErrors, width);

/**
 * Every table wider than its card, or reaching past its right edge, and the page's own horizontal scroll
 * (run in the page: the tests are typechecked without the DOM's types).
 */
const spills = (page: Page): Promise<string[]> =>
  page.evaluate(`(() => {
    const out = [];
    for (const table of document.querySelectorAll('section.card table')) {
      const card = table.closest('section.card');
      const t = table.getBoundingClientRect();
      const c = card.getBoundingClientRect();
      if (t.right > c.right + 0.5 || table.scrollWidth > card.clientWidth)
        out.push(card.id + ': table ' + Math.round(t.right) + ' > card ' + Math.round(c.right));
    }
    if (document.documentElement.scrollWidth > window.innerWidth)
      out.push('page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + window.innerWidth);
    return out;
  })()`);

/** Pixels of a chart's canvas in a series' colour: the series was drawn, with its points. */
const seriesPixels = (page: Page, chart: string, rgb: [number, number, number]): Promise<number> =>
  page.evaluate(`(() => {
    const canvas = document.querySelector('#${chart} canvas');
    if (!canvas) return -1;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const rgb = ${JSON.stringify(rgb)};
    let count = 0;
    for (let i = 0; i < data.length; i += 4)
      if (Math.abs(data[i] - rgb[0]) < 12 && Math.abs(data[i + 1] - rgb[1]) < 12 && Math.abs(data[i + 2] - rgb[2]) < 12) count++;
    return count;
  })()`);

let failedTaskId = '';

describe.skipIf(!hasChromium)('the web console left open, in headless Chromium', () => {
  // A short retry backoff, set before the stack starts and cleared after it stops (hooks declared
  // around useTestStack's).
  beforeAll(() => {
    process.env.TUGBOAT_BACKOFF_BASE_MS = '300';
  });
  afterAll(() => {
    delete process.env.TUGBOAT_BACKOFF_BASE_MS;
  });
  // Tasks start in 300 ms and crash 300 ms in: the crash deployment fails and rolls back quickly.
  local = useTestStack({
    timing: 'realistic',
    ecs: { startMs: 300, crashAfterMs: 300 },
    reconcileIntervalMs: 1000,
  });

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    // A service on Spot and on-demand, scaled up and down: two providers in its history, 12 stopped tasks.
    await createService('spotty', 14, {
      capacityProviderStrategy: [
        { capacityProvider: 'FARGATE', base: 1, weight: 1 },
        { capacityProvider: 'FARGATE_SPOT', weight: 1 },
      ],
    });
    // minReadySeconds 2: its tasks crash 300 ms after RUNNING, so the breaker counts them before the
    // deployment could complete (with 0 it completes first and backs off, docs/failure-handling.md).
    await createService('crashy', 2, {
      deploymentConfiguration: {
        minReadySeconds: 2,
        deploymentCircuitBreaker: { enable: true, rollback: true },
      },
    });
    await createService('scaled', 2, {
      autoScaling: {
        minCapacity: 1,
        maxCapacity: 6,
        targetTracking: [
          { name: 'cpu', metric: { predefined: 'CPUUtilization' }, targetValue: 50 },
          {
            name: 'latency',
            metric: { custom: { namespace: 'Shop', metricName: 'Latency', statistic: 'Average' } },
            targetValue: 200,
          },
        ],
      },
    });
    // Six minutes of the latency policy's metric, read by one evaluation (its first reads them all).
    const cloudWatch = new CloudWatchClient({
      endpoint: local.stack.cloudWatchUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const now = Date.now();
    await cloudWatch.send(
      new PutMetricDataCommand({
        Namespace: 'Shop',
        MetricData: [0, 1, 2, 3, 4, 5].map((minutes) => ({
          MetricName: 'Latency',
          Timestamp: new Date(now - (minutes + 1) * 60_000),
          Value: 180 + 10 * minutes,
        })),
      }),
    );
    cloudWatch.destroy();
    await local.stack.runScalingEvaluation();
    await completed('spotty');
    expect((await local.api.patch('/clusters/default/services/spotty', { desiredCount: 2 })).status).toBe(
      200,
    );
    await completed('crashy');
    const crash = await registerTaskDefinition(local.api, 'crashy', 'nginx:crash');
    expect(
      (await local.api.patch('/clusters/default/services/crashy', { taskDefinition: crash })).status,
    ).toBe(200);
    const failed = await eventually(
      'the crash deployment FAILED and rolled back',
      async () => {
        const body = await service('crashy');
        const deployment = body.deployments.find(
          (d: { rolloutState: string }) => d.rolloutState === 'FAILED',
        );
        return deployment && body.deployments[0].rolloutState === 'COMPLETED' ? deployment : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const tasks = (await local.api.get('/clusters/default/tasks?serviceName=crashy&maxResults=100')).body
      .items;
    failedTaskId = tasks.find((t: { deploymentId?: string }) => t.deploymentId === failed.id).taskId;
    await eventually('spotty down to 2', async () =>
      (await service('spotty')).runningCount === 2 ? true : undefined,
    );
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
  });

  for (const width of WIDTHS) {
    it(`lays the services list, a service page and a task page out within their cards at ${width} px`, async () => {
      for (const [name, path] of [
        ['services', '/console/'],
        ['service', '/console/clusters/default/services/crashy'],
        ['task', `/console/clusters/default/tasks/${failedTaskId}`],
        ['scaled', '/console/clusters/default/services/scaled'],
      ] as const) {
        const page = await openConsolePage(path, width);
        if (name === 'service' || name === 'scaled') await page.locator('#chart-counts canvas').waitFor();
        expect(await spills(page), `${name} at ${width} px`).toEqual([]);
        await page.screenshot({ path: `${SCREENSHOTS}/console-${name}-${width}.png`, fullPage: true });
        await page.close();
      }
    });
  }

  it('keeps a failed deployment in a red banner with its reason after the rollback completes', async () => {
    const page = await openConsolePage('/console/clusters/default/services/crashy');
    const banner = page.locator('#failed-deployment');
    expect(await banner.innerText()).toMatch(/Deployment of crashy:2 failed .*circuit breaker/);
    expect(await banner.innerText()).toContain('Rolled back to crashy:1 (COMPLETED)');
    expect(await page.evaluate(`getComputedStyle(document.querySelector('#failed-deployment')).color`)).toBe(
      'rgb(207, 34, 46)',
    );
    const list = await openConsolePage('/console/');
    expect(await list.locator('tr[data-service="crashy"] [data-failed]').innerText()).toMatch(
      /crashy:2 failed/,
    );
    await page.close();
    await list.close();
  });

  it('pages the stopped tasks 10 at a time and links each task to its page', async () => {
    const page = await openConsolePage('/console/clusters/default/services/spotty');
    expect(await page.locator('#tasks tbody tr').count()).toBe(2);
    expect(await page.locator('#stopped tbody tr').count()).toBe(10);
    expect(await page.locator('#stopped h2').innerText()).toContain('1–10 of 12');
    await page.locator('#stopped a[data-stopped-page="2"]').click();
    await page.waitForURL(/\?stopped=2$/);
    expect(await page.locator('#stopped tbody tr').count()).toBe(2);
    expect(await page.locator('#stopped h2').innerText()).toContain('11–12 of 12');
    // The page refreshes itself at the same page of stopped tasks.
    expect(await page.locator('#page').getAttribute('hx-get')).toBe(
      '/console/clusters/default/services/spotty?stopped=2',
    );
    await page.locator('#stopped tbody tr a').first().click();
    await page.waitForURL(/\/console\/clusters\/default\/tasks\//);
    expect(await page.locator('h1').innerText()).toContain('STOPPED');
    expect(await page.locator('#stop-reason').innerText()).toMatch(/^Stopped.*: \S/);
    expect(await page.locator('[data-capacity-provider]').innerText()).toMatch(/^FARGATE(_SPOT)?$/);
    await page.close();
  });

  it('shows a crashed task with its stop code, reason, exit code and timings', async () => {
    const page = await openConsolePage(`/console/clusters/default/tasks/${failedTaskId}`);
    expect(await page.locator('#stop-reason').innerText()).toContain('EssentialContainerExited');
    expect(await page.locator('[data-container="app"] [data-exit-code]').innerText()).toBe('1');
    expect(await page.locator('#timings [data-phase="running"]').innerText()).toMatch(/\d/);
    expect(await page.locator('[data-capacity-provider]').innerText()).toBe('FARGATE');
    // A stopped task no longer changes: its page does not refresh; a live task's does.
    expect(await page.locator('#page').getAttribute('hx-trigger')).toBeNull();
    await page.goto(`${local.stack.apiUrl}/console/clusters/default/services/crashy`);
    await page.locator('#tasks tbody tr a').first().click();
    await page.waitForURL(/\/console\/clusters\/default\/tasks\//);
    expect(await page.locator('h1').innerText()).toContain('RUNNING');
    expect(await page.locator('#page').getAttribute('hx-trigger')).toBe('every 5s');
    await page.close();
  });

  it('draws the task counts and the capacity providers with uPlot, with data points and marks', async () => {
    const page = await openConsolePage('/console/clusters/default/services/spotty');
    await page.locator('#chart-counts canvas').waitFor();
    expect(Number(await page.locator('#chart-counts').getAttribute('data-drawn'))).toBeGreaterThan(1);
    expect(await seriesPixels(page, 'chart-counts', [0x1a, 0x7f, 0x37])).toBeGreaterThan(50); // running
    expect(await seriesPixels(page, 'chart-counts', [0x09, 0x69, 0xda])).toBeGreaterThan(50); // desired
    expect(await seriesPixels(page, 'chart-counts', [0x82, 0x50, 0xdf])).toBeGreaterThan(20); // deploy mark
    await page.locator('#chart-capacity canvas').waitFor();
    expect(await seriesPixels(page, 'chart-capacity', [0xbf, 0x39, 0x89])).toBeGreaterThan(50); // Spot
    expect(await seriesPixels(page, 'chart-capacity', [0x09, 0x69, 0xda])).toBeGreaterThan(50); // FARGATE
    expect(await page.locator('#chart-counts .u-legend').innerText()).toMatch(
      /desired[\s\S]*running[\s\S]*pending/i,
    );
    const scaled = await openConsolePage('/console/clusters/default/services/scaled');
    await scaled.locator('#chart-policy-0 canvas').waitFor();
    expect(await scaled.locator('#chart-policy-0 h3').innerText()).toBe(
      'Policy cpu: CPUUtilization against its target 50',
    );
    expect(await seriesPixels(scaled, 'chart-policy-0', [0x1b, 0x7c, 0x83])).toBeGreaterThan(50); // target
    // The latency policy's readings, from the evaluator's history, drawn as a line against its target.
    await scaled.locator('#chart-policy-1 canvas').waitFor();
    expect(await scaled.locator('#chart-policy-1 h3').innerText()).toBe(
      'Policy latency: Latency against its target 200',
    );
    const latency = JSON.parse((await scaled.locator('#chart-policy-1').getAttribute('data-chart')) ?? '{}');
    expect(latency.series[1].values.filter((v: number | null) => v !== null).length).toBeGreaterThanOrEqual(
      4,
    );
    expect(await seriesPixels(scaled, 'chart-policy-1', [0xcf, 0x22, 0x2e])).toBeGreaterThan(50); // metric
    expect(await seriesPixels(scaled, 'chart-policy-1', [0x1b, 0x7c, 0x83])).toBeGreaterThan(50); // target
    expect(await scaled.locator('#chart-capacity').count()).toBe(0);
    await scaled.close();
    // Redrawn after the page refreshes itself (every 5 s without a rollout).
    await page.evaluate(`document.querySelector('#chart-counts canvas').dataset.old = '1'`);
    await expect
      .poll(() => page.locator('#chart-counts canvas:not([data-old])').count(), { timeout: 12_000 })
      .toBe(1);
    await page.close();
  });

  it('refreshes every 5 s without a rollout: a change of desired count shows up', async () => {
    const page = await openConsolePage('/console/clusters/default/services/crashy');
    expect(await page.locator('#page').getAttribute('hx-trigger')).toBe('every 5s');
    expect(await page.locator('[data-count="desired"]').innerText()).toBe('2');
    expect((await local.api.patch('/clusters/default/services/crashy', { desiredCount: 3 })).status).toBe(
      200,
    );
    await expect
      .poll(() => page.locator('[data-count="desired"]').innerText(), { timeout: 12_000 })
      .toBe('3');
    await page.close();
  });

  it('says how to allow writes where it runs (the local stack: its environment variable)', async () => {
    const page = await openConsolePage('/console/clusters/default/services/crashy');
    expect(await page.locator('#read-only').innerText()).toContain(
      'start it with TUGBOAT_CONSOLE_ALLOW_WRITES=1 to roll back',
    );
    await page.close();
  });

  it('logs no errors in the browser console (CSP included)', () => {
    expect(consoleErrors).toEqual([]);
  });
});
