/**
 * Local ECS endpoint benchmark: RunTask calls per second served through the real SDK client over HTTP
 * (throttling off), and process memory holding 10,000 tasks. Virtual clock, so the lifecycle of all tasks
 * (and the hour STOPPED tasks stay visible) is simulated in seconds.
 *
 *   npx tsx bench/ecs-endpoint.ts            (add TASKS=20000 CONCURRENCY=32 to vary)
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  CreateClusterCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  type ListTasksCommandOutput,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { startLocalEcsServer } from '../local/ecs';

// A full GC before each reading, so heapUsed is live data rather than garbage not yet collected.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const tasks = Number(process.env.TASKS ?? 10_000);
const concurrency = Number(process.env.CONCURRENCY ?? 16);

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const memory = () => {
  gc();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
};

const baseline = memory();
const server = await startLocalEcsServer({ port: 0, clock: 'virtual', throttle: 'off' });
const client = new ECSClient({
  endpoint: server.url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  maxAttempts: 1,
});
const network = { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'] } };

await client.send(new CreateClusterCommand({ clusterName: 'bench' }));
await client.send(
  new RegisterTaskDefinitionCommand({
    family: 'web',
    cpu: '256',
    memory: '512',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    containerDefinitions: [{ name: 'app', image: 'nginx:1.27', healthCheck: { command: ['CMD', 'true'] } }],
  }),
);

const runAll = async (calls: number, count: number, prefix: string) => {
  let next = 0;
  const worker = async () => {
    while (next < calls) {
      const i = next++;
      await client.send(
        new RunTaskCommand({
          cluster: 'bench',
          taskDefinition: 'web',
          launchType: 'FARGATE',
          count,
          clientToken: `${prefix}-${i}`,
          startedBy: `svc-${i % 1000}`,
          networkConfiguration: network,
        }),
      );
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (performance.now() - started) / 1000;
};

// Warm up the connection pool and JIT, then measure.
await runAll(200, 1, 'warmup');
const seconds = await runAll(tasks - 200, 1, 'run');
const callsPerSecond = (tasks - 200) / seconds;

server.ecs.advance(5_000); // everything RUNNING
const atTenThousand = memory();
const heldAtTenThousand = server.ecs.taskCount();

// A few reads at this size, for scale.
let listed = 0;
let token: string | undefined;
const listStarted = performance.now();
do {
  const page: ListTasksCommandOutput = await client.send(
    new ListTasksCommand({ cluster: 'bench', nextToken: token }),
  );
  listed += page.taskArns?.length ?? 0;
  token = page.nextToken;
  if (page.taskArns && page.taskArns.length > 0 && listed <= 100) {
    await client.send(new DescribeTasksCommand({ cluster: 'bench', tasks: page.taskArns }));
  }
} while (token);
const listSeconds = (performance.now() - listStarted) / 1000;

// Stop half, then simulate two hours: STOPPED tasks vanish after one.
const all: string[] = [];
token = undefined;
do {
  const page: ListTasksCommandOutput = await client.send(
    new ListTasksCommand({ cluster: 'bench', nextToken: token }),
  );
  all.push(...(page.taskArns ?? []));
  token = page.nextToken;
} while (token);
for (let i = 0; i < all.length; i += 2) {
  await client.send(new StopTaskCommand({ cluster: 'bench', task: all[i]! }));
}
const simulated = performance.now();
server.ecs.advance(2 * 3_600_000);
const simulatedSeconds = (performance.now() - simulated) / 1000;
const afterExpiry = memory();

console.log(
  JSON.stringify(
    {
      node: process.version,
      tasks,
      concurrency,
      runTaskCallsPerSecond: Math.round(callsPerSecond),
      runTaskSeconds: Number(seconds.toFixed(2)),
      memoryBaseline: { heapUsed: mib(baseline.heapUsed), rss: mib(baseline.rss) },
      memoryAt10kTasks: {
        tasksHeld: heldAtTenThousand,
        heapUsed: mib(atTenThousand.heapUsed),
        rss: mib(atTenThousand.rss),
        heapPerTask: `${((atTenThousand.heapUsed - baseline.heapUsed) / tasks / 1024).toFixed(1)} KiB (incl. SDK/server overhead)`,
      },
      listTasksAllPages: { tasks: listed, seconds: Number(listSeconds.toFixed(2)) },
      twoSimulatedHoursAfterStoppingHalf: {
        wallSeconds: Number(simulatedSeconds.toFixed(2)),
        tasksHeld: server.ecs.taskCount(),
        heapUsed: mib(afterExpiry.heapUsed),
        rss: mib(afterExpiry.rss),
      },
    },
    null,
    2,
  ),
);

client.destroy();
await server.close();
