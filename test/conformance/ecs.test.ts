/**
 * The local ECS endpoint held to the ECS service model (local/models/ecs.json), over the JSON 1.1 protocol
 * the SDK speaks. A request the model rejects gets one of the two errors the API reference gives every
 * operation for a request it refuses: ClientException for a task definition (as ECS answers
 * RegisterTaskDefinition), InvalidParameterException otherwise.
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

/** Registers a revision and answers its ARN. */
const register = async (call: Call): Promise<string> => {
  const answer = await call('RegisterTaskDefinition', taskDefinition);
  if (answer.status !== 200) throw new Error(`RegisterTaskDefinition: ${answer.code} ${answer.message}`);
  const listed = await fetchJson(call, 'ListTaskDefinitions', { familyPrefix: 'conformance', sort: 'DESC' });
  return (listed.taskDefinitionArns as string[])[0]!;
};

let ecsUrl = '';
const fetchJson = async (_call: Call, operation: string, input: Json): Promise<Json> => {
  const response = await fetch(ecsUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AmazonEC2ContainerServiceV20141113.${operation}`,
    },
    body: JSON.stringify(input),
  });
  return (await response.json()) as Json;
};

const runTask = async (call: Call): Promise<string> => {
  const arn = await register(call);
  const run = await fetchJson(call, 'RunTask', {
    cluster: 'apps',
    taskDefinition: arn,
    launchType: 'FARGATE',
    networkConfiguration: network,
  });
  return ((run.tasks as Json[])[0] as { taskArn: string }).taskArn;
};

describeConformance({
  service: 'ecs',
  wire: 'json',
  operations: supportedActions,
  async start() {
    const harness = await startHarness();
    await createCluster(harness.client);
    ecsUrl = harness.server.url;
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
      resourceArn: (
        (await fetchJson(call, 'DescribeClusters', { clusters: ['apps'] })).clusters as Json[]
      )[0]!.clusterArn,
      tags: [{ key: 'team', value: 'web' }],
    }),
    ListTagsForResource: async (call) => ({
      resourceArn: (
        (await fetchJson(call, 'DescribeClusters', { clusters: ['apps'] })).clusters as Json[]
      )[0]!.clusterArn,
    }),
    PutClusterCapacityProviders: async () => ({
      cluster: 'apps',
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
    }),
  },
  validationCode: (operation) =>
    operation === 'RegisterTaskDefinition' ? 'ClientException' : 'InvalidParameterException',
});
