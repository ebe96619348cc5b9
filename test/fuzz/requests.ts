/**
 * Request traffic in a fuzzed run: each request-scaled service gets a target group with its drawn health
 * check and a listener of its own on one load balancer (the local ELB allows 50 listeners per load
 * balancer; a run has at most 4 services), whose default rule forwards to it; the requests per second are
 * set through the local ELB's traffic model (as `POST /__local/traffic` does), and the run's history of
 * rates and scale-outs is kept for `requestScalingNoOvershoot`.
 */
import { CreateListenerCommand, CreateLoadBalancerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Fleet } from '../../bench/support/fleet';
import { BENCH_HEALTH_CHECK } from '../../bench/support/load-balancing';
import type { ScalingChange } from '../../lib/scaling/evaluation';
import { createIpTargetGroup } from '../../local/elb';
import type { ServiceDraw } from './generators';
import type { RequestHistory } from './invariants-requests';

/** The name of a request-scaled service's policy. */
export const REQUEST_POLICY = 'requests';
const FIRST_PORT = 8000;

export const startRequestTraffic = (fleet: Fleet, taskStartMs: number, taskStartJitter: number) => {
  const loadBalancing = fleet.loadBalancing;
  const listeners = new Map<string, string>();
  const histories = new Map<string, RequestHistory>();
  let loadBalancerArn: string | undefined;
  return {
    /** The target group of a request-scaled service, with its drawn health check; its ARN. */
    async createTargetGroup(draw: ServiceDraw): Promise<string | undefined> {
      const requests = draw.autoScaling?.requests;
      if (!loadBalancing || !requests) return undefined;
      const arn = await createIpTargetGroup(
        loadBalancing.client,
        {
          Name: `fz-${draw.name}`,
          HealthCheckIntervalSeconds: requests.healthCheckIntervalSeconds,
          HealthCheckTimeoutSeconds: 2,
          HealthyThresholdCount: requests.healthyThreshold,
        },
        BENCH_HEALTH_CHECK.deregistrationDelaySeconds,
      );
      loadBalancing.targetGroupArns.push(arn);
      return arn;
    },
    /** A listener forwarding to the service's target group, its traffic set, and its history begun. */
    async addListener(draw: ServiceDraw, targetGroupArn: string): Promise<void> {
      const scaling = draw.autoScaling;
      if (!loadBalancing || !scaling?.requests) return;
      loadBalancerArn ??= (await loadBalancing.client.send(new CreateLoadBalancerCommand({ Name: 'fz-alb' })))
        .LoadBalancers?.[0]?.LoadBalancerArn;
      const created = await loadBalancing.client.send(
        new CreateListenerCommand({
          LoadBalancerArn: loadBalancerArn,
          Protocol: 'HTTP',
          Port: FIRST_PORT + listeners.size,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
        }),
      );
      const listenerArn = created.Listeners?.[0]?.ListenerArn;
      if (!listenerArn) throw new Error('local ELB: CreateListener returned no listener');
      listeners.set(draw.name, listenerArn);
      const { healthCheckIntervalSeconds, healthyThreshold } = scaling.requests;
      histories.set(draw.name, {
        targetValue: scaling.targetValue,
        minCapacity: scaling.minCapacity,
        maxCapacity: scaling.maxCapacity,
        settleMs: healthCheckIntervalSeconds * healthyThreshold * 1000 + taskStartMs * (1 - taskStartJitter),
        rates: [],
        scaleOuts: [],
      });
      this.setRate(draw.name, scaling.requests.requestsPerSecond);
    },
    /** Sets the requests per second through the service's listener from now on. */
    setRate(service: string, requestsPerSecond: number): void {
      const listenerArn = listeners.get(service);
      if (!loadBalancing || !listenerArn) return;
      loadBalancing.server.elb.traffic.set({ listenerArn, requestsPerSecond });
      histories.get(service)?.rates.push({ at: fleet.time.now(), requestsPerSecond });
    },
    /** Records the request policy's scale-outs. */
    observe(change: ScalingChange): void {
      const history = histories.get(change.serviceName);
      if (history && change.policy === REQUEST_POLICY && change.toCount > change.fromCount)
        history.scaleOuts.push({
          at: fleet.time.now(),
          fromCount: change.fromCount,
          toCount: change.toCount,
        });
    },
    historyOf: (service: string): RequestHistory | undefined => histories.get(service),
  };
};

export type RequestTraffic = ReturnType<typeof startRequestTraffic>;
