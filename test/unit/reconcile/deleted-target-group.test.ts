/**
 * A target group deleted under a running service (ELB answers TargetGroupNotFound): the plan registers
 * nothing with it, says so in a service event naming it, and lets it hold no drain, so a stop waits for
 * the deregistration delay of the target groups that still exist, not for the reference's 300 s.
 */
import { describe, expect, it } from 'vitest';
import type { Service } from '../../../lib/domain';
import { plan } from '../../../lib/reconcile/plan/plan';
import type { LoadBalancingInput, ObservedTask, PlanResult } from '../../../lib/reconcile/plan/types';
import { deployment, ofType, S, service, T0, task } from '../../support/plan';

const KEPT = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/kept/00000000000000aa';
const GONE = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/gone/00000000000000bb';
const PORT = 8080;

const behind = (desiredCount: number, ...groups: string[]): Service =>
  service({
    desiredCount,
    loadBalancers: groups.map((targetGroupArn) => ({
      targetGroupArn,
      containerName: 'web',
      containerPort: PORT,
    })),
    deployments: [deployment('dep-1', 'web:1', { rolloutState: 'COMPLETED' })],
  });

let address = 0;
const registeredIn = (...groups: string[]): ObservedTask =>
  task('dep-1', {
    privateIpv4Address: `10.0.0.${++address}`,
    targets: {
      registered: groups.map((targetGroupArn) => ({ targetGroupArn, port: PORT })),
      healthyAt: T0 - 500 * S,
    },
  });

/** KEPT shows every task healthy, with a 5 s delay; GONE was deleted. */
const keptOnly = (tasks: ObservedTask[]): LoadBalancingInput => ({
  targetHealth: {
    [KEPT]: tasks.map((t) => ({ id: t.privateIpv4Address ?? '', port: PORT, state: 'healthy' as const })),
  },
  deregistrationDelaySeconds: { [KEPT]: 5 },
  notFound: [GONE],
});

const planOf = (svc: Service, tasks: ObservedTask[], lb: LoadBalancingInput): PlanResult =>
  plan({ service: svc, observedTasks: tasks, taskDefinitions: {}, now: T0, loadBalancing: lb });

describe('a target group deleted under the service', () => {
  it('registers a new task with the target groups that exist only, with an event naming the deleted one', () => {
    const old = [registeredIn(KEPT, GONE), registeredIn(KEPT, GONE)];
    const fresh = task('dep-1', { privateIpv4Address: '10.0.9.1' });
    const result = planOf(behind(3, KEPT, GONE), [...old, fresh], keptOnly(old));
    const registrations = ofType(result.actions, 'register-targets');
    expect(registrations.map((a) => a.targets)).toEqual([
      [{ targetGroupArn: KEPT, id: '10.0.9.1', port: PORT }],
    ]);
    expect(result.events).toContainEqual(expect.stringContaining(`target group ${GONE}`));
    expect(result.events.join('\n')).toContain('TargetGroupNotFound');
  });

  it('drains a task for the delay of the target groups that exist, not the 300 s default', () => {
    const tasks = [registeredIn(KEPT, GONE), registeredIn(KEPT, GONE), registeredIn(KEPT, GONE)];
    const result = planOf(behind(2, KEPT, GONE), tasks, keptOnly(tasks));
    const [drain] = ofType(result.actions, 'deregister-targets');
    expect(drain?.drain).toMatchObject({ delaySeconds: 5, stopDueAt: T0 + 5 * S });
    expect(drain?.targets.map((t) => t.targetGroupArn)).toEqual([KEPT]);
  });

  it('stops at once a task registered only with the deleted target group', () => {
    const tasks = [registeredIn(GONE), registeredIn(GONE)];
    const input: LoadBalancingInput = { targetHealth: {}, deregistrationDelaySeconds: {}, notFound: [GONE] };
    const result = planOf(behind(1, GONE), tasks, input);
    expect(ofType(result.actions, 'deregister-targets')).toEqual([]);
    expect(ofType(result.actions, 'stop')).toHaveLength(1);
    expect(ofType(result.actions, 'register-targets')).toEqual([]);
  });
});
