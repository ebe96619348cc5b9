/** The service page's traffic shift card: stage, both groups' weights, bake time left, Promote and Abort. */
import { describe, expect, it } from 'vitest';
import { CSRF_FIELD } from '../../console/guard';
import type { PageContext } from '../../console/render';
import { servicePage } from '../../console/service-page';
import { pageTasks } from '../../console/task-page';

const ctx = (extra: Partial<PageContext> = {}): PageContext => ({
  base: '/console',
  allowWrites: false,
  live: false,
  ...extra,
});
const tg = (name: string) =>
  `arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/${name}/0123456789abcdef`;
const T = Date.parse('2026-12-01T00:10:00.000Z');

const page = (
  shift: Record<string, unknown>,
  extra: Partial<PageContext> = {},
  rolloutState = 'IN_PROGRESS',
  analysis?: { intervals: unknown[] },
) =>
  servicePage(ctx(extra), {
    cluster: 'default',
    tasks: pageTasks([], 1),
    images: new Map(),
    now: T,
    service: {
      serviceName: 'web',
      cluster: 'default',
      status: 'ACTIVE',
      taskDefinition: 'web:2',
      desiredCount: 2,
      runningCount: 4,
      pendingCount: 0,
      events: [],
      deployments: [
        {
          id: 'ecs-svc-d2',
          status: 'PRIMARY',
          taskDefinition: 'web:2',
          desiredCount: 2,
          runningCount: 2,
          pendingCount: 0,
          failedTasks: 0,
          rolloutState,
          rolloutStateReason: '',
          createdAt: '2026-12-01T00:00:00.000Z',
          updatedAt: '2026-12-01T00:00:00.000Z',
          ...(analysis ? { analysis } : {}),
          trafficShift: {
            strategy: 'CANARY',
            stageStartedAt: '2026-12-01T00:08:00.000Z',
            routes: [{ targetGroupArn: tg('blue'), from: tg('blue'), to: tg('green') }],
            bakeTimeInMinutes: 5,
            canaryPercent: 10,
            canaryBakeTimeInMinutes: 3,
            ...shift,
          },
        },
      ],
    } as never,
  });

describe('traffic shift card', () => {
  it('shows the stage, the weight of each group and the bake time left', () => {
    const html = page({ stage: 'BAKE_TIME', productionPercent: 100 });
    expect(html).toContain('<span class="badge BAKE_TIME">BAKE_TIME</span>');
    expect(html).toMatch(/blue<\/code>.*data-weight="old">0 %/s);
    expect(html).toMatch(/green<\/code>.*data-weight="new">100 %/s);
    expect(html).toContain('data-bake-left="3 min 0 s"'); // 5 min from 00:08, now 00:10
  });

  it('counts the canary step bake too', () => {
    const html = page({ stage: 'PRODUCTION_TRAFFIC_SHIFT', productionPercent: 10 });
    expect(html).toContain('data-weight="old">90 %');
    expect(html).toContain('Step bake time left: <b>1 min 0 s</b>');
  });

  it('offers Promote only when paused for approval and Abort while in progress, with writes allowed', () => {
    const paused = {
      stage: 'PRODUCTION_TRAFFIC_SHIFT',
      productionPercent: 10,
      approval: { stage: 'PRODUCTION_TRAFFIC_SHIFT', pausedAt: '2026-12-01T00:09:00.000Z' },
    };
    const writable = page(paused, { allowWrites: true, csrfToken: 'tok' });
    expect(writable).toContain('data-approval="paused"');
    expect(writable).toContain(
      'hx-post="/console/clusters/default/services/web/deployments/ecs-svc-d2/continue"',
    );
    expect(writable).toContain(
      'hx-post="/console/clusters/default/services/web/deployments/ecs-svc-d2/stop"',
    );
    expect(writable.match(new RegExp(`name="${CSRF_FIELD}" value="tok"`, 'g'))).toHaveLength(2);
    const readOnly = page(paused);
    expect(readOnly).toContain('Awaiting approval');
    expect(readOnly).not.toContain('data-lever');
    const going = page({ stage: 'BAKE_TIME', productionPercent: 100 }, { allowWrites: true });
    expect(going).not.toContain('data-lever="continue"');
    expect(going).toContain('data-lever="stop"');
    expect(
      page({ stage: 'CLEAN_UP', productionPercent: 100 }, { allowWrites: true }, 'COMPLETED'),
    ).not.toContain('data-lever');
  });

  it('lists the last analysis intervals, newest first: time, verdict, requests, 5xx rate and p99', () => {
    const interval = (minute: number, extra: Record<string, unknown> = {}) => ({
      start: `2026-12-01T00:0${minute - 1}:00.000Z`,
      end: `2026-12-01T00:0${minute}:00.000Z`,
      requests: 100 + minute,
      errorRatePercent: 0.5,
      p99LatencyMs: 42.5,
      verdict: 'PASS',
      reason: 'within bounds',
      ...extra,
    });
    const intervals = [
      ...[1, 2, 3, 4, 5, 6].map((minute) => interval(minute)),
      interval(7, {
        requests: 0,
        errorRatePercent: undefined,
        p99LatencyMs: undefined,
        verdict: 'INCONCLUSIVE',
        reason: 'few',
      }),
    ];
    const html = page({ stage: 'BAKE_TIME', productionPercent: 100 }, {}, 'IN_PROGRESS', { intervals });
    const rows = html.match(/<tr data-interval="[A-Z]+">.*?<\/tr>/gs) ?? [];
    expect(rows).toHaveLength(5);
    expect(rows[0]).toContain('00:06:00–00:07:00');
    expect(rows[0]).toContain('<span class="badge INCONCLUSIVE">INCONCLUSIVE</span>');
    expect(rows[0]).toMatch(/<td class="num">0<\/td><td class="num">-<\/td><td class="num">-<\/td>/);
    expect(rows[1]).toContain('00:05:00–00:06:00');
    expect(rows[1]).toMatch(
      /<td class="num">106<\/td><td class="num">0.5 %<\/td><td class="num">42.5 ms<\/td>/,
    );
    expect(html).not.toContain('00:00:00–00:01:00');
    expect(page({ stage: 'BAKE_TIME', productionPercent: 100 })).not.toContain('id="analysis"');
  });

  it('says when the bake is over and it holds for a passing analysis interval, instead of the time left', () => {
    const held = {
      stage: 'PRODUCTION_TRAFFIC_SHIFT',
      productionPercent: 10,
      analysisHeldAt: '2026-12-01T00:09:00.000Z',
    };
    const html = page(held);
    expect(html).toContain('data-analysis="holding"');
    expect(html).toContain('since 2026-12-01T00:09:00.000Z');
    expect(html).not.toContain('data-bake-left');
    expect(page({ ...held, analysisPassedAt: '2026-12-01T00:10:00.000Z' })).not.toContain('data-analysis');
  });
});
