/**
 * The local ECS endpoint held to the ECS service model (local/models/ecs.json), over the JSON 1.1 protocol
 * the SDK speaks. A request the model rejects gets one of the two errors the API reference gives every
 * operation for a request it refuses: ClientException for a task definition (as ECS answers
 * RegisterTaskDefinition), InvalidParameterException otherwise. The operations come from the endpoint's
 * own list, so an operation added there is held to the model with no change here.
 */
import { supportedActions } from '../../local/ecs';
import { createCluster, network, startHarness } from '../local-ecs/helpers';
import type { Json } from './shapes';
import { type Call, describeConformance, jsonCaller } from './suite';

const taskDefinition = {
  family: 'conformance',
  cpu: '256',
  memory: '512',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  containerDefinitions: [{ name: 'app', image: 'nginx:1.27', essential: true }],
};

/** A call that must succeed: its answer's JSON. */
const succeed = async (call: Call, operation: string, input: Json): Promise<Json> => {
  const answer = await call(operation, input);
  if (answer.status !== 200 || !answer.json)
    throw new Error(`${operation}: ${answer.code} ${answer.message}`);
  return answer.json;
};

/** Registers a revision and answers its ARN. */
const register = async (call: Call): Promise<string> => {
  const output = await succeed(call, 'RegisterTaskDefinition', taskDefinition);
  return (output.taskDefinition as { taskDefinitionArn: string }).taskDefinitionArn;
};

/** Runs a task of a new revision in cluster `apps` and answers its ARN. */
const runTask = async (call: Call): Promise<string> => {
  const output = await succeed(call, 'RunTask', {
    cluster: 'apps',
    taskDefinition: await register(call),
    launchType: 'FARGATE',
    networkConfiguration: network,
  });
  return (output.tasks as { taskArn: string }[])[0]!.taskArn;
};

const clusterArn = async (call: Call): Promise<string> => {
  const output = await succeed(call, 'DescribeClusters', { clusters: ['apps'] });
  return (output.clusters as { clusterArn: string }[])[0]!.clusterArn;
};

describeConformance({
  service: 'ecs',
  wire: 'json',
  operations: supportedActions,
  async start() {
    const harness = await startHarness();
    await createCluster(harness.client);
    return { call: jsonCaller('ecs', harness.server.url, '1.1'), close: () => harness.close() };
  },
  fixtures: {
    CreateCluster: async () => ({ clusterName: 'conformance' }),
    RegisterTaskDefinition: async () => taskDefinition,
    DescribeTaskDefinition: async (call) => ({ taskDefinition: await register(call) }),
    DeregisterTaskDefinition: async (call) => ({ taskDefinition: await register(call) }),
    RunTask: async (call) => ({
      cluster: 'apps',
      taskDefinition: await register(call),
      launchType: 'FARGATE',
      networkConfiguration: network,
    }),
    ListTasks: async () => ({ cluster: 'apps' }),
    StopTask: async (call) => ({ cluster: 'apps', task: await runTask(call) }),
    DescribeTasks: async (call) => ({ cluster: 'apps', tasks: [await runTask(call)] }),
    TagResource: async (call) => ({
      resourceArn: await clusterArn(call),
      tags: [{ key: 'team', value: 'web' }],
    }),
    ListTagsForResource: async (call) => ({ resourceArn: await clusterArn(call) }),
    PutClusterCapacityProviders: async () => ({
      cluster: 'apps',
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
    }),
  },
  validationCode: (operation) =>
    operation === 'RegisterTaskDefinition' ? 'ClientException' : 'InvalidParameterException',
});
