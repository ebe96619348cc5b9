/**
 * api: autocannon against the local HTTP API (local/stack.ts: functions/api.ts behind local/http-api.ts,
 * DynamoDB Local, fauxqs, the local ECS endpoint), and against two baselines behind the same HTTP
 * adapter, in the same run: a constant response (`p50Ratio`), and per route a handler making exactly the
 * route's DynamoDB and SQS calls (bench/same-calls.ts, `overheadRatio`), measured just before the route.
 * Real time.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { Result } from 'autocannon';
import { localDynamoDbClient } from '../local/dynamodb';
import { startHttpApi } from '../local/http-api';
import { freePort } from '../local/ports';
import { startLocalStack } from '../local/stack';
import type { LoadSpec } from './load';
import { sameCallsHandler } from './same-calls';
import { traceAwsCalls } from './support/call-trace';

const run = promisify(execFile);
const CONNECTIONS = 16;
const P50_RATIO_LIMIT = 3;
/** A route's p50 over the p50 of the handler making the same calls. */
const OVERHEAD_RATIO_LIMIT = 1.2;
/** Under 16 connections on one family, registrations must not queue behind each other. */
const P99_OVER_P50_LIMIT = 3;
const SERVICES = 64;

/**
 * The calls the same-calls baseline must repeat: DynamoDB's and SQS's. A queue's consumer calls (the local
 * stack's pollers long-poll meanwhile, in this process) are never a route's.
 */
const SQS_CONSUMER_CALLS = new Set([
  'SQS.ReceiveMessage',
  'SQS.DeleteMessage',
  'SQS.DeleteMessageBatch',
  'SQS.ChangeMessageVisibility',
  'SQS.ChangeMessageVisibilityBatch',
]);
const isDataCall = (operation: string) =>
  (operation.startsWith('DynamoDB.') || operation.startsWith('SQS.')) && !SQS_CONSUMER_CALLS.has(operation);

const load = async (spec: LoadSpec): Promise<Result> => {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', resolve(import.meta.dirname, 'load.ts'), JSON.stringify(spec)],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as Result;
};

const summary = (result: Result) => ({
  requests: result.requests.total,
  requestsPerSecond: Number(result.requests.average.toFixed(1)),
  latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
  errors: result.errors + result.timeouts,
  non2xx: result.non2xx,
});

/**
 * The floor under any route that reads one item: GetItem latency of DynamoDB Local itself at the same
 * concurrency, from this process, for the same duration.
 */
const dynamoDbFloor = async (endpoint: string, tableName: string, seconds: number) => {
  const client = localDynamoDbClient(endpoint);
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        await client.send(
          new GetItemCommand({
            TableName: tableName,
            Key: { PK: { S: 'CLUSTER#default' }, SK: { S: 'SERVICE#api-0' } },
            ConsistentRead: true,
          }),
        );
        latencies.push(performance.now() - started);
      }
    }),
  );
  client.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Number((latencies[Math.floor(q * (latencies.length - 1))] ?? 0).toFixed(2));
  return { getItemsPerSecond: Math.round(latencies.length / seconds), p50Ms: at(0.5), p99Ms: at(0.99) };
};

export const runApi = async (options: { seconds: number }) => {
  const stack = await startLocalStack({
    apiPort: 0,
    dynamoDbPort: await freePort(),
    sqsPort: 0,
    ecsPort: 0,
    reconcileIntervalMs: 0,
    // Nothing but the routes touches the table while they are measured (and traced).
    scalingIntervalMs: 0,
    workerConcurrency: 0,
    tableName: 'tugboat-bench-api',
  });
  const baseline = await startHttpApi({
    port: 0,
    functionName: 'baseline',
    handler: async () => ({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"ok":true}',
    }),
  });
  const sameCalls = sameCallsHandler(stack.tableName, stack.queues['tugboat-reconcile'].url);
  const sameCallsApi = await startHttpApi({
    port: 0,
    functionName: 'same-calls',
    handler: sameCalls.handler,
  });
  try {
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${stack.apiUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (response.status >= 300)
        throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    };
    const taskDefinition = {
      family: 'web',
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'web', image: 'nginx:1.27', portMappings: [{ containerPort: 80 }] }],
    };
    await call('POST', '/task-definitions', taskDefinition);
    const names = Array.from({ length: SERVICES }, (_, index) => `api-${index}`);
    for (const serviceName of names) {
      await call('POST', '/clusters/default/services', {
        serviceName,
        taskDefinition: 'web',
        desiredCount: 0,
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
      });
    }
    const servicePaths = names.map((name) => `/clusters/default/services/${name}`);
    const specs: Array<{ route: string; spec: Omit<LoadSpec, 'url' | 'connections' | 'seconds'> }> = [
      { route: 'GET service', spec: { method: 'GET', paths: servicePaths } },
      {
        route: 'PATCH desiredCount',
        spec: {
          method: 'PATCH',
          paths: servicePaths,
          // Alternating 0 and 1 over the services, so every PATCH changes something.
          bodies: [
            ...names.map(() => JSON.stringify({ desiredCount: 1 })),
            ...names.map(() => JSON.stringify({ desiredCount: 0 })),
          ],
        },
      },
      {
        route: 'POST task definition',
        spec: { method: 'POST', paths: ['/task-definitions'], bodies: [JSON.stringify(taskDefinition)] },
      },
    ];
    // The baseline is only a baseline if it makes the route's calls: each route's first requests and the
    // same requests to the same-calls handler, their DynamoDB and SQS calls compared (a PATCH is sent twice,
    // there and back, so the timed run's bodies still change every service).
    const parity: Record<string, { route: string[]; sameCalls: string[]; equal: boolean }> = {};
    const send = async (url: string, method: string, path: string, body?: string) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body }),
      });
      const text = await response.text();
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    };
    for (const { route, spec } of specs) {
      const path = spec.paths[0]!;
      const bodies = spec.method === 'PATCH' ? [spec.bodies![0]!, spec.bodies!.at(-1)!] : [spec.bodies?.[0]];
      const requests = (url: string) => async () => {
        for (const body of bodies) await send(url, spec.method, path, body);
      };
      // Once untraced first: what each caches per process (a cluster, the registration's template) is read.
      await requests(stack.apiUrl)();
      await requests(sameCallsApi.url)();
      const routeCalls = (await traceAwsCalls(requests(stack.apiUrl))).filter(isDataCall);
      const sameCallsCalls = (await traceAwsCalls(requests(sameCallsApi.url))).filter(isDataCall);
      parity[route] = {
        route: routeCalls,
        sameCalls: sameCallsCalls,
        equal: JSON.stringify(routeCalls) === JSON.stringify(sameCallsCalls),
      };
    }
    const base = { connections: CONNECTIONS, seconds: options.seconds };
    const floor = await dynamoDbFloor(stack.dynamoDbEndpoint, stack.tableName, Math.min(options.seconds, 3));
    const baselineResult = summary(
      await load({ ...base, url: baseline.url, method: 'GET', paths: ['/constant'] }),
    );
    const routes = [];
    for (const { route, spec } of specs) {
      const sameCallsResult = summary(await load({ ...base, url: sameCallsApi.url, ...spec }));
      const measured = summary(await load({ ...base, url: stack.apiUrl, ...spec }));
      const p50Ratio = measured.latencyMs.p50 / Math.max(baselineResult.latencyMs.p50, 1);
      const overheadRatio = measured.latencyMs.p50 / Math.max(sameCallsResult.latencyMs.p50, 1);
      const p99OverP50 = measured.latencyMs.p99 / Math.max(measured.latencyMs.p50, 1);
      routes.push({
        route,
        ...measured,
        p50Ratio: Number(p50Ratio.toFixed(2)),
        overheadRatio: Number(overheadRatio.toFixed(2)),
        p99OverP50: Number(p99OverP50.toFixed(2)),
        sameCalls: { ...sameCallsResult, calls: parity[route]!.sameCalls },
        calls: parity[route]!.route,
        sameCallsMatch: parity[route]!.equal,
        pass:
          overheadRatio <= OVERHEAD_RATIO_LIMIT &&
          (route !== 'POST task definition' || p99OverP50 <= P99_OVER_P50_LIMIT) &&
          parity[route]!.equal &&
          measured.errors === 0 &&
          measured.non2xx === 0 &&
          sameCallsResult.errors + sameCallsResult.non2xx === 0,
      });
    }
    return {
      name: 'api',
      time: 'real',
      connections: CONNECTIONS,
      secondsPerRoute: options.seconds,
      baseline: baselineResult,
      dynamoDbGetItemFloor: floor,
      routes,
      target: {
        overheadRatioAtMost: OVERHEAD_RATIO_LIMIT,
        taskDefinitionP99OverP50AtMost: P99_OVER_P50_LIMIT,
        p50RatioAtMost: P50_RATIO_LIMIT,
        errors: 0,
      },
      pass: routes.every((route) => route.pass),
    };
  } finally {
    await baseline.close();
    await sameCallsApi.close();
    sameCalls.close();
    await stack.stop();
  }
};
