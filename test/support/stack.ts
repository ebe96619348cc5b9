/**
 * The one test fixture for a local stack (docs/testing.md): `useTestStack(options)` starts it before the
 * file's (or describe block's) tests and stops it after them; `useTestTable()` gives a table alone.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, inject } from 'vitest';
import type { ReconcilerDeps } from '../../lib/reconcile/pass/context';
import { DynamoDbStore } from '../../lib/store/dynamodb';
import { createRuntime } from '../../lib/wiring';
import { createTable, localDynamoDbClient } from '../../local/dynamodb';
import type { LocalStack, LocalStackOptions } from '../../local/stack';
import { httpClient, invoker, stackStore, startTestStack } from './api';
import { ecsClient } from './ecs';
import { contractCheckedClient } from './openapi';

type EcsOptions = NonNullable<LocalStackOptions['ecs']>;

/**
 * How fast the local ECS endpoint starts and stops tasks, by what a test needs (never throttled; a test
 * that wants throttling or faults adds them in `ecs`, which is laid over the preset).
 */
export const TIMINGS = {
  /** Tasks up almost at once: API-level tests that need tasks to exist, not to be watched. */
  instant: { startMs: 100, stopMs: 50, throttle: 'off' },
  /** The scheduler and worker converge a service in a second or two. */
  fast: { startMs: 200, stopMs: 100, throttle: 'off' },
  /** The test drives the passes itself (usually with `workerConcurrency: 0`): a task starts between two. */
  driven: { startMs: 300, stopMs: 100, throttle: 'off' },
  /** Long enough to watch a rollout progress (PENDING, then RUNNING), as a user of the console would. */
  realistic: { startMs: 400, stopMs: 200, throttle: 'off' },
  /** Tasks never finish starting within a test: nothing becomes healthy between passes. */
  pending: { startMs: 60_000, stopMs: 100, throttle: 'off' },
  /** The endpoint's virtual clock: time moves only when the test advances it. */
  virtual: { clock: 'virtual', throttle: 'off' },
} as const satisfies Record<string, EcsOptions>;

export type Timing = keyof typeof TIMINGS;

export interface TestStackOptions extends Partial<LocalStackOptions> {
  /** A preset of the ECS endpoint's timing; without it the endpoint's own defaults. */
  timing?: Timing;
  /** Check every answer of `api` against the OpenAPI document (lib/api/openapi.json). */
  contract?: boolean;
}

type HttpClient = ReturnType<typeof httpClient>;

export interface TestStack {
  /** The running stack (its URLs, queues and endpoints' in-process state). */
  readonly stack: LocalStack;
  /** The HTTP API, as a user's HTTP client calls it. */
  readonly api: HttpClient;
  /** An ECS client of the stack's ECS endpoint (destroyed after the tests). */
  readonly ecs: ECSClient;
  /** An ELB client of the stack's ELB endpoint (destroyed after the tests). */
  readonly elb: ElasticLoadBalancingV2Client;
  /** The stack's table through the store, as the functions reach it. */
  readonly store: DynamoDbStore;
  /** How many answers `api` checked against the OpenAPI document (with `contract: true`). */
  checkedCount(): number;
  /** Invokes the API Lambda handler in-process (no HTTP server between). */
  invoke: ReturnType<typeof invoker>;
  /** lib/wiring.ts's composition root on this stack (its store, ECS gateways, ELB gateway, reconciler). */
  readonly runtime: ReturnType<typeof createRuntime>;
  /** The reconciler as lib/wiring.ts composes it for this stack, with `overrides` laid over it. */
  reconciler(overrides?: Partial<ReconcilerDeps>): ReturnType<ReturnType<typeof createRuntime>['reconciler']>;
}

/** The options startTestStack gets for these: the preset's ECS timing with `ecs` laid over it. */
export const stackOptions = ({
  timing,
  contract: _contract,
  ...rest
}: TestStackOptions = {}): Partial<LocalStackOptions> =>
  timing === undefined && rest.ecs === undefined
    ? rest
    : { ...rest, ecs: { ...(timing ? TIMINGS[timing] : {}), ...rest.ecs } };

/**
 * Starts a stack for the enclosing file or describe block (beforeAll) and stops it after (afterAll).
 * The returned handle's fields are available once beforeAll ran; the file's own beforeAll hooks,
 * registered after this call, run after the stack is up, and its afterAll hooks before it stops.
 */
export const useTestStack = (options: TestStackOptions = {}): TestStack => {
  let stack: LocalStack | undefined;
  let api: ReturnType<typeof contractCheckedClient> | HttpClient | undefined;
  let ecs: ECSClient | undefined;
  let elb: ElasticLoadBalancingV2Client | undefined;
  let store: DynamoDbStore | undefined;
  let runtime: ReturnType<typeof createRuntime> | undefined;
  let apiInvoker: ReturnType<typeof invoker> | undefined;

  beforeAll(async () => {
    stack = await startTestStack(stackOptions(options));
  });
  afterAll(async () => {
    ecs?.destroy();
    elb?.destroy();
    await stack?.stop();
  });

  const started = (): LocalStack => {
    if (!stack) throw new Error('useTestStack: the stack is available only in and after beforeAll');
    return stack;
  };
  return {
    get stack() {
      return started();
    },
    get api() {
      api ??= (options.contract ? contractCheckedClient : httpClient)(started().apiUrl);
      return api;
    },
    checkedCount: () => {
      const client = started() && api;
      if (!client || !('checkedCount' in client))
        throw new Error('useTestStack: checkedCount needs contract: true');
      return client.checkedCount();
    },
    get ecs() {
      ecs ??= ecsClient(started().ecsUrl);
      return ecs;
    },
    get elb() {
      elb ??= new ElasticLoadBalancingV2Client({
        endpoint: started().elbUrl,
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      });
      return elb;
    },
    get store() {
      store ??= stackStore(started());
      return store;
    },
    invoke: async (method, path, invokeOptions) => {
      started();
      apiInvoker ??= invoker((await import('../../functions/api')).handler as never);
      return apiInvoker(method, path, invokeOptions);
    },
    get runtime() {
      started();
      // The stack pointed the SDK's endpoints and Tugboat's configuration at itself (process.env).
      runtime ??= createRuntime();
      return runtime;
    },
    reconciler(overrides = {}) {
      return this.runtime.reconciler(overrides);
    },
  };
};

export interface TestTable {
  readonly tableName: string;
  /** The DynamoDB Local client (destroyed after the tests). */
  readonly client: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
  readonly store: DynamoDbStore;
}

/**
 * A fresh table of its own in the shared DynamoDB Local, for tests that need no more of the stack. The
 * clients exist at once (module level may build on them); the table exists from beforeAll on.
 */
export const useTestTable = (prefix = 'tugboat-test'): TestTable => {
  const tableName = `${prefix}-${randomUUID()}`;
  const client = localDynamoDbClient(inject('dynamoDbEndpoint'));
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  beforeAll(() => createTable(client, tableName));
  afterAll(() => client.destroy());
  return { tableName, client, documentClient, store: new DynamoDbStore(documentClient, tableName) };
};
