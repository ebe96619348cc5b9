import { describe, expect, it } from 'vitest';
import type { PlanResult } from '../../lib/reconcile/plan/types';
import { waitingReasons, withIsoTimes } from '../../lib/reconcile/plan/waiting';

const deployment = (overrides: Record<string, unknown>) =>
  ({
    id: 'ecs-svc-a',
    status: 'PRIMARY',
    desiredCount: 3,
    healthyCount: 0,
    rolloutState: 'IN_PROGRESS',
    ...overrides,
  }) as unknown as PlanResult['deployments'][number];

describe('the plan view', () => {
  it("gives a hold's until as ISO-8601", () => {
    const until = Date.UTC(2026, 11, 1, 12, 0, 0);
    const plan = withIsoTimes({
      actions: [{ type: 'hold', deploymentId: 'ecs-svc-a', until, reason: 'backing off' }],
    } as unknown as PlanResult);
    expect(plan.actions[0]).toMatchObject({ until: '2026-12-01T12:00:00.000Z' });
  });

  it('says what a rollout that takes no action waits for', () => {
    expect(
      waitingReasons(
        { actions: [], deployments: [deployment({ healthyCount: 1 })] },
        { minReadySeconds: 40 },
      ),
    ).toEqual(['deployment ecs-svc-a is waiting for 2 tasks to be healthy for minReadySeconds 40']);
    expect(
      waitingReasons(
        { actions: [], deployments: [deployment({ rolloutState: 'COMPLETED', healthyCount: 3 })] },
        { minReadySeconds: 40 },
      ),
    ).toEqual([]);
    const held = {
      actions: [{ type: 'hold', deploymentId: 'ecs-svc-a', reason: 'deployment ecs-svc-a has FAILED' }],
      deployments: [deployment({})],
    } as unknown as PlanResult;
    expect(waitingReasons(held, { minReadySeconds: 40 })).toEqual(['deployment ecs-svc-a has FAILED']);
  });

  it('names the target groups a load-balanced rollout waits on, not minReadySeconds 0', () => {
    const arn = (name: string) =>
      `arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/${name}/0123456789abcdef`;
    const lb = (name: string) => ({ targetGroupArn: arn(name), containerName: 'app', containerPort: 80 });
    const waiting = { actions: [], deployments: [deployment({ healthyCount: 1 })] };
    expect(waitingReasons(waiting, { minReadySeconds: 0 }, [lb('web')])).toEqual([
      'deployment ecs-svc-a is waiting for 2 tasks to be healthy in target group web',
    ]);
    expect(waitingReasons(waiting, { minReadySeconds: 30 }, [lb('web'), lb('admin')])).toEqual([
      'deployment ecs-svc-a is waiting for 2 tasks to be healthy in target groups web, admin and for minReadySeconds 30',
    ]);
  });

  it('names the group a shifting deployment registers in: the one not serving', () => {
    const arn = (name: string) =>
      `arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/${name}/0123456789abcdef`;
    const lb = { targetGroupArn: arn('web'), containerName: 'app', containerPort: 80 };
    const trafficShift = { routes: [{ targetGroupArn: arn('web'), from: arn('web'), to: arn('web-green') }] };
    const waiting = { actions: [], deployments: [deployment({ healthyCount: 1, trafficShift })] };
    expect(waitingReasons(waiting, { minReadySeconds: 5 }, [lb])).toEqual([
      'deployment ecs-svc-a is waiting for 2 tasks to be healthy in target group web-green and for minReadySeconds 5',
    ]);
  });
});
