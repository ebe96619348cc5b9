import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { startLocalCloudWatchServer } from '../../local/cloudwatch';
import type { Fleet } from './fleet';

/**
 * The local CloudWatch endpoint on the fleet's clock, fed by its ECS endpoint's usage, and a client of it:
 * what the scaling evaluator reads in the scaling benchmark and the fuzzer (and, with the fleet's load
 * balancer, the traffic through it). Unthrottled: the evaluator
 * caps its alarm writes per minute itself.
 */
export const startFleetCloudWatch = async (fleet: Fleet) => {
  const server = await startLocalCloudWatchServer({
    port: 0,
    host: '127.0.0.1',
    clock: fleet.server.ecs,
    usage: fleet.server.ecs.usage,
    throttle: 'off',
  });
  // AWS/ApplicationELB metrics from the local ELB's traffic model, where a listener has traffic.
  if (fleet.loadBalancing)
    server.cloudWatch.setApplicationElbSource(fleet.loadBalancing.server.elb.applicationElbMetrics);
  const client = new CloudWatchClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    client,
    /** The endpoint itself, for in-process set-up (its AWS/ApplicationELB source, alarms). */
    local: server.cloudWatch,
    async close() {
      client.destroy();
      await server.close();
    },
  };
};
