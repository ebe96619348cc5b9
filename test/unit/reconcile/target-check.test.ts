import type { TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import type { Service, TaskRecord } from '../../../lib/domain';
import type { EcsGateway } from '../../../lib/ecs/gateway';
import { PacingDeadlineError } from '../../../lib/ecs/pacer';
import type { ElbGateway } from '../../../lib/elb/gateway';
import type { ReconcileRequest } from '../../../lib/queue/reconcile-queue';
import { runReconcileScheduler } from '../../../lib/reconcile/scheduler/scheduler';
import {
  checkTargets,
  rotationStart,
  TARGET_HEALTH_CONCURRENCY,
} from '../../../lib/reconcile/scheduler/target-group-check';
import type { TugboatStore } from '../../../lib/store/port';
import { deployment, service } from '../../support/plan';

const TG_A = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/a/00000000000000aa';
const TG_B = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/b/00000000000000bb';
const TG_G = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/g/00000000000000cc';
const arn = (id: string) => `arn:aws:ecs:us-east-1:000000000000:task/default/${id}`;

const steady = (name: string, targetGroupArn: string): Service =>
  service({
    serviceName: name,
    desiredCount: 2,
    runningCount: 2,
    loadBalancers: [{ targetGroupArn, containerName: 'web', containerPort: 80 }],
    deployments: [deployment(`dep-${name}`, 'web:1', { rolloutState: 'COMPLETED' })],
  });
const task = (serviceName: string, id: string, ip: string): TaskRecord =>
  ({
    cluster: 'default',
    serviceName,
    taskArn: arn(id),
    taskId: id,
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    healthStatus: 'UNKNOWN',
    privateIpv4Address: ip,
    eventVersion: 3,
    updatedAt: '2026-11-25T00:00:00.000Z',
  }) as TaskRecord;
const target = (id: string, state: string, port = 80): TargetHealthDescription =>
  ({ Target: { Id: id, Port: port }, TargetHealth: { State: state } }) as TargetHealthDescription;

/** Two steady services in two target groups, and a third sharing the first one's group. */
const run = async (
  health: Record<string, TargetHealthDescription[]>,
  more: TaskRecord[] = [],
  change: (services: Service[]) => void = () => undefined,
) => {
  const services = [steady('web', TG_A), steady('api', TG_B), steady('admin', TG_A)];
  services[2]!.loadBalancers![0]!.containerPort = 81;
  change(services);
  const tasks = [
    task('web', 'w1', '10.0.0.1'),
    task('web', 'w2', '10.0.0.2'),
    task('api', 'a1', '10.0.0.3'),
    task('api', 'a2', '10.0.0.4'),
    task('admin', 'd1', '10.0.0.5'),
    task('admin', 'd2', '10.0.0.6'),
    ...more,
  ];
  const described: string[] = [];
  const elb = {
    describeTargetHealth: async (targetGroupArn: string) => {
      described.push(targetGroupArn);
      return health[targetGroupArn] ?? [];
    },
  } as unknown as ElbGateway;
  const store = {
    listClusters: async () => ['default'],
    listServices: async () => ({ items: services }),
    listAliveTasks: async () => tasks,
    reconcileMarks: async () => new Map(),
    markScheduled: async () => undefined,
  } as unknown as TugboatStore;
  const ecs = { listTasks: async () => tasks.map((t) => t.taskArn) } as unknown as EcsGateway;
  const enqueued: ReconcileRequest[] = [];
  const report = await runReconcileScheduler({
    store,
    ecsFor: () => ecs,
    enqueue: async (requests) => {
      enqueued.push(...requests);
    },
    now: () => 0,
    elb,
  });
  return {
    report,
    described,
    requests: enqueued,
    enqueued: enqueued.map((r) => `${r.serviceName}: ${r.reason}`),
  };
};

const allHealthy = () => ({
  [TG_A]: [
    target('10.0.0.1', 'healthy'),
    target('10.0.0.2', 'healthy'),
    target('10.0.0.5', 'healthy', 81),
    target('10.0.0.6', 'healthy', 81),
  ],
  [TG_B]: [target('10.0.0.3', 'healthy'), target('10.0.0.4', 'healthy')],
});

describe('the scheduler against target groups', () => {
  it('at steady state reads each target group once (not per service or task) and asks for nothing', async () => {
    const { report, described, enqueued } = await run(allHealthy());
    expect(described.sort()).toEqual([TG_A, TG_B]);
    expect(report.targetGroupsRead).toBe(2);
    expect(enqueued).toEqual([]);
  });

  it.each([
    [
      'a target that is not healthy',
      (h: ReturnType<typeof allHealthy>) => (h[TG_B][0] = target('10.0.0.3', 'unhealthy')),
      'api: task a1 has a target that is unhealthy',
    ],
    [
      'a task that is not registered',
      (h: ReturnType<typeof allHealthy>) => h[TG_B].pop(),
      'api: task a2 has a target that is not registered',
    ],
    [
      'a stray on the service port (a task of it that is being stopped)',
      (h: ReturnType<typeof allHealthy>) => h[TG_B].push(target('10.0.0.9', 'healthy')),
      'api: target 10.0.0.9:80',
    ],
  ])('asks for a pass of the service with %s', async (_what, change, expected) => {
    const health = allHealthy();
    change(health);
    const stopping = { ...task('api', 'a9', '10.0.0.9'), desiredStatus: 'STOPPED' };
    const { enqueued } = await run(health, [stopping]);
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]).toContain(expected);
  });

  it('a target that no task of the service was registered as is none of its business', async () => {
    const health = allHealthy();
    health[TG_B].push(target('10.0.0.9', 'healthy'));
    expect((await run(health)).enqueued).toEqual([]);
  });

  it('a draining target or one on another port is no stray', async () => {
    const health = allHealthy();
    health[TG_B].push(target('10.0.0.9', 'draining'), target('10.0.0.8', 'healthy', 9999));
    expect((await run(health)).enqueued).toEqual([]);
  });
});

describe('a slow or hanging ELB does not delay or stop the level check', () => {
  const group = (n: number) => `arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/g${n}/${n}`;
  /** `count` steady services, each behind its own target group, each with one healthy task; and one
   * service short of its desired count, which the level check asks for. */
  const fleet = (count: number) => {
    const services = Array.from({ length: count }, (_, n) => steady(`svc${n}`, group(n)));
    const tasks = services.map((s, n) => task(s.serviceName, `t${n}`, `10.0.1.${n}`));
    services.push(
      service({
        serviceName: 'short',
        desiredCount: 2,
        runningCount: 1,
        deployments: [deployment('dep-short', 'web:1', { rolloutState: 'COMPLETED' })],
      }),
    );
    const store = {
      listClusters: async () => ['default'],
      listServices: async () => ({ items: services }),
      listAliveTasks: async () => tasks,
      reconcileMarks: async () => new Map(),
      markScheduled: async () => undefined,
    } as unknown as TugboatStore;
    const ecs = { listTasks: async () => tasks.map((t) => t.taskArn) } as unknown as EcsGateway;
    return { store, ecs, healthOf: (n: number) => [target(`10.0.1.${n}`, 'healthy')] };
  };
  const schedule = async (
    count: number,
    answer: (arn: string) => Promise<TargetHealthDescription[]>,
    deadlineMs?: number,
  ) => {
    const { store, ecs } = fleet(count);
    const steps: string[] = [];
    const startedAt = Date.now();
    const run = runReconcileScheduler({
      store,
      ecsFor: () => ecs,
      enqueue: async (requests) => {
        steps.push(...requests.map((r) => `enqueue ${r.serviceName}: ${r.reason}`));
      },
      now: Date.now,
      elb: {
        describeTargetHealth: (arn: string) => {
          steps.push(`describe ${arn}`);
          return answer(arn);
        },
      } as unknown as ElbGateway,
      ...(deadlineMs === undefined ? {} : { deadline: startedAt + deadlineMs }),
    });
    // Ends the test, not the scheduler: a run still going after 3 s has not kept its deadline.
    const report = await Promise.race([
      run,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 3_000)),
    ]);
    return { report, steps, elapsedMs: Date.now() - startedAt };
  };

  it('with an ELB that never answers, sends the level check first and ends at its deadline', async () => {
    const { report, steps, elapsedMs } = await schedule(3, () => new Promise(() => undefined), 300);
    expect(report, 'the run ended').toBeDefined();
    expect(elapsedMs).toBeLessThan(1_500);
    expect(steps[0]).toBe('enqueue short: not at desired count');
    expect(report).toMatchObject({ enqueued: 1, targetGroupsRead: 0, targetGroupsUnread: 3 });
  });

  it('reads the target groups a bounded number at a time, all at steady state within the deadline', async () => {
    const { healthOf } = fleet(0);
    let inFlight = 0;
    let most = 0;
    const { report, steps, elapsedMs } = await schedule(
      20,
      async (arn) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 100));
        inFlight--;
        return healthOf(Number(arn.slice(arn.lastIndexOf('/') + 1)));
      },
      10_000,
    );
    expect(report).toMatchObject({ enqueued: 1, targetGroupsRead: 20, targetGroupsUnread: 0 });
    expect(most).toBe(TARGET_HEALTH_CONCURRENCY);
    // One after another, 20 slow calls would take 2 s.
    expect(elapsedMs).toBeLessThan(1_500);
    expect(steps.findIndex((step) => step.startsWith('describe'))).toBeGreaterThan(
      steps.findIndex((step) => step.startsWith('enqueue')),
    );
  });

  it('judges the services whose groups it read; one behind a hanging group waits for the next run', async () => {
    const { report, steps } = await schedule(
      2,
      async (arn) => (arn === group(0) ? new Promise(() => undefined) : [target('10.0.1.1', 'unhealthy')]),
      300,
    );
    expect(steps.filter((step) => step.startsWith('enqueue'))).toEqual([
      'enqueue short: not at desired count',
      'enqueue svc1: task t1 has a target that is unhealthy',
    ]);
    expect(report).toMatchObject({ enqueued: 2, targetGroupsRead: 1, targetGroupsUnread: 1 });
  });
});

describe('a service with an alternate target group (advancedConfiguration)', () => {
  /** api's groups swapped at its last deployment: its tasks serve from the alternate TG_G. */
  const swapped = (services: Service[]) => {
    const api = services[1]!;
    api.loadBalancers![0]!.advancedConfiguration = { alternateTargetGroupArn: TG_G };
    api.servingTargetGroups = { [TG_B]: TG_G };
  };
  const health = () => ({ ...allHealthy(), [TG_B]: [], [TG_G]: allHealthy()[TG_B] });

  it('reads both groups and judges the running tasks in the group that serves', async () => {
    const { described, enqueued } = await run(health(), [], swapped);
    expect(described.sort()).toEqual([TG_A, TG_B, TG_G].sort());
    expect(enqueued).toEqual([]);
  });

  it('asks for a pass for a stray left in the group that no longer serves', async () => {
    const stopping = { ...task('api', 'a9', '10.0.0.9'), desiredStatus: 'STOPPED' };
    const { enqueued } = await run(
      { ...health(), [TG_B]: [target('10.0.0.9', 'healthy')] },
      [stopping],
      swapped,
    );
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]).toContain(`api: target 10.0.0.9:80 of ${TG_B}`);
  });

  it('asks for a pass when a running task is not healthy in the serving group', async () => {
    const bad = health();
    bad[TG_G][0] = target('10.0.0.3', 'unhealthy');
    const { enqueued } = await run(bad, [], swapped);
    expect(enqueued).toEqual([expect.stringContaining('api: task a1 has a target that is unhealthy')]);
  });
});

describe('a service in the middle of a traffic shift, waiting on its own wake-up', () => {
  /** api shifts from TG_B to TG_G: its old tasks a1, a2 serve in TG_B, new tasks n1, n2 registered in TG_G. */
  const shifting = (services: Service[]) => {
    const api = services[1]!;
    api.loadBalancers![0]!.advancedConfiguration = { alternateTargetGroupArn: TG_G };
    api.wakeAt = '2026-11-25T00:05:00.000Z';
    api.deployments = [
      deployment('dep-new', 'web:2', {
        desiredCount: 2,
        trafficShift: {
          strategy: 'CANARY',
          stage: 'PRODUCTION_TRAFFIC_SHIFT',
          stageStartedAt: '2026-11-25T00:00:00.000Z',
          productionPercent: 5,
          routes: [{ targetGroupArn: TG_B, from: TG_B, to: TG_G }],
          bakeTimeInMinutes: 5,
        },
      }),
      deployment('dep-api', 'web:1', { status: 'ACTIVE', rolloutState: 'COMPLETED', desiredCount: 2 }),
    ];
  };
  const registered = (record: TaskRecord, deploymentId: string, group: string): TaskRecord => ({
    ...record,
    deploymentId,
    loadBalancing: { targets: [{ targetGroupArn: group, port: 80 }] },
  });
  const newTasks = () => [
    registered(task('api', 'n1', '10.0.0.7'), 'dep-new', TG_G),
    registered(task('api', 'n2', '10.0.0.8'), 'dep-new', TG_G),
  ];
  const health = () => ({
    ...allHealthy(),
    [TG_G]: [target('10.0.0.7', 'healthy'), target('10.0.0.8', 'healthy')],
  });

  it('judges each new task in the group it registered in, and asks for nothing while all are healthy', async () => {
    const { described, enqueued } = await run(health(), newTasks(), shifting);
    expect(described).toContain(TG_G);
    expect(enqueued).toEqual([]);
  });

  it('asks for a pass when a new task turns unhealthy in its group mid-bake', async () => {
    const bad = health();
    bad[TG_G][1] = target('10.0.0.8', 'unhealthy');
    const { enqueued, requests } = await run(bad, newTasks(), shifting);
    expect(enqueued).toEqual([expect.stringContaining('api: task n2 has a target that is unhealthy')]);
    // The pass must see what the check saw, not the inventory's account of the group (target-reads.ts).
    expect(requests[0]?.readTargetGroups).toBe(true);
  });

  it("asks for a pass for a new task with no recorded target that is not in the shift's new group", async () => {
    const unrecorded = { ...task('api', 'n3', '10.0.0.9'), deploymentId: 'dep-new' };
    const { enqueued } = await run(health(), [...newTasks(), unrecorded], shifting);
    expect(enqueued).toEqual([expect.stringContaining('api: task n3 has a target that is not registered')]);
  });
});

describe("the check within the scheduler's share of ELB's Describe* budget", () => {
  const groups = Array.from({ length: 10 }, (_, i) => `${TG_A.slice(0, -2)}${String(i).padStart(2, '0')}`);
  const steadyIn = (arns: string[]) => [
    {
      cluster: 'default',
      services: arns.map((arn, i) => steady(`svc${i}`, arn)),
      alive: [] as TaskRecord[],
    },
  ];

  it('starts each minute where the last is expected to have stopped, and starts at 0 when one run reads all', () => {
    const rate = { burst: 2, perSecond: 1 };
    // 2 + 1 x 3 s = 5 groups a run.
    expect(rotationStart(12, 3_000, { rate, now: 0 })).toBe(0);
    expect(rotationStart(12, 3_000, { rate, now: 60_000 })).toBe(5);
    expect(rotationStart(12, 3_000, { rate, now: 120_000 + 59_999 })).toBe(10);
    expect(rotationStart(12, 3_000, { rate, now: 180_000 })).toBe(3);
    expect(rotationStart(5, 3_000, { rate, now: 60_000 })).toBe(0);
    expect(rotationStart(0, 3_000, { rate, now: 60_000 })).toBe(0);
  });

  it('stops reading when the pacer has no room before the deadline: the rest are unread, not failed', async () => {
    const described: string[] = [];
    const elb = {
      describeTargetHealth: async (arn: string, _targets: unknown, options: { deadline?: number }) => {
        expect(options.deadline).toBe(1_000 + 30_000);
        if (described.length === 3) throw new PacingDeadlineError(500);
        described.push(arn);
        return [];
      },
    } as unknown as ElbGateway;
    const result = await checkTargets(elb, steadyIn(groups), {
      budgetMs: 30_000,
      concurrency: 1,
      clock: () => 1_000,
    });
    expect(result.targetGroupsRead).toBe(3);
    expect(result.targetGroupsUnread).toBe(7);
    expect(result.failures).toEqual([]);
  });

  it('reads from the rotation start on, wrapping around', async () => {
    const described: string[] = [];
    const elb = {
      describeTargetHealth: async (arn: string) => {
        described.push(arn);
        return [];
      },
    } as unknown as ElbGateway;
    await checkTargets(elb, steadyIn(groups), {
      budgetMs: 3_000,
      concurrency: 1,
      rotation: { rate: { burst: 2, perSecond: 1 }, now: 60_000 },
    });
    const sorted = [...groups].sort();
    expect(described).toEqual([...sorted.slice(5), ...sorted.slice(0, 5)]);
  });
});
