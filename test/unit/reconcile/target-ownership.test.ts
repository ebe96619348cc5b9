/**
 * What the stray sweep may touch: only targets Tugboat registered for the service's own tasks, and only
 * in the target groups the service still looks after. A service that moved off a target group stops
 * touching it once its tasks there are gone, however long the inventory keeps the STOPPED ones.
 */
import { describe, expect, it } from 'vitest';
import type { Service, TaskRecord } from '../../../lib/domain';
import { targetGroupsToRead } from '../../../lib/reconcile/pass/apply-target-actions';
import { plan } from '../../../lib/reconcile/plan/plan';
import type { LoadBalancingInput, ObservedTask, TargetState } from '../../../lib/reconcile/plan/types';
import { deployment, iso, ofType, S, service, T0, task } from '../../support/plan';

const OLD = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/old/00000000000000aa';
const NEW = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/new/00000000000000bb';
const PORT = 8080;

/** Moved from OLD (dep-1, `oldStatus`) to NEW (dep-2, PRIMARY). */
const moved = (oldStatus: 'ACTIVE' | 'INACTIVE'): Service =>
  service({
    desiredCount: 2,
    taskDefinition: 'web:1',
    loadBalancers: [{ targetGroupArn: NEW, containerName: 'web', containerPort: PORT }],
    deployments: [
      deployment('dep-2', 'web:1', { createdAt: iso(T0 - 3600 * S), rolloutState: 'COMPLETED' }),
      deployment('dep-1', 'web:1', { status: oldStatus, createdAt: iso(T0 - 7200 * S) }),
    ],
  });

const inGroup = (deploymentId: string, ip: string, group: string, overrides: Partial<ObservedTask> = {}) =>
  task(deploymentId, {
    privateIpv4Address: ip,
    targets: { registered: [{ targetGroupArn: group, port: PORT }], healthyAt: T0 - 3000 * S },
    ...overrides,
  });
const stoppedOnItsOwn = {
  lastStatus: 'STOPPED',
  desiredStatus: 'STOPPED',
  stopCode: 'EssentialContainerExited',
  stoppedAt: T0 - 5 * S,
} as const;

const health = (groups: Record<string, Array<[string, TargetState]>>): LoadBalancingInput => ({
  targetHealth: Object.fromEntries(
    Object.entries(groups).map(([arn, targets]) => [
      arn,
      targets.map(([id, state]) => ({ id, port: PORT, state })),
    ]),
  ),
  deregistrationDelaySeconds: { [OLD]: 30, [NEW]: 30 },
});

const strays = (svc: Service, tasks: ObservedTask[], lb: LoadBalancingInput) =>
  ofType(
    plan({ service: svc, observedTasks: tasks, taskDefinitions: {}, now: T0, loadBalancing: lb }).actions,
    'deregister-targets',
  )
    .filter((action) => action.taskArn === undefined)
    .flatMap((action) => action.targets.map((t) => `${t.targetGroupArn === OLD ? 'old' : 'new'} ${t.id}`));

const record = (deploymentId: string, lastStatus: string, group: string): TaskRecord =>
  ({
    cluster: 'default',
    serviceName: 'web',
    taskArn: `arn:aws:ecs:us-east-1:000000000000:task/default/${deploymentId}-${lastStatus}`,
    taskId: `${deploymentId}-${lastStatus}`,
    deploymentId,
    lastStatus,
    desiredStatus: lastStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING',
    healthStatus: 'UNKNOWN',
    loadBalancing: { targets: [{ targetGroupArn: group, port: PORT }] },
    eventVersion: 1,
    updatedAt: iso(T0),
  }) as TaskRecord;

describe('the stray sweep', () => {
  const running = [inGroup('dep-2', '10.0.1.1', NEW), inGroup('dep-2', '10.0.1.2', NEW)];
  const newHealthy: Array<[string, TargetState]> = [
    ['10.0.1.1', 'healthy'],
    ['10.0.1.2', 'healthy'],
  ];

  it('leaves a target group alone once the service moved off it and its tasks there are gone', () => {
    // A task of the old deployment, STOPPED days ago, was registered in OLD from 10.0.0.50; the group now
    // serves another service, one of whose tasks got that address.
    const longGone = inGroup('dep-1', '10.0.0.50', OLD, {
      ...stoppedOnItsOwn,
      stoppedAt: T0 - 3 * 86400 * S,
    });
    const lb = health({ [NEW]: newHealthy, [OLD]: [['10.0.0.50', 'healthy']] });
    expect(strays(moved('INACTIVE'), [...running, longGone], lb)).toEqual([]);
    // Nor does the pass read it.
    expect(
      targetGroupsToRead(moved('INACTIVE'), [
        record('dep-2', 'RUNNING', NEW),
        record('dep-1', 'STOPPED', OLD),
      ]),
    ).toEqual([NEW]);
  });

  it('still sweeps its own tasks’ targets in the old group while the old deployment has tasks there', () => {
    const draining = inGroup('dep-1', '10.0.0.51', OLD, {
      targets: {
        registered: [{ targetGroupArn: OLD, port: PORT }],
        drain: { deregisteredAt: T0 - S, stopDueAt: T0 + 29 * S, cause: 'replaced', reason: 'replaced' },
      },
    });
    const crashed = inGroup('dep-1', '10.0.0.52', OLD, stoppedOnItsOwn);
    const lb = health({
      [NEW]: newHealthy,
      [OLD]: [
        ['10.0.0.51', 'draining'],
        ['10.0.0.52', 'unhealthy'],
        // Registered by someone else: none of Tugboat's business.
        ['10.0.9.9', 'healthy'],
      ],
    });
    expect(strays(moved('ACTIVE'), [...running, draining, crashed], lb)).toEqual(['old 10.0.0.52']);
    expect(
      targetGroupsToRead(moved('ACTIVE'), [record('dep-2', 'RUNNING', NEW), record('dep-1', 'STOPPED', OLD)]),
    ).toEqual([NEW, OLD]);
  });

  it('never deregisters a target of its group that no task of the service was registered as', () => {
    const lb = health({ [NEW]: [...newHealthy, ['10.0.7.7', 'healthy'], ['10.0.7.8', 'unhealthy']] });
    expect(strays(moved('INACTIVE'), running, lb)).toEqual([]);
  });
});
