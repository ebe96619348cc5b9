/**
 * A pass whose target group read finds no room in ELB's Describe* budget plans with the inventory's
 * account of the group (pass/inputs.ts) rather than stopping: the plan still sees the healthy tasks and
 * goes on; a listener rule read without room falls back to the service's record of it, however old.
 */
import { describe, expect, it } from 'vitest';
import type { Service, TaskDefinition, TaskRecord } from '../../../lib/domain';
import { PacingDeadlineError } from '../../../lib/ecs/pacer';
import type { ElbGateway } from '../../../lib/elb/gateway';
import type { ListenerRules } from '../../../lib/elb/rules';
import { createPassReader } from '../../../lib/reconcile/pass/inputs';
import type { TugboatStore } from '../../../lib/store/port';
import { deployment, iso, S, service, T0 } from '../../support/plan';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/00000000000000aa';
const GREEN = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-g/00000000000000bb';
const RULE = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/alb/1/2/3';

const noRoom = () => Promise.reject(new PacingDeadlineError(3_000));
const elb = { describeTargetHealth: noRoom, healthCheckTiming: noRoom } as unknown as ElbGateway;
const store = {
  getTaskDefinition: async () =>
    ({
      family: 'web',
      revision: 1,
      containerDefinitions: [{ name: 'web', image: 'web' }],
    }) as unknown as TaskDefinition,
} as unknown as TugboatStore;

const healthyTask = (id: string): TaskRecord =>
  ({
    cluster: 'default',
    serviceName: 'web',
    taskArn: `arn:aws:ecs:us-east-1:000000000000:task/default/${id}`,
    taskId: id,
    deploymentId: 'dep-1',
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    healthStatus: 'UNKNOWN',
    privateIpv4Address: `10.0.0.${id.length}`,
    startedAt: iso(T0 - 300 * S),
    createdAt: iso(T0 - 310 * S),
    eventVersion: 3,
    updatedAt: iso(T0 - 300 * S),
    loadBalancing: { targets: [{ targetGroupArn: TG, port: 80 }], healthyAt: iso(T0 - 280 * S) },
  }) as TaskRecord;

const balanced = (overrides: Partial<Service> = {}) =>
  service({
    desiredCount: 1,
    loadBalancers: [{ targetGroupArn: TG, containerName: 'web', containerPort: 80 }],
    deployments: [deployment('dep-1', 'web:1', { rolloutState: 'IN_PROGRESS', desiredCount: 1 })],
    ...overrides,
  });

describe('reads without room in the Describe* budget', () => {
  it('plans with the inventory: a task recorded healthy counts healthy, and no read time is kept', async () => {
    const reader = createPassReader({
      deps: { store, elb, now: () => T0, newId: () => 'id', ecsFor: () => ({}) as never },
      called: () => undefined,
    });
    const planned = await reader.planWithRecords(balanced(), Promise.resolve([healthyTask('a')]), undefined, {
      deadline: T0 + 60_000,
    });
    expect(planned.result.deployments[0]?.healthyCount).toBe(1);
    expect(planned.result.deployments[0]?.rolloutState).toBe('COMPLETED');
    expect(planned.targetHealthRead.readAt).toEqual({});
  });

  it("takes a listener rule's record however old when it cannot be read, and waits for room without one", async () => {
    const rules = { readRules: noRoom, forwardWeights: noRoom } as unknown as ListenerRules;
    const shifting = (recorded: Service['listenerRuleWeights']) =>
      balanced({
        loadBalancers: [
          {
            targetGroupArn: TG,
            containerName: 'web',
            containerPort: 80,
            advancedConfiguration: {
              alternateTargetGroupArn: GREEN,
              productionListenerRule: RULE,
              roleArn: 'arn:aws:iam::000000000000:role/ecs',
            },
          },
        ],
        ...(recorded ? { listenerRuleWeights: recorded } : {}),
      });
    const reader = createPassReader({
      deps: {
        store,
        elb,
        listenerRules: rules,
        now: () => T0,
        newId: () => 'id',
        ecsFor: () => ({}) as never,
      },
      called: () => undefined,
    });
    const old = { [RULE]: { weights: { [TG]: 1 }, at: iso(T0 - 3_600 * S) } };
    const planned = await reader.planWithRecords(shifting(old), Promise.resolve([healthyTask('a')]));
    expect(planned.rulesRead).toBeUndefined();
    await expect(
      reader.planWithRecords(shifting(undefined), Promise.resolve([healthyTask('a')])),
    ).rejects.toBeInstanceOf(PacingDeadlineError);
  });
});
