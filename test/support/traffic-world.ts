/**
 * A small world for the traffic-shift planner tests: ECS launches and stops what the plan says, every
 * registered target turns healthy (`checksTakeMs` after its registration), and ELB's listener rules forward
 * as the last ModifyRule set them (or as a test sets them behind the planner's back).
 */
import type {
  Deployment,
  DeploymentConfiguration,
  HookAnswer,
  HookExecution,
  HookResult,
  Service,
  TrafficShift,
} from '../../lib/domain';
import { newTrafficShift } from '../../lib/domain';
import { dueHook } from '../../lib/reconcile/pass/hooks';
import { plan } from '../../lib/reconcile/plan/plan';
import type { AlarmState, ObservedTask, PlanResult, TrafficInput } from '../../lib/reconcile/plan/types';
import { deployment, deploymentConfiguration, iso, S, service, T0 } from './plan';

export const BLUE = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/00000000000000b1';
export const GREEN =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-green/00000000000000e1';
export const PROD =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/alb/0000000000000001/00000000000000a1/00000000000000c1';
export const TEST =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/alb/0000000000000001/00000000000000a2/00000000000000c2';
export const MIN = 60 * S;

export class World {
  service: Service;
  tasks: ObservedTask[] = [];
  rules: Record<string, Record<string, number>> = {
    [PROD]: { [BLUE]: 1, [GREEN]: 0 },
    [TEST]: { [BLUE]: 1 },
  };
  alarms: Record<string, { state: AlarmState; reason?: string }> = {};
  /** The load balancer's figures of the last interval, as the pass would read them (analysis). */
  analysis: TrafficInput['analysis'];
  now = T0;
  /** The production share of GREEN after each pass that changed it. */
  shares: number[] = [];
  last?: PlanResult;
  /** Lifecycle hooks' answers, as the pass would get them calling a due hook before planning. */
  respond?: (execution: HookExecution) => HookAnswer;
  /** The hook calls made, in order. */
  hookCalls: HookExecution[] = [];
  /** How long a registered target stays `initial` before ELB calls it healthy (0: at once). */
  checksTakeMs = 0;
  private serial = 0;

  constructor(config: Partial<DeploymentConfiguration>, test = true) {
    const advancedConfiguration = {
      alternateTargetGroupArn: GREEN,
      productionListenerRule: PROD,
      ...(test ? { testListenerRule: TEST } : {}),
    };
    const old = deployment('dep-1', 'web:1', { rolloutState: 'COMPLETED', desiredCount: 2 });
    const base = service({
      desiredCount: 2,
      loadBalancers: [
        { targetGroupArn: BLUE, containerName: 'web', containerPort: 80, advancedConfiguration },
      ],
      deploymentConfiguration: deploymentConfiguration(config),
      deployments: [old],
    });
    for (let i = 0; i < 2; i++) this.launch('dep-1', BLUE);
    const next = deployment('dep-2', 'web:2', { createdAt: iso(T0 + 1) });
    const trafficShift = newTrafficShift(base, iso(T0)) as TrafficShift;
    this.service = {
      ...base,
      taskDefinition: 'web:2',
      deployments: [
        { ...next, trafficShift },
        { ...old, status: 'ACTIVE' },
      ],
    };
  }

  private launch(deploymentId: string, registeredIn?: string): ObservedTask {
    const n = ++this.serial;
    const t: ObservedTask = {
      taskArn: `arn:aws:ecs:us-east-1:000000000000:task/default/${deploymentId}-${n}`,
      deploymentId,
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      healthStatus: 'UNKNOWN',
      createdAt: this.now,
      startedAt: this.now,
      privateIpv4Address: `10.0.0.${n}`,
      ...(registeredIn
        ? { targets: { registered: [{ targetGroupArn: registeredIn, port: 80 }], healthyAt: this.now } }
        : {}),
    };
    this.tasks.push(t);
    return t;
  }

  get primary(): Deployment {
    return this.service.deployments.find((d) => d.status === 'PRIMARY') as Deployment;
  }
  share(rule = PROD): number {
    const weights = this.rules[rule] ?? {};
    const total = Object.values(weights).reduce((a, b) => a + b, 0);
    return Math.round(((weights[GREEN] ?? 0) * 1000) / total) / 10;
  }
  live(deploymentId: string): ObservedTask[] {
    return this.tasks.filter((t) => t.deploymentId === deploymentId && t.desiredStatus === 'RUNNING');
  }

  /** Every live task of the deployment exits on its own (an essential container exited). */
  die(deploymentId: string): void {
    for (const t of this.live(deploymentId))
      Object.assign(t, {
        desiredStatus: 'STOPPED',
        lastStatus: 'STOPPED',
        stopCode: 'EssentialContainerExited',
        stoppedAt: this.now,
      });
  }

  pass(): PlanResult {
    const targetHealth: Record<string, { id: string; port: number; state: 'healthy' | 'initial' }[]> = {
      [BLUE]: [],
      [GREEN]: [],
    };
    for (const t of this.tasks) {
      if (t.desiredStatus !== 'RUNNING' || t.targets?.drain) continue;
      const checked = (t.targets?.healthyAt ?? this.now) + this.checksTakeMs <= this.now;
      for (const target of t.targets?.registered ?? [])
        targetHealth[target.targetGroupArn]?.push({
          id: t.privateIpv4Address ?? '',
          port: 80,
          state: checked ? 'healthy' : 'initial',
        });
    }
    // The pass's own choice of the due call (the shifting PRIMARY's, else a rollback's).
    const due = dueHook(this.service, this.now)?.execution;
    let hookResult: HookResult | undefined;
    if (due && this.respond) {
      this.hookCalls.push(due);
      hookResult = {
        executionId: due.executionId,
        at: new Date(this.now).toISOString(),
        answer: this.respond(due),
      };
    }
    const result = plan({
      service: this.service,
      ...(hookResult ? { hookResult } : {}),
      observedTasks: this.tasks,
      taskDefinitions: {},
      now: this.now,
      loadBalancing: { targetHealth, deregistrationDelaySeconds: { [BLUE]: 0, [GREEN]: 0 } },
      traffic: {
        rules: this.rules,
        alarms: this.alarms,
        ...(this.analysis ? { analysis: this.analysis } : {}),
      },
    });
    const before = this.share();
    for (const action of result.actions) {
      if (action.type === 'launch') for (let i = 0; i < action.count; i++) this.launch(action.deploymentId);
      if (action.type === 'register-targets') {
        const t = this.tasks.find((x) => x.taskArn === action.taskArn) as ObservedTask;
        t.targets = {
          registered: action.targets.map(({ targetGroupArn, port }) => ({ targetGroupArn, port })),
          healthyAt: this.now,
        };
      }
      if (action.type === 'deregister-targets' && action.drain && action.taskArn) {
        const t = this.tasks.find((x) => x.taskArn === action.taskArn) as ObservedTask;
        t.targets = {
          registered: t.targets?.registered ?? [],
          drain: { deregisteredAt: this.now, ...action.drain },
        };
      }
      if (action.type === 'stop') {
        const t = this.tasks.find((x) => x.taskArn === action.taskArn) as ObservedTask;
        Object.assign(t, {
          desiredStatus: 'STOPPED',
          lastStatus: 'STOPPED',
          stopCode: 'ServiceSchedulerInitiated',
          stoppedAt: this.now,
        });
      }
      if (action.type === 'set-traffic')
        this.rules[action.listenerRule] = Object.fromEntries(
          action.weights.map((w) => [w.targetGroupArn, w.weight]),
        );
    }
    if (this.share() !== before) this.shares.push(this.share());
    this.service = {
      ...this.service,
      taskDefinition: result.taskDefinition,
      deployments: result.deployments,
      ...(result.servingTargetGroups ? { servingTargetGroups: result.servingTargetGroups } : {}),
    };
    this.last = result;
    return result;
  }

  /** Passes, a minute apart, until the PRIMARY is no longer IN_PROGRESS (or `limit` minutes). */
  run(limit = 120, each?: (world: World) => void): void {
    for (let i = 0; i < limit && this.primary.rolloutState === 'IN_PROGRESS'; i++) {
      this.pass();
      each?.(this);
      this.now += MIN;
    }
  }
}

/**
 * A canary (10 %, 2 min bake, 3 min bake after) of a service with minReadySeconds 120, passed minute by
 * minute until production shows the canary's share.
 */
export const slowReadyCanaryAt10Percent = (): World => {
  const world = new World({
    strategy: 'CANARY',
    canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 2 },
    bakeTimeInMinutes: 3,
    minReadySeconds: 120,
  });
  for (let i = 0; i < 10 && world.share() !== 10; i++) {
    world.pass();
    world.now += MIN;
  }
  return world;
};
