import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { apiClient } from '../client/client';
import { consoleGuard } from '../console/guard';
import { consoleListener } from '../console/server';
import { createSqsClient } from '../lib/queue/sqs-client';
import { setRuntimeClock } from '../lib/runtime-clock';
import {
  type LocalCloudWatchServer,
  type LocalCloudWatchServerOptions,
  startLocalCloudWatchServer,
} from './cloudwatch';
import { createTable, localDynamoDbClient, type RunningDynamoDb, startDynamoDbLocal } from './dynamodb';
import { type LocalEcsServer, type LocalEcsServerOptions, startLocalEcsServer } from './ecs';
import {
  createDefaultAlb,
  createDefaultWebTargetGroup,
  type DefaultAlb,
  type LocalElbServer,
  startLocalElbServer,
} from './elb';
import { elbThrottleFromEnv } from './elb/throttle';
import { type HttpApiHandler, startHttpApi } from './http-api';
import { lambdaContext, scheduledEvent } from './lambda-context';
import { assertPortFree } from './preflight';
import { createQueues, onEndpoint, type QueueWithDlq, startLocalSqs, TUGBOAT_QUEUE_NAMES } from './sqs';
import { type SqsEventHandler, type SqsPoller, startSqsPoller } from './sqs-poller';

export interface LocalStackOptions {
  apiPort: number;
  dynamoDbPort: number;
  sqsPort: number;
  ecsPort: number;
  /** Local CloudWatch endpoint port (default: any free port). */
  cloudWatchPort?: number;
  /** Settings of the local CloudWatch endpoint (throttling, a target group resolver). */
  cloudWatch?: Omit<LocalCloudWatchServerOptions, 'port' | 'host' | 'clock' | 'usage'>;
  /** The local ELB endpoint's port (default: any free port). */
  elbPort?: number;
  /** Persist DynamoDB Local's data here; in memory when absent. */
  dataDir?: string;
  tableName?: string;
  /** Reuse a DynamoDB Local that is already running (tests share one). */
  dynamoDbEndpoint?: string;
  /** Settings of the local ECS endpoint (start/stop times, throttling, event chaos, clock). */
  ecs?: Omit<LocalEcsServerOptions, 'port' | 'host' | 'eventsQueueUrl'>;
  /** Scheduler period; 0 turns the schedule off (tests may run it by hand). */
  reconcileIntervalMs?: number;
  /** Auto scaling evaluation period (default 60 s); 0 turns it off (tests run it by hand). */
  scalingIntervalMs?: number;
  /** Jobs scheduler period (default 10 s: a tick runs within 10 s of its time); 0 turns it off. */
  jobsIntervalMs?: number;
  /**
   * Concurrent poll loops of the reconcile worker, as Lambda's concurrency (default 5, as an event source
   * mapping starts); 0 leaves the queue unread.
   */
  workerConcurrency?: number;
  visibilityTimeoutSeconds?: number;
  maxReceiveCount?: number;
  /** ECS clusters to create at start. */
  clusters?: string[];
  /** The web console at /console/ on the API's port; read-only unless allowWrites. */
  console?: { allowWrites?: boolean } | false;
  /** Host names the API and console answer besides 127.0.0.1 and localhost (TUGBOAT_ALLOWED_HOSTS). */
  allowedHosts?: string[];
}

export interface LocalStack {
  apiUrl: string;
  dynamoDbEndpoint: string;
  sqsEndpoint: string;
  ecsUrl: string;
  ecs: LocalEcsServer;
  cloudWatchUrl: string;
  cloudWatch: LocalCloudWatchServer;
  elbUrl: string;
  elb: LocalElbServer;
  /** ARN of the `default-web` target group created at start. */
  defaultTargetGroupArn: string;
  /** `default-alb`, its listeners (80 production, 8080 test), their default rules and `default-web-green`. */
  defaultAlb: DefaultAlb;
  tableName: string;
  queues: Record<(typeof TUGBOAT_QUEUE_NAMES)[number], QueueWithDlq>;
  /** Settles if a component dies while the stack runs (DynamoDB Local's child exiting). */
  failed: Promise<Error>;
  /** Runs one scheduler pass now, as the schedule would. */
  runScheduler(): Promise<unknown>;
  /** Runs one auto scaling evaluation now, at the local ECS endpoint's time (virtual or real). */
  runScalingEvaluation(): Promise<unknown>;
  /** Runs one jobs scheduler pass now, at the local ECS endpoint's time (virtual or real). */
  runJobsScheduler(): Promise<unknown>;
  stop(): Promise<void>;
}

/** Concurrent invocations an SQS event source mapping starts with when messages are available. */
const LAMBDA_INITIAL_SQS_CONCURRENCY = 5;

/**
 * The local stack: DynamoDB Local, fauxqs (SQS), Tugboat's ECS endpoint, the HTTP API, the queue
 * pollers and the reconcile schedule. Handlers reach every endpoint through the SDK's standard
 * AWS_ENDPOINT_URL_* variables, exactly as in Lambda; nothing here is a special code path.
 */
export const startLocalStack = async (options: LocalStackOptions): Promise<LocalStack> => {
  const tableName = options.tableName ?? 'tugboat-local';
  process.env.AWS_REGION ??= 'us-east-1';
  const region = process.env.AWS_REGION;
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  // One plain line per reconciler action at INFO (TUGBOAT_LOG_LEVEL changes it); the functions' own
  // JSON logs only from WARN, unless TUGBOAT_LOG_LEVEL asks for more.
  process.env.TUGBOAT_LOG_FORMAT ??= 'text';
  // Lifecycle hooks may be http:// URLs here, so they can be tried without Lambda (never in AWS).
  process.env.TUGBOAT_LOCAL_HOOKS ??= '1';
  process.env.TUGBOAT_LOG_LEVEL ??= 'INFO';
  process.env.POWERTOOLS_LOG_LEVEL ??= process.env.TUGBOAT_LOG_LEVEL === 'DEBUG' ? 'DEBUG' : 'WARN';
  // No CloudWatch here: embedded-metric-format lines would only flood the terminal.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const stopOne of stoppers.reverse()) await stopOne().catch(() => undefined);
  };

  try {
    // Each component checks its port before it starts: a stack must never talk to somebody else's.
    await assertPortFree(options.apiPort, 'PORT');
    await assertPortFree(options.sqsPort, 'TUGBOAT_LOCAL_SQS_PORT');
    await assertPortFree(options.ecsPort, 'TUGBOAT_LOCAL_ECS_PORT');
    await assertPortFree(options.elbPort ?? 0, 'TUGBOAT_LOCAL_ELB_PORT');
    await assertPortFree(options.cloudWatchPort ?? 0, 'TUGBOAT_LOCAL_CLOUDWATCH_PORT');
    const dynamoDb: RunningDynamoDb | undefined = options.dynamoDbEndpoint
      ? undefined
      : await startDynamoDbLocal({
          port: options.dynamoDbPort,
          ...(options.dataDir ? { dataDir: options.dataDir } : {}),
        });
    if (dynamoDb) stoppers.push(dynamoDb.stop);
    const dynamoDbEndpoint = options.dynamoDbEndpoint ?? dynamoDb!.endpoint;
    const dynamoDbClient = localDynamoDbClient(dynamoDbEndpoint);
    await createTable(dynamoDbClient, tableName);
    dynamoDbClient.destroy();

    const sqs = await startLocalSqs({ port: options.sqsPort });
    stoppers.push(sqs.stop);
    const sqsClient = createSqsClient({ endpoint: sqs.endpoint, region });
    stoppers.push(async () => sqsClient.destroy());
    const queues = onEndpoint(
      await createQueues(sqsClient, TUGBOAT_QUEUE_NAMES, {
        maxReceiveCount: options.maxReceiveCount ?? 5,
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 10,
      }),
      sqs.endpoint,
    );

    process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamoDbEndpoint;
    process.env.AWS_ENDPOINT_URL_SQS = sqs.endpoint;
    process.env.TUGBOAT_TABLE_NAME = tableName;
    process.env.TUGBOAT_RECONCILE_QUEUE_URL = queues['tugboat-reconcile'].url;

    // Set once the API listens: the local ECS endpoint's service APIs point to it.
    let apiUrl: string | undefined;
    const ecs = await startLocalEcsServer({
      servicesApiUrl: () => apiUrl,
      ...options.ecs,
      port: options.ecsPort,
      host: '127.0.0.1',
      eventsQueueUrl: queues['tugboat-task-events'].url,
      sqsClient,
    });
    stoppers.push(ecs.close);
    process.env.AWS_ENDPOINT_URL_ECS = ecs.url;
    // The handlers run on the endpoint's clock (virtual in tests and benchmarks): one timeline for
    // task times and the reconciler's health and rollout judgements.
    setRuntimeClock(() => ecs.ecs.now());
    stoppers.push(async () => setRuntimeClock());
    for (const cluster of options.clusters ?? ['default']) {
      // As an ECS console cluster: both Fargate capacity providers associated. In process, not over the wire:
      // the stack's own setup must not meet the faults injected for Tugboat's calls (faultRate).
      ecs.ecs.handle('CreateCluster', {
        clusterName: cluster,
        capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      });
    }

    // On the ECS endpoint's clock, with Container Insights from its tasks and the load set on it.
    const cloudWatch = await startLocalCloudWatchServer({
      ...options.cloudWatch,
      port: options.cloudWatchPort ?? 0,
      host: '127.0.0.1',
      clock: ecs.ecs,
      usage: ecs.ecs.usage,
    });
    stoppers.push(cloudWatch.close);
    process.env.AWS_ENDPOINT_URL_CLOUDWATCH = cloudWatch.url;
    // Health checks reach the ECS endpoint's tasks, on its clock (virtual in the benchmarks).
    const elb = await startLocalElbServer({
      port: options.elbPort ?? 0,
      host: '127.0.0.1',
      clock: ecs.ecs,
      tasks: ecs.ecs,
      throttle: elbThrottleFromEnv(process.env.TUGBOAT_LOCAL_ELB_THROTTLE),
    });
    stoppers.push(elb.close);
    // The load balancer's traffic is what CloudWatch reports as AWS/ApplicationELB.
    cloudWatch.cloudWatch.setApplicationElbSource(elb.elb.applicationElbMetrics);
    process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 = elb.url;
    const elbClient = new ElasticLoadBalancingV2Client({ endpoint: elb.url, region });
    const { defaultTargetGroupArn, defaultAlb } = await (async () => {
      const arn = await createDefaultWebTargetGroup(elbClient);
      return { defaultTargetGroupArn: arn, defaultAlb: await createDefaultAlb(elbClient, arn) };
    })().finally(() => elbClient.destroy());

    // Imported only now, so each handler's config module sees the environment set above.
    const { handler: api } = (await import('../functions/api')) as { handler: HttpApiHandler };
    const { handler: taskEvents } = (await import('../functions/task-events')) as {
      handler: SqsEventHandler;
    };
    const { handler: reconcileWorker } = (await import('../functions/reconcile-worker')) as {
      handler: SqsEventHandler;
    };
    const { handler: deployEvents } = (await import('../functions/deploy-events')) as {
      handler: SqsEventHandler;
    };
    const { handler: scheduler } = (await import('../functions/reconcile-scheduler')) as {
      handler: (event: ScheduledEvent, context: Context) => Promise<unknown>;
    };
    const { handler: scalingEvaluator } = (await import('../functions/scaling-evaluator')) as {
      handler: (event: ScheduledEvent, context: Context) => Promise<unknown>;
    };
    const { handler: jobsScheduler } = (await import('../functions/jobs-scheduler')) as {
      handler: (event: ScheduledEvent, context: Context) => Promise<unknown>;
    };

    let consoleHandler: ReturnType<typeof consoleListener> | undefined;
    const guard = consoleGuard(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {});
    const httpApi = await startHttpApi({
      handler: api,
      port: options.apiPort,
      functionName: 'tugboat-api',
      intercept: async (request, response) => {
        if (consoleHandler && (await consoleHandler(request, response))) return true;
        // The local API has no authentication: it answers only its own addresses (no DNS rebinding), and
        // no change a page of another origin sends (a text/plain POST needs no preflight).
        const write = request.method !== 'GET' && request.method !== 'HEAD';
        const refused = guard.hostRefusal(request) ?? (write ? guard.crossOriginRefusal(request) : undefined);
        if (!refused) return false;
        response
          .writeHead(refused.status, { 'content-type': 'application/json' })
          .end(`${JSON.stringify({ error: { code: refused.code, message: refused.message } })}\n`);
        return true;
      },
    });
    stoppers.push(httpApi.close);
    apiUrl = httpApi.url;
    if (options.console !== false) {
      // The console reads the API over HTTP, exactly as `tugboat console` does against a deployed one.
      consoleHandler = consoleListener({
        api: apiClient(httpApi.url),
        allowWrites: options.console?.allowWrites ?? false,
        // What local/start.ts reads to allow writes: the read-only note names it.
        writeSwitch: 'TUGBOAT_CONSOLE_ALLOW_WRITES=1',
        clusters: options.clusters ?? ['default'],
        guard,
      });
    }

    const onError = (error: unknown, functionName: string) => {
      if (process.env.TUGBOAT_LOCAL_QUIET !== '1') console.error(`${functionName} failed:`, error);
    };
    // As Lambda's SQS event source mappings: ReportBatchItemFailures, several concurrent pollers.
    const poll = (
      queue: (typeof TUGBOAT_QUEUE_NAMES)[number],
      handler: SqsEventHandler,
      functionName: string,
      concurrency: number,
    ): SqsPoller =>
      startSqsPoller({
        client: sqsClient,
        queueUrl: queues[queue].url,
        queueArn: queues[queue].arn,
        handler,
        functionName,
        waitTimeSeconds: 1,
        concurrency,
        reportBatchItemFailures: true,
        onError,
      });
    // Lambda starts an SQS event source mapping with five concurrent invocations once messages come
    // (services-sqs-scaling.html): the task events' reaction time depends on it.
    const pollers: SqsPoller[] = [
      poll('tugboat-task-events', taskEvents, 'tugboat-task-events', LAMBDA_INITIAL_SQS_CONCURRENCY),
      poll('tugboat-deploys', deployEvents, 'tugboat-deploy-events', 2),
    ];
    if (options.workerConcurrency !== 0) {
      pollers.push(
        poll(
          'tugboat-reconcile',
          reconcileWorker,
          'tugboat-reconcile-worker',
          options.workerConcurrency ?? LAMBDA_INITIAL_SQS_CONCURRENCY,
        ),
      );
    }
    // Pollers stop before the endpoints they read from.
    stoppers.push(async () => {
      await Promise.all(pollers.map((poller) => poller.stop()));
    });

    /** A scheduled function: run now by hand, or every intervalMs (0: never); one run at a time. */
    const scheduledFunction = (name: string, invoke: () => Promise<unknown>, intervalMs: number) => {
      let running: Promise<unknown> | undefined;
      const run = () => {
        running ??= invoke().finally(() => {
          running = undefined;
        });
        return running;
      };
      if (intervalMs > 0) {
        const timer = setInterval(() => {
          run().catch((error: unknown) => onError(error, name));
        }, intervalMs);
        stoppers.push(async () => {
          clearInterval(timer);
          await running?.catch(() => undefined);
        });
      }
      return run;
    };
    const runScheduler = scheduledFunction(
      'tugboat-reconcile-scheduler',
      () => scheduler(scheduledEvent(), lambdaContext('tugboat-reconcile-scheduler')),
      options.reconcileIntervalMs ?? 5_000,
    );
    const runScalingEvaluation = scheduledFunction(
      'tugboat-scaling-evaluator',
      () =>
        scalingEvaluator(
          scheduledEvent(ecs.ecs.now(), 'tugboat-scaling-schedule'),
          lambdaContext('tugboat-scaling-evaluator'),
        ),
      options.scalingIntervalMs ?? 60_000,
    );
    // As EventBridge would invoke it, more often: a pass records each tick once, so a tick runs within
    // the interval of its time.
    const runJobsScheduler = scheduledFunction(
      'tugboat-jobs-scheduler',
      () =>
        jobsScheduler(
          scheduledEvent(ecs.ecs.now(), 'tugboat-jobs-schedule'),
          lambdaContext('tugboat-jobs-scheduler'),
        ),
      options.jobsIntervalMs ?? 10_000,
    );

    return {
      apiUrl: httpApi.url,
      dynamoDbEndpoint,
      sqsEndpoint: sqs.endpoint,
      ecsUrl: ecs.url,
      ecs,
      cloudWatchUrl: cloudWatch.url,
      cloudWatch,
      elbUrl: elb.url,
      elb,
      defaultTargetGroupArn,
      defaultAlb,
      tableName,
      queues,
      failed: dynamoDb ? dynamoDb.exitedUnexpectedly : new Promise<Error>(() => undefined),
      runScheduler,
      runScalingEvaluation,
      runJobsScheduler,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};
