/**
 * Progressive delivery in a fuzzed run: each progressive service gets an alternate target group, a listener
 * of its own on one load balancer (its production rule a `/*` rule or the listener's default action) and
 * sometimes a test listener, with its requests per second set through the local ELB's traffic model. The
 * reconcilers get listener rules, an in-process alarm (its states scheduled by the scenario, to the
 * millisecond), analysis from the local CloudWatch, and an in-process hook invoker answering as drawn and
 * recording every call. What Tugboat writes is mirrored, and the rules are read at every change and step,
 * for the invariants of invariants-progressive.ts.
 */
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Fleet } from '../../bench/support/fleet';
import { startFleetCloudWatch } from '../../bench/support/fleet-cloudwatch';
import type { HookAnswer, HookPayload, LifecycleHookStage, Service } from '../../lib/domain';
import type { Pacer } from '../../lib/ecs/pacer';
import { createListenerRules } from '../../lib/elb/rules';
import type { AlarmState } from '../../lib/reconcile/plan/types';
import { readAnalysisFigures } from '../../lib/scaling/analysis-metrics';
import { createMetricReader } from '../../lib/scaling/cloudwatch';
import type { ServiceDraw, TimedAction } from './generators';
import type { HookDraw } from './generators-progressive';
import type { Violation } from './invariants';
import {
  emptyGroupMemory,
  type HookCall,
  hooksOnlyWhileLive,
  newerShiftOnto,
  noTrafficToEmptyGroup,
  type RollbackRecord,
  type RuleView,
  rollbackClearsProduction,
  type Weights,
  weightsNeverAllZero,
} from './invariants-progressive';

const FIRST_PORT = 9000;
export const alarmNameOf = (service: string) => `fz-${service}-alarm`;

interface Wiring {
  service: string;
  blue: string;
  green: string;
  production: string;
  productionListener: string;
  test?: string;
}

export const startProgressive = async (
  fleet: Fleet,
  scenario: { services: ServiceDraw[]; actions: TimedAction[] },
  t0: number,
) => {
  const lb = fleet.loadBalancing;
  const drawn = scenario.services.filter((s) => s.progressive);
  if (!lb || drawn.length === 0) return undefined;
  const { time } = fleet;
  const elb = lb.server.elb;
  const violations: Violation[] = [];
  const wirings = new Map<string, Wiring>();
  const ruleOwners = new Map<string, string>();
  const hooks = new Map<string, HookDraw>();
  for (const draw of drawn) for (const hook of draw.progressive!.hooks) hooks.set(hook.hookTargetArn, hook);
  const hookCalls: HookCall[] = [];
  const callsByExecution = new Map<string, number>();
  const mirror = new Map<string, Service>();
  const deletedAt = new Map<string, number>();
  const rollbacks: RollbackRecord[] = [];
  const seenFailed = new Set<string>();
  const starvedSince = emptyGroupMemory();

  // Alarm states by the scenario's schedule, exact to the millisecond of the virtual clock.
  const alarmSchedule = scenario.actions
    .filter((a) => a.action.kind === 'alarm')
    .map((a) => ({ at: t0 + a.atMs, ...(a.action as { service: string; state: AlarmState }) }));
  const alarmState = (service: string, now: number): AlarmState =>
    alarmSchedule.filter((a) => a.service === service && a.at <= now).at(-1)?.state ?? 'OK';

  const weightsOf = (arn: string): Weights | undefined => {
    const listener = elb.balancers.listeners.get(arn);
    const rule = elb.balancers.rules.get(listener ? listener.defaultRuleArn : arn);
    const forward = rule?.actions.find((action) => action.type === 'forward');
    if (!forward) return undefined;
    return Object.fromEntries((forward.forward?.groups ?? []).map((group) => [group.arn, group.weight]));
  };

  // Every rule change the load balancer applies, checked as it is applied.
  const handle = elb.handle.bind(elb);
  elb.handle = (action, input) => {
    const output = handle(action, input);
    const arn = (input.RuleArn ?? input.ListenerArn) as string | undefined;
    if ((action === 'ModifyRule' || action === 'ModifyListener') && arn && ruleOwners.has(arn)) {
      const weights = weightsOf(arn);
      if (weights) violations.push(...weightsNeverAllZero(ruleOwners.get(arn)!, arn, weights, elb.now()));
    }
    return output;
  };

  // What Tugboat writes (the API's and the reconcilers'): the service as last written, and each failure
  // with rollback as it is first written.
  const store = fleet.store;
  const observe = (next: Service) => {
    if (!wirings.has(next.serviceName)) return;
    mirror.set(next.serviceName, next);
    for (const d of next.deployments) {
      if (d.rolloutState !== 'FAILED' || d.trafficShift?.stage !== 'ROLLBACK' || seenFailed.has(d.id))
        continue;
      seenFailed.add(d.id);
      rollbacks.push({
        service: next.serviceName,
        deploymentId: d.id,
        failedAt: time.now(),
        at: time.now(),
        routes: d.trafficShift.routes.flatMap((r) =>
          r.productionListenerRule ? [{ rule: r.productionListenerRule, to: r.to, from: r.from }] : [],
        ),
      });
    }
  };
  const createService = store.createService.bind(store);
  store.createService = async (service) => {
    await createService(service);
    observe(service);
  };
  const updateService = store.updateService.bind(store);
  store.updateService = async (next, previous) => {
    await updateService(next, previous);
    observe(next);
  };

  const invokeHook = async (target: string, payload: HookPayload, timeoutMs: number): Promise<HookAnswer> => {
    const parts = payload.resourceArn.split('/');
    const call: HookCall = {
      at: time.now(),
      service: parts.at(-2) ?? '?',
      deploymentId: parts.at(-1) ?? '?',
      stage: payload.lifecycleStage as LifecycleHookStage,
      target,
    };
    hookCalls.push(call);
    violations.push(...hooksOnlyWhileLive(call, mirror.get(call.service), deletedAt.get(call.service)));
    const hook = hooks.get(target);
    if (!hook) return { error: `fuzz: no hook ${target}` };
    const n = callsByExecution.get(payload.executionId) ?? 0;
    callsByExecution.set(payload.executionId, n + 1);
    const answer = hook.answers[Math.min(n, hook.answers.length - 1)]!;
    switch (answer.kind) {
      case 'SUCCEEDED':
      case 'FAILED':
        return { hookStatus: answer.kind };
      case 'IN_PROGRESS':
        return { hookStatus: 'IN_PROGRESS', callBackDelay: answer.callBackDelay };
      case 'throw':
        throw new Error(`fuzz: the invoker of ${target} threw`);
      case 'slow':
        if (answer.ms >= timeoutMs) {
          await time.sleep(timeoutMs);
          return { error: `no answer within ${Math.round(timeoutMs / 1000)} s` };
        }
        await time.sleep(answer.ms);
        return { hookStatus: answer.answer };
    }
  };

  const optionalPacer = (describePacer: Pacer | undefined) => (describePacer ? { describePacer } : {});
  const cloudWatch = await startFleetCloudWatch(fleet);
  const metricReader = createMetricReader(cloudWatch.client);
  fleet.setReconcilerExtras((instance) => ({
    listenerRules: createListenerRules({
      client: lb.client,
      sleep: time.sleep,
      random: fleet.random,
      now: time.now,
      // Paced with the instance's gateway, as deployed (lib/wiring-reconciler.ts).
      ...optionalPacer(fleet.describePacerOf(instance)),
    }),
    alarmStates: async (names) =>
      Object.fromEntries(
        names.map((name) => {
          const service = name.replace(/^fz-/, '').replace(/-alarm$/, '');
          const state = alarmState(service, time.now());
          return [name, { state, ...(state === 'ALARM' ? { reason: 'fuzz: alarm fired' } : {}) }];
        }),
      ),
    analysisFigures: (target, start, end) => readAnalysisFigures(metricReader, target, start, end),
    invokeHook,
  }));

  let loadBalancerArn: string | undefined;
  let port = FIRST_PORT;
  const forwardTo = (arn: string) => [
    { Type: 'forward' as const, ForwardConfig: { TargetGroups: [{ TargetGroupArn: arn, Weight: 1 }] } },
  ];
  const listener = async (blue: string): Promise<string> => {
    loadBalancerArn ??= (await lb.client.send(new CreateLoadBalancerCommand({ Name: 'fz-pd' })))
      .LoadBalancers?.[0]?.LoadBalancerArn;
    const created = await lb.client.send(
      new CreateListenerCommand({
        LoadBalancerArn: loadBalancerArn,
        Protocol: 'HTTP',
        Port: port++,
        DefaultActions: forwardTo(blue),
      }),
    );
    const arn = created.Listeners?.[0]?.ListenerArn;
    if (!arn) throw new Error('local ELB: CreateListener returned no listener');
    return arn;
  };

  return {
    violations,
    hookCalls,
    /** The alternate group, listeners and rules of a progressive service; its load balancer entry. */
    async setUp(draw: ServiceDraw, blue: string) {
      const progressive = draw.progressive!;
      const green = await lb.createTargetGroup(`fz-${draw.name}-g`);
      const productionListener = await listener(blue);
      let production = productionListener;
      if (progressive.productionOn === 'rule') {
        const rule = await lb.client.send(
          new CreateRuleCommand({
            ListenerArn: productionListener,
            Priority: 1,
            Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
            Actions: forwardTo(blue),
          }),
        );
        production = rule.Rules?.[0]?.RuleArn as string;
      }
      const test = progressive.testListener ? await listener(blue) : undefined;
      const wiring: Wiring = {
        service: draw.name,
        blue,
        green,
        production,
        productionListener,
        ...(test ? { test } : {}),
      };
      wirings.set(draw.name, wiring);
      ruleOwners.set(production, draw.name);
      if (test) ruleOwners.set(test, draw.name);
      this.setRate(draw.name, progressive.requestsPerSecond);
      return {
        targetGroupArn: blue,
        containerName: 'web',
        containerPort: 80,
        advancedConfiguration: {
          alternateTargetGroupArn: green,
          productionListenerRule: production,
          ...(test ? { testListenerRule: test } : {}),
          roleArn: 'arn:aws:iam::000000000000:role/fz-elb',
        },
      };
    },
    setRate(service: string, requestsPerSecond: number) {
      const wiring = wirings.get(service);
      if (wiring) elb.traffic.set({ listenerArn: wiring.productionListener, requestsPerSecond });
    },
    isProgressive: (service: string) => wirings.has(service),
    deleted(service: string) {
      deletedAt.set(service, time.now());
    },
    /** The step's checks of the rules; what they found this step and since the last (rule changes, hook calls). */
    check(now: number): Violation[] {
      const found = violations.splice(0);
      const healthyByGroup = new Map<string, number>();
      const live = [...wirings.values()].filter(
        (wiring) => !deletedAt.has(wiring.service) && mirror.get(wiring.service)?.status === 'ACTIVE',
      );
      for (const wiring of live)
        for (const group of [wiring.blue, wiring.green]) {
          const { TargetHealthDescriptions } = elb.handle('DescribeTargetHealth', {
            TargetGroupArn: group,
          }) as {
            TargetHealthDescriptions: { TargetHealth: { State: string } }[];
          };
          healthyByGroup.set(
            group,
            TargetHealthDescriptions.filter((t) => t.TargetHealth.State === 'healthy').length,
          );
        }
      const healthyIn = (group: string) => healthyByGroup.get(group) ?? 0;
      found.push(
        ...rollbackClearsProduction(
          now,
          rollbacks,
          weightsOf,
          (service, group, since) => newerShiftOnto(mirror.get(service)?.deployments ?? [], group, since),
          healthyIn,
        ),
      );
      const views: RuleView[] = [];
      for (const wiring of live) {
        const healthy = Object.fromEntries([wiring.blue, wiring.green].map((g) => [g, healthyIn(g)]));
        for (const rule of [wiring.production, ...(wiring.test ? [wiring.test] : [])]) {
          const weights = weightsOf(rule) ?? {};
          found.push(...weightsNeverAllZero(wiring.service, rule, weights, now));
          views.push({
            service: wiring.service,
            rule,
            groups: [wiring.blue, wiring.green],
            weights,
            healthy,
            test: rule === wiring.test,
          });
        }
      }
      found.push(
        ...noTrafficToEmptyGroup(now, views, starvedSince, (view, group) => {
          const keeping = (mirror.get(view.service)?.deployments ?? []).find(
            (d) =>
              d.status === 'PRIMARY' &&
              d.rolloutState === 'IN_PROGRESS' &&
              d.trafficShift?.routes.some(
                (r) => r.from === group || (view.test === true && r.to === group),
              ) === true,
          );
          return keeping === undefined ? undefined : Date.parse(keeping.createdAt);
        }),
      );
      return found;
    },
    stop: () => cloudWatch.close(),
  };
};

export type Progressive = NonNullable<Awaited<ReturnType<typeof startProgressive>>>;

/** The deploymentConfiguration fields a progressive draw adds to a service's body. */
export const progressiveConfiguration = (draw: ServiceDraw) => {
  const p = draw.progressive;
  if (!p) return {};
  return {
    strategy: p.strategy,
    bakeTimeInMinutes: p.bakeTimeInMinutes,
    ...(p.canaryPercent !== undefined
      ? {
          canaryConfiguration: {
            canaryPercent: p.canaryPercent,
            canaryBakeTimeInMinutes: p.canaryBakeTimeInMinutes,
          },
        }
      : {}),
    ...(p.stepPercent !== undefined
      ? {
          linearConfiguration: { stepPercent: p.stepPercent, stepBakeTimeInMinutes: p.stepBakeTimeInMinutes },
        }
      : {}),
    ...(p.analysis ? { analysis: { ...p.analysis, intervalSeconds: 60 } } : {}),
    ...(p.alarm
      ? { alarms: { alarmNames: [alarmNameOf(draw.name)], enable: true, rollback: p.alarm.rollback } }
      : {}),
    ...(p.approval
      ? { approval: { stage: p.approval.stage, timeoutMinutes: 1, onTimeout: p.approval.onTimeout } }
      : {}),
    ...(p.hooks.length > 0
      ? {
          lifecycleHooks: p.hooks.map((h) => ({
            hookTargetArn: h.hookTargetArn,
            roleArn: 'arn:aws:iam::000000000000:role/fz-hooks',
            lifecycleStages: h.lifecycleStages,
            timeoutConfiguration: { timeoutInMinutes: h.timeoutInMinutes, action: h.action },
          })),
        }
      : {}),
  };
};
