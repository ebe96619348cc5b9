/**
 * The progressive benchmark's world around a load-balanced fleet: N services, each with its own pair of
 * target groups behind its own listener and `/*` production rule (50 services per Application Load
 * Balancer: the local endpoint keeps ELB's quotas of 100 target groups and 50 listeners per load
 * balancer), a constant request rate on every listener, the local CloudWatch fed by the load balancer's
 * traffic, and the reconciler's listener rules, alarm reads and analysis reads wired as lib/wiring.ts
 * wires them. It records what happened where it happened: each production rule's forward weights as the
 * load balancer applied them, each watched deployment's verdict as the reconciler wrote it, and every
 * ELB and CloudWatch call Tugboat made, with its virtual instant.
 */
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Service } from '../../lib/domain';
import { createListenerRules, type ListenerRules } from '../../lib/elb/rules';
import type { ReconcilerDeps } from '../../lib/reconcile/pass/reconcile';
import { loadBalancerDimension, readAnalysisFigures } from '../../lib/scaling/analysis-metrics';
import { createAlarmStateReader, createMetricReader } from '../../lib/scaling/cloudwatch';
import { targetGroupDimension } from '../../lib/scaling/metrics';
import { countEcsCalls } from './counters';
import type { Fleet } from './fleet';
import { startFleetCloudWatch } from './fleet-cloudwatch';
import type { WeightsAt } from './progressive-stats';

/** Services per load balancer: two target groups each within ELB's 100 per load balancer. */
export const SERVICES_PER_LOAD_BALANCER = 50;

export interface ProgressiveService {
  name: string;
  blue: string;
  green: string;
  loadBalancerArn: string;
  listenerArn: string;
  ruleArn: string;
}

/** What the reconciler wrote about a deployment the benchmark watches, on virtual time. */
export interface DeploymentRecord {
  completedAt?: number;
  failedAt?: number;
  reason?: string;
}

type CountedClient = Parameters<typeof countEcsCalls>[0];

/** Logs each call's action and virtual instant (the peak calls a second come from it). */
const logCalls = (client: CountedClient, now: () => number, log: { action: string; at: number }[]) => {
  (client as ElasticLoadBalancingV2Client).middlewareStack.add(
    (next, context) => async (args) => {
      log.push({ action: (context.commandName ?? 'Unknown').replace(/Command$/, ''), at: now() });
      return next(args);
    },
    { step: 'initialize', name: 'benchCallLog', priority: 'low' },
  );
};

export type ProgressiveWorld = Awaited<ReturnType<typeof startProgressiveWorld>>;

export const startProgressiveWorld = async (fleet: Fleet, options: { services: number }) => {
  const lb = fleet.loadBalancing;
  if (!lb) throw new Error('the progressive benchmark needs a load-balanced fleet');
  const { time } = fleet;
  const elb = lb.server.elb;
  const cloudWatch = await startFleetCloudWatch(fleet);
  // The load balancer's traffic is what CloudWatch reports as AWS/ApplicationELB (as local/stack.ts wires it).
  cloudWatch.local.setApplicationElbSource(elb.applicationElbMetrics);
  const cloudWatchCounter = countEcsCalls(cloudWatch.client, time);
  const elbCallLog: { action: string; at: number }[] = [];
  const cloudWatchCallLog: { action: string; at: number }[] = [];
  logCalls(lb.client, time.now, elbCallLog);
  logCalls(cloudWatch.client, time.now, cloudWatchCallLog);

  const alarmStates = createAlarmStateReader(cloudWatch.client);
  const metricReader = createMetricReader(cloudWatch.client);
  // Each worker instance's listener rules, paced with its gateway (as lib/wiring-reconciler.ts builds them).
  const rulesOf = new Map<number, ListenerRules>();
  const listenerRulesOf = (instance: number): ListenerRules => {
    let rules = rulesOf.get(instance);
    if (rules === undefined) {
      const describePacer = fleet.describePacerOf(instance);
      rules = createListenerRules({
        client: lb.client,
        sleep: time.sleep,
        random: fleet.random,
        now: time.now,
        ...(describePacer ? { describePacer } : {}),
      });
      rulesOf.set(instance, rules);
    }
    return rules;
  };
  const analysisFigures: ReconcilerDeps['analysisFigures'] = (target, start, end) =>
    readAnalysisFigures(metricReader, target, start, end);
  fleet.setReconcilerExtras((instance) => ({
    listenerRules: listenerRulesOf(instance),
    alarmStates,
    analysisFigures,
  }));

  // Each production rule's weights as the load balancer applied them, at the instant it did.
  const timelines = new Map<string, WeightsAt[]>();
  const ruleWeights = (ruleArn: string): Record<string, number> => {
    const forward = elb.balancers.rules.get(ruleArn)?.actions.find((action) => action.type === 'forward');
    return Object.fromEntries((forward?.forward?.groups ?? []).map((group) => [group.arn, group.weight]));
  };
  const handle = elb.handle.bind(elb);
  elb.handle = (action, input) => {
    const output = handle(action, input);
    const ruleArn = input.RuleArn;
    if (action === 'ModifyRule' && typeof ruleArn === 'string' && timelines.has(ruleArn))
      timelines.get(ruleArn)!.push({ at: elb.now(), weights: ruleWeights(ruleArn) });
    return output;
  };

  // Verdicts as the reconciler wrote them (a write that lost its version check throws before this).
  const watched = new Map<string, DeploymentRecord>();
  const store = fleet.store;
  const updateService = store.updateService.bind(store);
  store.updateService = async (next: Service, previous) => {
    await updateService(next, previous);
    for (const deployment of next.deployments) {
      const record = watched.get(deployment.id);
      if (record === undefined) continue;
      if (deployment.rolloutState === 'COMPLETED') record.completedAt ??= time.now();
      if (deployment.rolloutState === 'FAILED' && record.failedAt === undefined) {
        record.failedAt = time.now();
        if (deployment.rolloutStateReason) record.reason = deployment.rolloutStateReason;
      }
    }
  };

  const services: ProgressiveService[] = [];
  const client = lb.client;
  let loadBalancerArn = '';
  for (let index = 0; index < options.services; index++) {
    const slot = index % SERVICES_PER_LOAD_BALANCER;
    if (slot === 0) {
      const created = await client.send(
        new CreateLoadBalancerCommand({
          Name: `pb-${index / SERVICES_PER_LOAD_BALANCER}`,
          Type: 'application',
        }),
      );
      loadBalancerArn = created.LoadBalancers?.[0]?.LoadBalancerArn as string;
    }
    const name = `svc-${index}`;
    const blue = await lb.createTargetGroup(`pb${index}-blue`);
    const green = await lb.createTargetGroup(`pb${index}-green`);
    const listener = await client.send(
      new CreateListenerCommand({
        LoadBalancerArn: loadBalancerArn,
        Protocol: 'HTTP',
        Port: 8000 + slot,
        DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }],
      }),
    );
    const listenerArn = listener.Listeners?.[0]?.ListenerArn as string;
    const rule = await client.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: 1,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
        Actions: [
          { Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: blue, Weight: 1 }] } },
        ],
      }),
    );
    const ruleArn = rule.Rules?.[0]?.RuleArn as string;
    timelines.set(ruleArn, [{ at: time.now(), weights: ruleWeights(ruleArn) }]);
    services.push({ name, blue, green, loadBalancerArn, listenerArn, ruleArn });
  }

  return {
    services,
    timelines,
    watched,
    elbCallLog,
    cloudWatchCallLog,
    cloudWatchCounter,
    /** The rule's weights now, read in-process (no counted call). */
    ruleWeights,
    /** The group production forwards to now: the one of the pair with weight. */
    servingGroup(service: ProgressiveService): string {
      const weights = ruleWeights(service.ruleArn);
      return (weights[service.green] ?? 0) > 0 ? service.green : service.blue;
    },
    /** Sets every listener's traffic (POST /__local/traffic's model, in-process) from now on. */
    setTraffic(requestsPerSecond: number) {
      for (const service of services)
        elb.traffic.set({ listenerArn: service.listenerArn, requestsPerSecond });
    },
    /** Requests the local traffic model served to `group` in the minutes of [start, end) completed by now. */
    modelRequests(groups: ReadonlySet<string>, start: number, end: number): number {
      elb.traffic.accrue();
      const dimensions = new Set([...groups].map(targetGroupDimension));
      return elb.traffic
        .completedBuckets(start, end)
        .filter((bucket) => dimensions.has(bucket.targetGroup))
        .reduce((sum, bucket) => sum + bucket.requests, 0);
    },
    /**
     * An ECS-style alarm on the group, put in-process: 5xx answered by its targets (Sum a minute) above
     * `threshold` in 3 of 3 one-minute datapoints; a minute with no 5xx has no datapoint (not breaching).
     */
    putAlarm(alarmName: string, service: ProgressiveService, group: string, threshold: number) {
      cloudWatch.local.handle('PutMetricAlarm', {
        AlarmName: alarmName,
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'HTTPCode_Target_5XX_Count',
        Dimensions: [
          { Name: 'LoadBalancer', Value: loadBalancerDimension(service.loadBalancerArn) },
          { Name: 'TargetGroup', Value: targetGroupDimension(group) },
        ],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
    },
    async stop() {
      await cloudWatch.close();
    },
  };
};
