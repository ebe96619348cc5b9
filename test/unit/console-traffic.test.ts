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
});
