import {
  CreateClusterCommand,
  type CreateClusterCommandInput,
  ECSClient,
  type ECSServiceException,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  RunTaskCommand,
  type RunTaskCommandInput,
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
