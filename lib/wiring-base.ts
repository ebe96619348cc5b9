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
import { createEcsPacers } from './ecs/pacer';
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
  // The shared budgets on the runtime's clock, the one the passes' deadlines are on (virtual in the local
  // stack's tests). The read pacer keeps real time: a virtual clock that stands still would never refill it.
  const pacers = createEcsPacers(store, { now: runtimeNow }, {});
  const ecsFor = (cluster: string): EcsGateway => {
    let gateway = gateways.get(cluster);
    if (!gateway) {
      gateway = createEcsGateway({
        client: ecs(),
        cluster,
        ...pacers,
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
