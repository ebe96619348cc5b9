/**
 * The part of the composition root every Lambda handler needs: the store, the reconcile queue and the ECS
 * gateways, built once per cold start. It imports neither the reconciler nor Elastic Load Balancing, so a
 * handler that needs neither (task events, deploy events) bundles and loads neither; lib/wiring.ts adds them.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadConfig, required, type TugboatConfig } from './config';
import { ecsClusterDirectory } from './ecs/clusters';
import { createEcsClientForGateway, createEcsGateway, type EcsGateway } from './ecs/gateway';
import {
  createReadPacer,
  createSharedPacer,
  FARGATE_LAUNCH_BUCKET,
  FARGATE_LAUNCH_RATE,
  TASK_DEFINITION_MODIFY_BUCKET,
  TASK_DEFINITION_MODIFY_RATE,
} from './ecs/pacer';
import { SqsReconcileQueue } from './queue/reconcile-queue';
import { createSqsClient } from './queue/sqs-client';
import { runtimeNow } from './runtime-clock';
import { DynamoDbStore } from './store/dynamodb';
import { DynamoDbJobStore } from './store/jobs';
import { DynamoDbScalingStore } from './store/scaling';
import { DynamoDbScalingHistory } from './store/scaling-history';
import type { UseCaseContext } from './use-cases/context';

export const createBaseRuntime = (config: TugboatConfig = loadConfig()) => {
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const store = new DynamoDbStore(documentClient, config.tableName);
  const scaling = new DynamoDbScalingStore(documentClient, config.tableName);
  const scalingHistory = new DynamoDbScalingHistory(documentClient, config.tableName);
  const jobs = new DynamoDbJobStore(documentClient, config.tableName);
  let sqsClient: SQSClient | undefined;
  const sqs = () => {
    sqsClient ??= createSqsClient();
    return sqsClient;
  };
  const reconcileQueue = () =>
    new SqsReconcileQueue(
      sqs(),
      required(config.reconcileQueueUrl, 'TUGBOAT_RECONCILE_QUEUE_URL'),
      runtimeNow,
    );

  let ecsClient: ReturnType<typeof createEcsClientForGateway> | undefined;
  const ecs = () => {
    ecsClient ??= createEcsClientForGateway();
    return ecsClient;
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
  // First launches of new revisions register them, from every worker instance at once: shared too.
  const registrationPacer = createSharedPacer({
    budget: store,
    bucket: TASK_DEFINITION_MODIFY_BUCKET,
    rate: TASK_DEFINITION_MODIFY_RATE,
  });
  const ecsFor = (cluster: string): EcsGateway => {
    let gateway = gateways.get(cluster);
    if (!gateway) {
      gateway = createEcsGateway({
        client: ecs(),
        cluster,
        launchPacer,
        readPacer,
        registrationPacer,
        now: runtimeNow,
      });
      gateways.set(cluster, gateway);
    }
    return gateway;
  };

  /** The use cases' context without a planner or ELB (lib/wiring.ts adds them). */
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
    ecsFor,
  };

  return { config, store, scaling, scalingHistory, jobs, sqs, useCases, ecsFor, reconcileQueue };
};

export type BaseRuntime = ReturnType<typeof createBaseRuntime>;
