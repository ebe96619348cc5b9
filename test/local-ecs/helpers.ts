import {
  CreateClusterCommand,
  type CreateClusterCommandInput,
  DescribeTasksCommand,
  ECSClient,
  type ECSServiceException,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  RunTaskCommand,
  type RunTaskCommandInput,
  type Task,
} from '@aws-sdk/client-ecs';
import { expect } from 'vitest';
import { type LocalEcsServer, type LocalEcsServerOptions, startLocalEcsServer } from '../../local/ecs';
import type { TaskStateChangeEvent } from '../../local/ecs/engine';

export const t0 = Date.parse('2026-11-25T12:00:00.000Z');
export const network = {
  awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d'], assignPublicIp: 'DISABLED' as const },
};

export interface Harness {
  server: LocalEcsServer;
  client: ECSClient;
  events: TaskStateChangeEvent[];
  close(): Promise<void>;
}

/** A virtual-clock endpoint on a free port, and an SDK client that does not retry (so throttles show). */
export const startHarness = async (options: LocalEcsServerOptions = {}): Promise<Harness> => {
  const events: TaskStateChangeEvent[] = [];
  const server = await startLocalEcsServer({
    port: 0,
    clock: 'virtual',
    startTime: t0,
    throttle: 'off',
    eventSink: (event) => {
      events.push(event);
    },
    ...options,
  });
  const client = new ECSClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  return {
    server,
    client,
    events,
    async close() {
      client.destroy();
      await server.close();
    },
  };
};

export const createCluster = (client: ECSClient, input: CreateClusterCommandInput = {}) =>
  client.send(new CreateClusterCommand({ clusterName: 'apps', ...input }));

export const registerFargate = async (
  client: ECSClient,
  family: string,
  image: string,
  extra: Partial<RegisterTaskDefinitionCommandInput> = {},
) => {
  const output = await client.send(
    new RegisterTaskDefinitionCommand({
      family,
      cpu: '256',
      memory: '512',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      containerDefinitions: [{ name: 'app', image, essential: true }],
      ...extra,
    }),
  );
  return output.taskDefinition!;
};

export const runFargate = async (client: ECSClient, input: Partial<RunTaskCommandInput> = {}) => {
  const output = await client.send(
    new RunTaskCommand({
      cluster: 'apps',
      taskDefinition: 'web',
      launchType: 'FARGATE',
      networkConfiguration: network,
      ...input,
    }),
  );
  return output.tasks ?? [];
};

export type ErrorClass = abstract new (...args: never[]) => ECSServiceException;

/** Awaits a call that must fail with ECS's error `type` (HTTP 400), its message matching `message`. */
export const expectEcsError = async (promise: Promise<unknown>, type: ErrorClass, message?: RegExp) => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, 'the call should have failed').toBeInstanceOf(type);
  const serviceError = error as ECSServiceException;
  expect(serviceError.$metadata.httpStatusCode).toBe(400);
  if (message) expect(serviceError.message).toMatch(message);
  return serviceError;
};

/** A harness whose `apps` cluster has FARGATE and FARGATE_SPOT (defaults: start 2000 ms, stop 1000 ms, crash 1000 ms after RUNNING). */
export const startAppsHarness = async (): Promise<Harness> => {
  const h = await startHarness();
  await createCluster(h.client, { capacityProviders: ['FARGATE', 'FARGATE_SPOT'] });
  return h;
};

/** A harness with the `apps` cluster and the `web` family (nginx:1.27) registered. */
export const startWebHarness = async (): Promise<Harness> => {
  const h = await startHarness();
  await createCluster(h.client);
  await registerFargate(h.client, 'web', 'nginx:1.27');
  return h;
};

/** One task of `apps` as DescribeTasks shows it, with its tags. */
export const describeOne = async (h: Harness, arn: string): Promise<Task | undefined> =>
  (await h.client.send(new DescribeTasksCommand({ cluster: 'apps', tasks: [arn], include: ['TAGS'] })))
    .tasks?.[0];

/** The task's lastStatus at each of the given virtual instants (ms after launch). */
export const statusesAt = async (h: Harness, arn: string, instants: number[]) => {
  const seen: string[] = [];
  let elapsed = 0;
  for (const instant of instants) {
    h.server.ecs.advance(instant - elapsed);
    elapsed = instant;
    seen.push((await describeOne(h, arn))?.lastStatus ?? 'GONE');
  }
  return seen;
};
