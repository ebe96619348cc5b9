import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { type LocalCloudWatchServer, startLocalCloudWatchServer } from '../../local/cloudwatch';
import type { TargetGroupResolver } from '../../local/cloudwatch/derived';
import { createCluster, type Harness, startHarness } from '../local-ecs/helpers';

export { registerFargate, runFargate, t0 } from '../local-ecs/helpers';

export interface CloudWatchHarness {
  ecs: Harness;
  server: LocalCloudWatchServer;
  client: CloudWatchClient;
  /** POST /__local/load on the ECS endpoint. */
  setLoad(body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }>;
  advance(ms: number): void;
  close(): Promise<void>;
}

/** A virtual-clock ECS endpoint with cluster `apps`, and a CloudWatch endpoint on its clock and tasks. */
export const startCloudWatchHarness = async (
  options: { targetGroups?: TargetGroupResolver; throttle?: 'off' | number } = {},
): Promise<CloudWatchHarness> => {
  const ecs = await startHarness({ startMs: 1000, stopMs: 1000 });
  await createCluster(ecs.client);
  const server = await startLocalCloudWatchServer({
    port: 0,
    clock: ecs.server.ecs,
    usage: ecs.server.ecs.usage,
    throttle: options.throttle ?? 'off',
    ...(options.targetGroups ? { targetGroups: options.targetGroups } : {}),
  });
  const client = new CloudWatchClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  return {
    ecs,
    server,
    client,
    async setLoad(body) {
      const response = await fetch(`${ecs.server.url}/__local/load`, {
        method: 'POST',
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    advance: (ms) => ecs.server.ecs.advance(ms),
    async close() {
      client.destroy();
      await server.close();
      await ecs.close();
    },
  };
};
