/**
 * `--load-balanced`: the local Elastic Load Balancing endpoint on the ECS endpoint's virtual clock and
 * tasks (as local/stack.ts wires it), one target group per service with a short health check, Tugboat's
 * ELB gateways as each Lambda instance builds them (lib/wiring.ts), and a count of the targets healthy now.
 */
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ElbCallOptions } from '../../lib/elb/calls';
import { createElbClientForGateway, createElbGateway, type ElbGateway } from '../../lib/elb/gateway';
import type { LocalEcsServer } from '../../local/ecs';
import { createIpTargetGroup, startLocalElbServer } from '../../local/elb';
import { ELB_NON_MUTATING_RATE, isNonMutating, nonMutatingBucket } from '../../local/elb/throttle';
import { actionOf, countEcsCalls } from './counters';
import type { VirtualTime } from './virtual-time';

/**
 * Each Describe* call is taken from ELB's published non-mutating bucket (40, then 10 a second) on the
 * virtual clock, and a call that finds it empty is counted: one ELB would have throttled. The fleet's
 * endpoint throttles as published too (local/elb/throttle.ts), so such a call is also refused and counted
 * as throttled; with the endpoint's throttle off (`elbThrottle: 'off'`) it still goes through.
 */
export const ELB_DESCRIBE_BUDGET = ELB_NON_MUTATING_RATE;

export const trackDescribeBudget = (client: ElasticLoadBalancingV2Client, now: () => number) => {
  const granted = nonMutatingBucket(now, ELB_DESCRIBE_BUDGET);
  let calls = 0;
  let overBudget = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const action = actionOf(context.commandName);
      if (isNonMutating(action)) {
        calls++;
        if (!granted(action)) overBudget++;
      }
      return next(args);
    },
    { step: 'initialize', name: 'benchElbDescribeBudget', priority: 'low' },
  );
  return { snapshot: () => ({ calls, overBudget }) };
};

/** The benchmark's target groups: checks every 5 s, healthy after 2 passes, a short drain. */
export const BENCH_HEALTH_CHECK = { intervalSeconds: 5, healthyThreshold: 2, deregistrationDelaySeconds: 5 };
/** The health-check time a target needs after its task is RUNNING: interval x healthy threshold. */
export const healthCheckSeconds = BENCH_HEALTH_CHECK.intervalSeconds * BENCH_HEALTH_CHECK.healthyThreshold;

export type FleetLoadBalancing = Awaited<ReturnType<typeof startFleetLoadBalancing>>;

export const startFleetLoadBalancing = async (options: {
  ecs: LocalEcsServer;
  time: VirtualTime;
  random: () => number;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The endpoint's request throttling (default 1: ELB's published buckets). */
  throttle?: 'off' | number;
}) => {
  const { time } = options;
  const server = await startLocalElbServer({
    port: 0,
    host: '127.0.0.1',
    clock: options.ecs.ecs,
    tasks: options.ecs.ecs,
    throttle: options.throttle ?? 1,
  });
  const client = createElbClientForGateway({
    endpoint: server.url,
    region: options.region,
    credentials: options.credentials,
  });
  const counter = countEcsCalls(client, time);
  const describeBudget = trackDescribeBudget(client, time.now);
  const targetGroupArns: string[] = [];

  return {
    server,
    client,
    counter,
    describeBudget,
    targetGroupArns,
    /**
     * A gateway per Lambda instance: its deregistration-delay cache lives as long as the instance; `pacing`,
     * its share of the Describe* budget, as lib/wiring-reconciler.ts and the scheduler's handler give it.
     */
    lambdaInstanceElb: (pacing: Pick<ElbCallOptions, 'describePacer' | 'maxRoomWaitMs'> = {}): ElbGateway =>
      createElbGateway({ client, sleep: time.sleep, random: options.random, now: time.now, ...pacing }),
    /** Creates the target group (HTTP, port 80, type ip) with the benchmark's health check; its ARN. */
    async createTargetGroup(name: string): Promise<string> {
      const arn = await createIpTargetGroup(
        client,
        {
          Name: name,
          HealthCheckIntervalSeconds: BENCH_HEALTH_CHECK.intervalSeconds,
          HealthyThresholdCount: BENCH_HEALTH_CHECK.healthyThreshold,
        },
        BENCH_HEALTH_CHECK.deregistrationDelaySeconds,
      );
      targetGroupArns.push(arn);
      return arn;
    },
    /** Targets `healthy` right now over every target group, read in-process (no counted call). */
    healthyTargets(): number {
      let healthy = 0;
      for (const arn of targetGroupArns) {
        const { TargetHealthDescriptions } = server.elb.handle('DescribeTargetHealth', {
          TargetGroupArn: arn,
        }) as { TargetHealthDescriptions: { TargetHealth: { State: string } }[] };
        for (const description of TargetHealthDescriptions)
          if (description.TargetHealth.State === 'healthy') healthy++;
      }
      return healthy;
    },
    async stop() {
      client.destroy();
      await server.close();
    },
  };
};
