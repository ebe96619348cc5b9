import { describe, expect, it } from 'vitest';
import type { Service } from '../../../lib/domain';
import { plan } from '../../../lib/reconcile/plan/plan';
import type {
  Action,
  LoadBalancingInput,
  ObservedTarget,
  ObservedTask,
  PlanInput,
  PlanResult,
  TargetState,
} from '../../../lib/reconcile/plan/types';
import {
  deployment,
  deploymentConfiguration,
  task as observedTask,
  rollingService,
  S,
  service,
  T0,
} from '../../support/plan';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef';
const PORT = 8080;
const LB = [{ targetGroupArn: TG, containerName: 'web', containerPort: PORT }];

let address = 0;
/** A RUNNING task with an address, registered (recorded) with the target group unless told otherwise. */
const task = (deploymentId: string, overrides: Partial<ObservedTask> = {}): ObservedTask =>
  observedTask(deploymentId, {
    privateIpv4Address: `10.0.0.${++address}`,
    targets: { registered: [{ targetGroupArn: TG, port: PORT }], healthyAt: T0 - 500 * S },
    ...overrides,
  });
const tasks = (deploymentId: string, n: number, overrides: Partial<ObservedTask> = {}) =>
  Array.from({ length: n }, () => task(deploymentId, overrides));

/** The target group as DescribeTargetHealth shows it: each task's target in the given state. */
const group = (
  entries: Array<[ObservedTask, TargetState]>,
  extra: ObservedTarget[] = [],
): LoadBalancingInput => ({
  targetHealth: {
    [TG]: [...entries.map(([t, state]) => ({ id: t.privateIpv4Address ?? '', port: PORT, state })), ...extra],
  },
  deregistrationDelaySeconds: { [TG]: 30 },
});
const allIn = (list: ObservedTask[], state: TargetState) =>
  list.map((t): [ObservedTask, TargetState] => [t, state]);

const balanced = (overrides: Partial<Service> = {}) =>
  service({
    desiredCount: 3,
    loadBalancers: LB,
    deploymentConfiguration: deploymentConfiguration({ minimumHealthyPercent: 100, maximumPercent: 200 }),
    ...overrides,
  });

/** A deploy from dep-1 (web:1, COMPLETED) to dep-2 (web:2, PRIMARY). */
const rolling = (overrides: Partial<Service> = {}) =>
  rollingService(3, 100, 200, { loadBalancers: LB, ...overrides });

const input = (svc: Service, observedTasks: ObservedTask[], lb: LoadBalancingInput, now = T0): PlanInput => ({
  service: svc,
  observedTasks,
  taskDefinitions: { 'web:1': { hasHealthCheck: false }, 'web:2': { hasHealthCheck: false } },
  now,
  loadBalancing: lb,
});

const ofType = <T extends Action['type']>(result: PlanResult, type: T) =>
  result.actions.filter((a): a is Extract<Action, { type: T }> => a.type === type);
const launched = (result: PlanResult) => ofType(result, 'launch').reduce((n, a) => n + a.count, 0);
const drainedArns = (result: PlanResult) =>
  ofType(result, 'deregister-targets').flatMap((a) => (a.drain && a.taskArn ? [a.taskArn] : []));

describe('plan() with target groups: registration', () => {
  it('registers each RUNNING task, by its address and the container port, with every target group', () => {
    const other = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/api/00000000000000ff';
    const svc = balanced({
      loadBalancers: [...LB, { targetGroupArn: other, containerName: 'web', containerPort: 9090 }],
    });
    const fresh = tasks('dep-1', 2, { targets: undefined });
    const pending = task('dep-1', { lastStatus: 'PENDING', startedAt: undefined, targets: undefined });
    const result = plan(
      input(svc, [...fresh, pending], {
        targetHealth: { [TG]: [], [other]: [] },
        deregistrationDelaySeconds: {},
      }),
    );
    const registrations = ofType(result, 'register-targets');
    expect(registrations.map((a) => a.taskArn).sort()).toEqual(fresh.map((t) => t.taskArn).sort());
    for (const [index, t] of fresh.entries()) {
      expect(registrations.find((a) => a.taskArn === t.taskArn)?.targets).toEqual([
        { targetGroupArn: TG, port: PORT, id: fresh[index]?.privateIpv4Address },
        { targetGroupArn: other, port: 9090, id: fresh[index]?.privateIpv4Address },
      ]);
    }
  });

  it('registers nothing for a task that is registered and that the target group shows', () => {
    const running = tasks('dep-1', 3);
    const result = plan(input(balanced(), running, group(allIn(running, 'healthy'))));
    expect(ofType(result, 'register-targets')).toEqual([]);
    expect(ofType(result, 'deregister-targets')).toEqual([]);
  });

  it('registers again a recorded target the target group no longer has', () => {
    const [gone, ...kept] = tasks('dep-1', 3);
    const result = plan(input(balanced(), [gone!, ...kept], group(allIn(kept, 'healthy'))));
    expect(ofType(result, 'register-targets').map((a) => a.taskArn)).toEqual([gone!.taskArn]);
  });
});

describe('plan() with target groups: the health gate', () => {
  it('a RUNNING task whose target is not yet healthy is not healthy: the deploy keeps the old tasks', () => {
    const old = tasks('dep-1', 3);
    const fresh = tasks('dep-2', 3, { targets: { registered: [{ targetGroupArn: TG, port: PORT }] } });
    const result = plan(
      input(rolling(), [...old, ...fresh], group([...allIn(old, 'healthy'), ...allIn(fresh, 'initial')])),
    );
    expect(drainedArns(result)).toEqual([]);
    expect(ofType(result, 'stop')).toEqual([]);
    expect(result.deployments.find((d) => d.id === 'dep-2')?.rolloutState).toBe('IN_PROGRESS');
    expect(result.deployments.find((d) => d.id === 'dep-2')?.healthyTargets).toBe(0);
    expect(result.deployments.find((d) => d.id === 'dep-1')?.healthyTargets).toBe(3);
  });

  it('the same tasks with healthy targets let the old ones go', () => {
    const old = tasks('dep-1', 3);
    const fresh = tasks('dep-2', 3);
    const result = plan(input(rolling(), [...old, ...fresh], group(allIn([...old, ...fresh], 'healthy'))));
    expect(drainedArns(result).sort()).toEqual(old.map((t) => t.taskArn).sort());
  });

  it('records the first time every target of a task is healthy', () => {
    const [first, second] = tasks('dep-1', 2, {
      targets: { registered: [{ targetGroupArn: TG, port: PORT }] },
    });
    const result = plan(
      input(
        balanced({ desiredCount: 2 }),
        [first!, second!],
        group([
          [first!, 'healthy'],
          [second!, 'initial'],
        ]),
      ),
    );
    expect(ofType(result, 'mark-targets-healthy').map((a) => a.taskArn)).toEqual([first!.taskArn]);
  });
});

describe('plan() with target groups: draining before stopping', () => {
  it('deregisters a replaced task first, with StopTask due after the deregistration delay', () => {
    const old = tasks('dep-1', 1);
    const fresh = tasks('dep-2', 3);
    const result = plan(input(rolling(), [...old, ...fresh], group(allIn([...old, ...fresh], 'healthy'))));
    expect(ofType(result, 'stop')).toEqual([]);
    const [drain] = ofType(result, 'deregister-targets');
    expect(drain).toMatchObject({
      taskArn: old[0]?.taskArn,
      targets: [{ targetGroupArn: TG, id: old[0]?.privateIpv4Address, port: PORT }],
      drain: { stopDueAt: T0 + 30 * S, cause: 'replaced' },
    });
  });

  it('stops a draining task only once its delay is over, with the reason recorded at deregistration', () => {
    const drain = {
      deregisteredAt: T0 - 10 * S,
      stopDueAt: T0 + 20 * S,
      cause: 'scale-in' as const,
      reason: 'scaled in',
    };
    const draining = task('dep-1', {
      targets: { registered: [{ targetGroupArn: TG, port: PORT }], healthyAt: T0 - 500 * S, drain },
    });
    const others = tasks('dep-1', 2);
    const lb = group([[draining, 'draining'], ...allIn(others, 'healthy')]);
    const svc = balanced({ desiredCount: 2 });
    const early = plan(input(svc, [draining, ...others], lb));
    expect(ofType(early, 'stop')).toEqual([]);
    expect(ofType(early, 'hold')).toContainEqual(expect.objectContaining({ until: T0 + 20 * S }));
    expect(ofType(early, 'deregister-targets')).toEqual([]);
    const due = plan(input(svc, [draining, ...others], lb, T0 + 20 * S));
    expect(ofType(due, 'stop')).toEqual([
      {
        type: 'stop',
        taskArn: draining.taskArn,
        deploymentId: 'dep-1',
        cause: 'scale-in',
        reason: 'scaled in',
      },
    ]);
  });

  it('a draining task still counts toward maximumPercent', () => {
    const drain = {
      deregisteredAt: T0 - 10 * S,
      stopDueAt: T0 + 20 * S,
      cause: 'replaced' as const,
      reason: 'replaced',
    };
    const draining = tasks('dep-1', 3, {
      targets: { registered: [{ targetGroupArn: TG, port: PORT }], drain },
    });
    const svc = rolling({
      deploymentConfiguration: deploymentConfiguration({ minimumHealthyPercent: 0, maximumPercent: 100 }),
    });
    const result = plan(input(svc, draining, group(allIn(draining, 'draining'))));
    expect(launched(result)).toBe(0);
    // Once they are stopped, the room is there.
    const after = plan(input(svc, draining, group(allIn(draining, 'draining')), T0 + 20 * S));
    expect(ofType(after, 'stop')).toHaveLength(3);
    expect(launched(after)).toBe(3);
  });

  it('a draining task no longer counts toward minimumHealthyPercent', () => {
    const drain = {
      deregisteredAt: T0 - 10 * S,
      stopDueAt: T0 + 20 * S,
      cause: 'replaced' as const,
      reason: 'replaced',
    };
    const draining = task('dep-1', { targets: { registered: [{ targetGroupArn: TG, port: PORT }], drain } });
    const old = tasks('dep-1', 2);
    const fresh = tasks('dep-2', 3);
    const [notReady] = fresh;
    const lb = group([
      [draining, 'draining'],
      ...allIn(old, 'healthy'),
      [notReady!, 'initial'],
      ...allIn(fresh.slice(1), 'healthy'),
    ]);
    // Healthy: 2 old + 2 new = 4 against a floor of 3, so one old task may go, not two.
    const result = plan(input(rolling(), [draining, ...old, ...fresh], lb));
    expect(drainedArns(result)).toHaveLength(1);
  });

  it('a task without targets is stopped at once, as before', () => {
    const old = tasks('dep-1', 1, { targets: undefined });
    const fresh = tasks('dep-2', 3);
    const result = plan(input(rolling(), [...old, ...fresh], group(allIn(fresh, 'healthy'))));
    expect(ofType(result, 'stop').map((a) => a.taskArn)).toEqual([old[0]?.taskArn]);
  });
});

describe('plan() with target groups: the grace period', () => {
  const grace = (seconds: number) => balanced({ healthCheckGracePeriodSeconds: seconds });

  it('an unhealthy target inside the grace period stops nothing', () => {
    const sick = task('dep-1', { startedAt: T0 - 10 * S });
    const others = tasks('dep-1', 2);
    const result = plan(
      input(grace(30), [sick, ...others], group([[sick, 'unhealthy'], ...allIn(others, 'healthy')])),
    );
    expect(drainedArns(result)).toEqual([]);
    expect(ofType(result, 'stop')).toEqual([]);
  });

  it('after the grace period an unhealthy target makes the task UNHEALTHY: drained, then replaced, in ECS words', () => {
    const sick = task('dep-1', { startedAt: T0 - 10 * S });
    const others = tasks('dep-1', 2);
    const lb = group(allIn(others, 'healthy'), [
      {
        id: sick.privateIpv4Address ?? '',
        port: PORT,
        state: 'unhealthy',
        reason: 'Target.ResponseCodeMismatch',
        description: 'Health checks failed with these codes: [500]',
      },
    ]);
    const result = plan(input(grace(5), [sick, ...others], lb));
    const [drain] = ofType(result, 'deregister-targets');
    expect(drain?.taskArn).toBe(sick.taskArn);
    expect(drain?.drain?.cause).toBe('unhealthy');
    // ECS's stoppedReason for a target group's failed health check, not the container health check's.
    expect(drain?.drain?.reason).toBe(`Task failed ELB health checks in (target-group ${TG})`);
    const id = sick.taskArn.split('/').pop();
    expect(result.events).toContain(
      `service web (task ${id}) (port ${PORT}) is unhealthy in target-group ${TG} due to (reason Target.ResponseCodeMismatch: Health checks failed with these codes: [500]).`,
    );
  });

  it('a task stopped for unhealthy targets is a failed task, whether or not its targets were ever healthy', () => {
    const stoppedAs = (healthyAt: number | undefined) =>
      task('dep-2', {
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        stoppedAt: T0 - 5 * S,
        stopCode: 'UserInitiated',
        stoppedReason: `Task failed ELB health checks in (target-group ${TG})`,
        targets: { registered: [{ targetGroupArn: TG, port: PORT }], ...(healthyAt ? { healthyAt } : {}) },
      });
    const svc = rolling({
      deploymentConfiguration: deploymentConfiguration({
        deploymentCircuitBreaker: { enable: true, rollback: true },
      }),
    });
    const old = tasks('dep-1', 3);
    const lb = group(allIn(old, 'healthy'));
    const never = plan(input(svc, [...old, stoppedAs(undefined), stoppedAs(undefined)], lb));
    expect(never.deployments.find((d) => d.id === 'dep-2')?.failedTasks).toBe(2);
    const wasHealthy = plan(input(svc, [...old, stoppedAs(T0 - 60 * S), stoppedAs(T0 - 60 * S)], lb));
    expect(wasHealthy.deployments.find((d) => d.id === 'dep-2')?.failedTasks).toBe(2);
  });
});

describe('plan() with target groups: strays', () => {
  it('deregisters targets of its tasks that are no running task, draining ones and any other target left alone', () => {
    const running = tasks('dep-1', 3);
    const stoppedOnItsOwn = task('dep-1', {
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stoppedAt: T0 - 5 * S,
      stopCode: 'EssentialContainerExited',
    });
    const lb = group(
      [...allIn(running, 'healthy'), [stoppedOnItsOwn, 'unhealthy']],
      [
        { id: '10.9.9.9', port: PORT, state: 'healthy' },
        { id: '10.9.9.8', port: 9999, state: 'healthy' },
        { id: '10.9.9.7', port: PORT, state: 'draining' },
      ],
    );
    const result = plan(input(balanced(), [...running, stoppedOnItsOwn], lb));
    const deregistrations = ofType(result, 'deregister-targets');
    expect(deregistrations).toHaveLength(1);
    expect(deregistrations[0]?.taskArn).toBeUndefined();
    // 10.9.9.9 is on the service's port, but Tugboat registered no task of the service there.
    expect(deregistrations[0]?.targets).toEqual([
      { targetGroupArn: TG, id: stoppedOnItsOwn.privateIpv4Address, port: PORT },
    ]);
  });

  it('a steady service whose targets are all healthy plans no target action at all', () => {
    const running = tasks('dep-1', 3);
    const svc = balanced({
      runningCount: 3,
      deployments: [deployment('dep-1', 'web:1', { rolloutState: 'COMPLETED', healthyCount: 3 })],
    });
    const result = plan(input(svc, running, group(allIn(running, 'healthy'))));
    expect(result.actions.filter((a) => a.type !== 'hold')).toEqual([]);
    expect(result.deployments[0]).toMatchObject({ healthyTargets: 3, drainingTargets: 0 });
  });
});
