/**
 * How long a rollout's new tasks cannot be healthy while they await their target groups' first health
 * checks (plan/first-checks.ts), and the wake-up that follows from it (pass/wake.ts): a pass a second
 * through two minutes of ALB's default checks found the targets `initial` every time.
 */
import { describe, expect, it } from 'vitest';
import { wakeDelay } from '../../../lib/reconcile/pass/wake';
import { healthyNoSoonerThan } from '../../../lib/reconcile/plan/first-checks';
import { plan } from '../../../lib/reconcile/plan/plan';
import type {
  LoadBalancingInput,
  ObservedTask,
  PlanResult,
  TargetGroupHealthCheck,
  TargetState,
} from '../../../lib/reconcile/plan/types';
import {
  deploymentConfiguration,
  task as observedTask,
  rollingService,
  S,
  service,
  T0,
} from '../../support/plan';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef';
const PORT = 8080;
const ALB_DEFAULTS: TargetGroupHealthCheck = { intervalSeconds: 30, healthyThreshold: 5 };

let address = 0;
const registered = (deploymentId: string, overrides: Partial<ObservedTask> = {}): ObservedTask =>
  observedTask(deploymentId, {
    privateIpv4Address: `10.0.1.${++address}`,
    targets: { registered: [{ targetGroupArn: TG, port: PORT }] },
    ...overrides,
  });

/** A deploy of 2 tasks (dep-2) beside 2 old healthy ones (dep-1), the new ones as given. */
const deploy = (
  fresh: Array<[ObservedTask, TargetState | undefined]>,
  healthChecks: Record<string, TargetGroupHealthCheck> | undefined = { [TG]: ALB_DEFAULTS },
  minReadySeconds = 0,
  healthCheckGracePeriodSeconds = 0,
): { result: PlanResult; svc: ReturnType<typeof rollingService> } => {
  const svc = rollingService(2, 100, 200, {
    healthCheckGracePeriodSeconds,
    loadBalancers: [{ targetGroupArn: TG, containerName: 'web', containerPort: PORT }],
    deploymentConfiguration: deploymentConfiguration({
      minimumHealthyPercent: 100,
      maximumPercent: 200,
      minReadySeconds,
    }),
  });
  const old = [
    registered('dep-1', {
      targets: { registered: [{ targetGroupArn: TG, port: PORT }], healthyAt: T0 - 900 * S },
    }),
    registered('dep-1', {
      targets: { registered: [{ targetGroupArn: TG, port: PORT }], healthyAt: T0 - 900 * S },
    }),
  ];
  const lb: LoadBalancingInput = {
    targetHealth: {
      [TG]: [
        ...old.map((t) => ({ id: t.privateIpv4Address ?? '', port: PORT, state: 'healthy' as const })),
        ...fresh.flatMap(([t, state]) =>
          state === undefined ? [] : [{ id: t.privateIpv4Address ?? '', port: PORT, state }],
        ),
      ],
    },
    deregistrationDelaySeconds: { [TG]: 30 },
    ...(healthChecks ? { healthChecks } : {}),
  };
  const result = plan({
    service: svc,
    observedTasks: [...old, ...fresh.map(([t]) => t)],
    taskDefinitions: { 'web:1': { hasHealthCheck: false }, 'web:2': { hasHealthCheck: false } },
    now: T0,
    loadBalancing: lb,
  });
  return { result, svc };
};

describe('healthyNoSoonerThan', () => {
  it('is the earliest new task start plus (threshold - 1) intervals when every new target is initial', () => {
    const first = registered('dep-2', { startedAt: T0 - 10 * S });
    const second = registered('dep-2', { startedAt: T0 - 4 * S });
    const { result, svc } = deploy([
      [first, 'initial'],
      [second, 'initial'],
    ]);
    expect(result.healthyNoSoonerThan).toBe(T0 - 10 * S + 4 * 30 * S);
    // The pass sleeps until then instead of looking every second.
    expect(wakeDelay(svc, result, T0)).toBe(110 * S);
  });

  it('counts a task registered this pass from its start (its registration comes no sooner)', () => {
    const fresh = registered('dep-2', { startedAt: T0 - 2 * S, targets: { registered: [] } });
    const { result } = deploy([[fresh, undefined]]);
    expect(result.actions.some((a) => a.type === 'register-targets')).toBe(true);
    expect(result.healthyNoSoonerThan).toBe(T0 - 2 * S + 120 * S);
  });

  const unknown: Array<[string, () => ReturnType<typeof deploy>]> = [
    [
      'a new task still PENDING (its RUNNING event wakes the service)',
      () =>
        deploy([
          [registered('dep-2', { startedAt: T0 - 10 * S }), 'initial'],
          [
            registered('dep-2', { lastStatus: 'PENDING', startedAt: undefined, targets: { registered: [] } }),
            undefined,
          ],
        ]),
    ],
    [
      'a target unhealthy within the grace period (it may be replaced at any pass)',
      () =>
        deploy(
          [
            [registered('dep-2', { startedAt: T0 - 10 * S }), 'initial'],
            [registered('dep-2', { startedAt: T0 - 100 * S }), 'unhealthy'],
          ],
          undefined,
          0,
          300,
        ),
    ],
    [
      'targets all healthy, the task inside minReadySeconds',
      () => deploy([[registered('dep-2', { startedAt: T0 - 10 * S }), 'healthy']], undefined, 60),
    ],
    [
      'no health check timing read for the group',
      () => deploy([[registered('dep-2', { startedAt: T0 - 10 * S }), 'initial']], {}),
    ],
    [
      'the bound already past (the first checks are due now)',
      () => deploy([[registered('dep-2', { startedAt: T0 - 130 * S }), 'initial']]),
    ],
  ];
  it.each(unknown)('is absent with %s, and the pass looks again at its usual pace', (_name, make) => {
    const { result, svc } = make();
    expect(result.healthyNoSoonerThan).toBeUndefined();
    expect(wakeDelay(svc, result, T0)).toBeLessThanOrEqual(30 * S);
  });

  it('does not outlast the progress deadline', () => {
    const { result, svc } = deploy([[registered('dep-2', { startedAt: T0 - 1 * S }), 'initial']], {
      [TG]: { intervalSeconds: 300, healthyThreshold: 10 },
    });
    // rollingService's deploy began 60 s ago: the default deadline (600 s) is 540 s away.
    expect(result.healthyNoSoonerThan).toBe(T0 - S + 2700 * S);
    expect(wakeDelay(svc, result, T0)).toBe(540 * S);
  });
});

describe('healthyNoSoonerThan with two target groups', () => {
  const API = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/api/00000000000000ff';
  const svc = service({
    loadBalancers: [
      { targetGroupArn: TG, containerName: 'web', containerPort: PORT },
      { targetGroupArn: API, containerName: 'web', containerPort: 9090 },
    ],
  });
  const both = (startedAt: number, ip: string): ObservedTask =>
    observedTask('dep-1', {
      startedAt,
      privateIpv4Address: ip,
      targets: {
        registered: [
          { targetGroupArn: TG, port: PORT },
          { targetGroupArn: API, port: 9090 },
        ],
      },
    });
  const lb = (states: Record<string, TargetState>, ips: string[]): LoadBalancingInput => ({
    targetHealth: {
      [TG]: ips.map((id) => ({ id, port: PORT, state: states[TG] ?? 'initial' })),
      [API]: ips.map((id) => ({ id, port: 9090, state: states[API] ?? 'initial' })),
    },
    deregistrationDelaySeconds: {},
    healthChecks: { [TG]: ALB_DEFAULTS, [API]: { intervalSeconds: 10, healthyThreshold: 3 } },
  });

  it("waits for the slower group's first checks, and only for a group still initial", () => {
    const task = both(T0, '10.0.2.1');
    expect(healthyNoSoonerThan(svc, [task], lb({}, ['10.0.2.1']))).toBe(T0 + 120 * S);
    expect(healthyNoSoonerThan(svc, [task], lb({ [TG]: 'healthy' }, ['10.0.2.1']))).toBe(T0 + 20 * S);
    expect(
      healthyNoSoonerThan(svc, [task], lb({ [TG]: 'healthy', [API]: 'unhealthy' }, ['10.0.2.1'])),
    ).toBeUndefined();
  });

  it('is the earliest over the tasks', () => {
    const tasks = [both(T0, '10.0.2.1'), both(T0 - 100 * S, '10.0.2.2')];
    expect(healthyNoSoonerThan(svc, tasks, lb({}, ['10.0.2.1', '10.0.2.2']))).toBe(T0 + 20 * S);
  });
});
