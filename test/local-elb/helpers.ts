import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { type LocalElbServer, type LocalElbServerOptions, startLocalElbServer } from '../../local/elb';
import { createCluster, type Harness, registerFargate, runFargate, startHarness } from '../local-ecs/helpers';

export interface ElbHarness {
  ecs: Harness;
  server: LocalElbServer;
  client: ElasticLoadBalancingV2Client;
  /** Moves the shared virtual clock. */
  advance(ms: number): void;
  close(): Promise<void>;
}

export const elbClient = (url: string) =>
  new ElasticLoadBalancingV2Client({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });

/** A virtual-clock ECS endpoint (cluster `apps`) and an ELB endpoint on its clock and tasks, on free ports. */
export const startElbHarness = async (options: LocalElbServerOptions = {}): Promise<ElbHarness> => {
  const ecs = await startHarness();
  await createCluster(ecs.client);
  const server = await startLocalElbServer({
    port: 0,
    clock: { now: () => ecs.server.ecs.now() },
    tasks: ecs.server.ecs,
    ...options,
  });
  const client = elbClient(server.url);
  return {
    ecs,
    server,
    client,
    advance: (ms) => ecs.server.ecs.advance(ms),
    async close() {
      client.destroy();
      await server.close();
      await ecs.close();
    },
  };
};

/** The wire error code, the SDK's exception name and the HTTP status of a failed call. */
export const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & {
      Code?: string;
      Error?: { Code?: string; Type?: string };
      $metadata?: { httpStatusCode?: number };
      $fault?: string;
    };
    return {
      code: e.Error?.Code ?? e.Code ?? e.name,
      type: e.Error?.Type,
      name: e.name,
      status: e.$metadata?.httpStatusCode,
      fault: e.$fault,
      message: e.message,
    };
  }
  throw new Error('expected the call to fail');
};

/** Launches one Fargate task of a new task definition with this image; returns its ARN and private IPv4. */
export const launchTask = async (h: ElbHarness, family: string, image: string) => {
  await registerFargate(h.ecs.client, family, image);
  const [task] = await runFargate(h.ecs.client, { taskDefinition: family });
  const address = task?.attachments?.[0]?.details?.find(
    (detail) => detail.name === 'privateIPv4Address',
  )?.value;
  if (!task?.taskArn || !address) throw new Error('RunTask returned no task with an address');
  return { taskArn: task.taskArn, address };
};
