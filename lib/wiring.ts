/**
 * The composition root the Lambda handlers share: real clients, built once per cold start, reaching
 * their endpoints through the SDK's standard configuration (AWS_ENDPOINT_URL_* locally).
 */
import { randomUUID } from 'node:crypto';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadConfig, required, type TugboatConfig } from './config';
import { ecsClusterDirectory } from './ecs/clusters';
import { createEcsClientForGateway, createEcsGateway, type EcsGateway } from './ecs/gateway';
import { createReadPacer, createSharedPacer, FARGATE_LAUNCH_BUCKET, FARGATE_LAUNCH_RATE } from './ecs/pacer';
import { createElbClientForGateway, createElbGateway, type ElbGateway } from './elb/gateway';
import { createListenerRules, type ListenerRules } from './elb/rules';
import { SqsReconcileQueue } from './queue/reconcile-queue';
import { createSqsClient } from './queue/sqs-client';
import type { ReconcilerDeps } from './reconcile/pass/context';
import { createReconciler } from './reconcile/pass/reconcile';
import { runtimeNow } from './runtime-clock';
import { createAlarmStateReader } from './scaling/cloudwatch';
import { DynamoDbStore } from './store/dynamodb';
import { DynamoDbJobStore } from './store/jobs';
import { DynamoDbScalingStore } from './store/scaling';
import { DynamoDbScalingHistory } from './store/scaling-history';
import type { UseCaseContext } from './use-cases/context';

export const createRuntime = (config: TugboatConfig = loadConfig()) => {
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const store = new DynamoDbStore(documentClient, config.tableName);
  const scaling = new DynamoDbScalingStore(documentClient, config.tableName);
  const scalingHistory = new DynamoDbScalingHistory(documentClient, config.tableName);
  const jobs = new DynamoDbJobStore(documentClient, config.tableName);
  let sqsClient: SQSClient | undefined;
  const reconcileQueue = () => {
    sqsClient ??= createSqsClient();
    return new SqsReconcileQueue(
      sqsClient,
      required(config.reconcileQueueUrl, 'TUGBOAT_RECONCILE_QUEUE_URL'),
      runtimeNow,
    );
  };

  let ecsClient: ReturnType<typeof createEcsClientForGateway> | undefined;
  const ecs = () => {
    ecsClient ??= createEcsClientForGateway();
    return ecsClient;
  };
  const useCases: UseCaseContext = {
    store,
    config,
    now: () => new Date(runtimeNow()),
    newId: randomUUID,
    clusters: ecsClusterDirectory(ecs, config.clusterArns ? { allowed: config.clusterArns } : {}),
    scaling,
    scalingHistory,
    jobs,
    ...(config.reconcileQueueUrl ? { reconcileQueue: reconcileQueue() } : {}),
    // computePlan reads only the store; the reconciler's ECS gateways are never built for it.
    planner: { computePlan: (service) => reconciler().computePlan(service) },
    ecsFor: (cluster) => ecsFor(cluster),
    elb: () => elb(),
  };

  const gateways = new Map<string, EcsGateway>();
  // ECS's rates are per account and region, so one pacer of each serves every cluster. Launches come
  // from every reconcile worker instance at once, so their budget is shared through the table.
  const launchPacer = createSharedPacer({
    budget: store,
    bucket: FARGATE_LAUNCH_BUCKET,
    rate: FARGATE_LAUNCH_RATE,
  });
  const readPacer = createReadPacer();
  const ecsFor = (cluster: string): EcsGateway => {
    let gateway = gateways.get(cluster);
    if (!gateway) {
      gateway = createEcsGateway({ client: ecs(), cluster, launchPacer, readPacer, now: runtimeNow });
      gateways.set(cluster, gateway);
    }
    return gateway;
  };

  // One gateway per instance: it caches deregistration delays.
  let elbGateway: ElbGateway | undefined;
  const elb = (): ElbGateway => {
    elbGateway ??= createElbGateway({ client: createElbClientForGateway(), now: runtimeNow });
    return elbGateway;
  };
  let rules: ListenerRules | undefined;
  const listenerRules = (): ListenerRules => {
    rules ??= createListenerRules({ client: createElbClientForGateway() });
    return rules;
  };
  let alarmReader: ReturnType<typeof createAlarmStateReader> | undefined;
  const alarmStates = (names: readonly string[]) => {
    alarmReader ??= createAlarmStateReader(new CloudWatchClient({}));
    return alarmReader(names);
  };

  /**
   * The reconciler as the handlers compose it. Tests pass overrides (a clock, a lease, a crash hook, a
   * gateway of their own) instead of assembling the parts by hand.
   */
  const reconciler = (overrides: Partial<ReconcilerDeps> = {}) =>
    createReconciler({
      store,
      ecsFor,
      elb: elb(),
      listenerRules: listenerRules(),
      alarmStates,
      now: runtimeNow,
      newId: randomUUID,
      ...(config.installation ? { installation: config.installation } : {}),
      ...(config.backoffBaseMs === undefined ? {} : { planOptions: { backoffBaseMs: config.backoffBaseMs } }),
      ...overrides,
    });

  return {
    config,
    store,
    scaling,
    scalingHistory,
    jobs,
    sqs: () => (sqsClient ??= createSqsClient()),
    useCases,
    ecsFor,
    elb,
    reconcileQueue,
    reconciler,
  };
};
