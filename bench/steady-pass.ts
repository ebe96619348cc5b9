/**
 * One steady-state reconcile pass in a fresh process (the "worker"), so its CPU time and memory are
 * Tugboat's alone: runReconcileScheduler over the cluster, then a reconcile of every service it enqueues.
 * Reads BENCH_DYNAMODB_ENDPOINT, BENCH_TABLE, BENCH_ECS_URL, BENCH_NOW (virtual epoch ms); prints JSON.
 * It shares the endpoint's virtual timeline: its waits (the read pacer's, at 30,000 tasks ECS's list takes
 * 300 pages against a bucket of 100) move the endpoint's clock through POST /__local/advance-clock.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createEcsClientForGateway, createEcsGateway, type EcsGateway } from '../lib/ecs/gateway';
import { createLaunchPacer, createReadPacer } from '../lib/ecs/pacer';
import { createSchedulerElbDescribePacer } from '../lib/elb/calls';
import { createElbClientForGateway, createElbGateway } from '../lib/elb/gateway';
import type { ReconcileRequest } from '../lib/queue/reconcile-queue';
import { createReconciler } from '../lib/reconcile/pass/reconcile';
import { runReconcileScheduler } from '../lib/reconcile/scheduler/scheduler';
import { DynamoDbStore } from '../lib/store/dynamodb';
import { localDynamoDbClient } from '../local/dynamodb';
import { countDynamoDbCalls, countEcsCalls } from './support/counters';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

let now = Number(env('BENCH_NOW'));
const ecsUrl = env('BENCH_ECS_URL');
const sleep = async (ms: number): Promise<void> => {
  const response = await fetch(`${ecsUrl}/__local/advance-clock`, {
    method: 'POST',
    body: JSON.stringify({ ms }),
  });
  if (!response.ok) throw new Error(`advance-clock: ${response.status} ${await response.text()}`);
  now = ((await response.json()) as { now: number }).now;
};
const pacing = { now: () => now, sleep };
const launchPacer = createLaunchPacer(pacing);
const readPacer = createReadPacer(pacing);
const dynamoDbClient = localDynamoDbClient(env('BENCH_DYNAMODB_ENDPOINT'));
const ecsClient = createEcsClientForGateway({
  endpoint: ecsUrl,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const dynamoDb = countDynamoDbCalls(dynamoDbClient);
const ecs = countEcsCalls(ecsClient);
// --load-balanced: the scheduler reads target health through an ELB gateway, as deployed.
const elbUrl = process.env.BENCH_ELB_URL;
const elbClient = elbUrl
  ? createElbClientForGateway({
      endpoint: elbUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    })
  : undefined;
const elbCounter = elbClient ? countEcsCalls(elbClient) : undefined;
// With the scheduler's share of ELB's Describe* budget, as functions/reconcile-scheduler.ts builds it (on
// the endpoint's virtual clock here: the endpoint throttles on it too).
const elb = elbClient
  ? createElbGateway({
      client: elbClient,
      sleep,
      now: () => now,
      describePacer: createSchedulerElbDescribePacer(pacing),
      maxRoomWaitMs: Number.POSITIVE_INFINITY,
    })
  : undefined;
const store = new DynamoDbStore(
  DynamoDBDocumentClient.from(dynamoDbClient, { marshallOptions: { removeUndefinedValues: true } }),
  env('BENCH_TABLE'),
);
const gateways = new Map<string, EcsGateway>();
const ecsFor = (cluster: string) => {
  let gateway = gateways.get(cluster);
  if (!gateway) {
    gateway = createEcsGateway({ client: ecsClient, cluster, sleep, launchPacer, readPacer });
    gateways.set(cluster, gateway);
  }
  return gateway;
};

// Warm the clients' connections and modules first, as a warm Lambda would have them.
await store.listClusters();
dynamoDb.reset();

let peakHeap = 0;
const sampler = setInterval(() => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}, 5);
const rssBefore = process.memoryUsage().rss;
const cpuBefore = process.cpuUsage();
const started = performance.now();

const enqueued: ReconcileRequest[] = [];
let sendCalls = 0;
const report = await runReconcileScheduler({
  store,
  ecsFor,
  enqueue: async (requests) => {
    enqueued.push(...requests);
    sendCalls += Math.ceil(requests.length / 10);
  },
  now: () => now,
  ...(elb ? { elb, elbClock: () => now } : {}),
});
if (report.failedClusters[0]) throw report.failedClusters[0].error;
const reconciler = createReconciler({
  store,
  ecsFor,
  now: () => now,
  newId: randomUUID,
  ...(elb ? { elb } : {}),
});
for (const request of enqueued) await reconciler.reconcile(request.cluster, request.serviceName);

const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
clearInterval(sampler);
peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);

console.log(
  JSON.stringify({
    report,
    ecs: ecs.snapshot(),
    ...(elbCounter ? { elb: elbCounter.snapshot() } : {}),
    dynamoDb: dynamoDb.snapshot(),
    sqs: { sendMessageBatchCalls: sendCalls, messages: enqueued.length },
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs,
    memory: {
      rssBeforeBytes: rssBefore,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      peakHeapBytes: peakHeap,
    },
  }),
);
ecsClient.destroy();
elbClient?.destroy();
dynamoDbClient.destroy();
