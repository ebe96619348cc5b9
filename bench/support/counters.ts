/**
 * Counting middleware for the real SDK clients: ECS calls by action (throttled attempts apart), and
 * DynamoDB calls by operation with the capacity DynamoDB reports (ReturnConsumedCapacity TOTAL).
 * Each also tells the virtual clock that a real call is in flight.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';

export interface CallCount {
  calls: number;
  throttled: number;
  errors: number;
}

export interface DynamoDbCount {
  calls: number;
  capacityUnits: number;
}

export interface DynamoDbTotals {
  reads: number;
  writes: number;
  readCapacityUnits: number;
  writeCapacityUnits: number;
  byOperation: Record<string, DynamoDbCount>;
}

export interface InflightTracker {
  inflight: number;
}

export const actionOf = (commandName: string | undefined) =>
  (commandName ?? 'Unknown').replace(/Command$/, '');

export const countEcsCalls = (
  client: ECSClient | ElasticLoadBalancingV2Client | CloudWatchClient,
  tracker?: InflightTracker,
) => {
  let counts: Record<string, CallCount> = {};
  // The same middleware counts ELB and CloudWatch calls (--load-balanced, progressive); the stacks take it alike.
  (client as ECSClient).middlewareStack.add(
    (next, context) => async (args) => {
      const action = actionOf(context.commandName);
      const count = counts[action] ?? { calls: 0, throttled: 0, errors: 0 };
      counts[action] = count;
      count.calls++;
      if (tracker) tracker.inflight++;
      try {
        return await next(args);
      } catch (error) {
        // ECS says ThrottlingException, Elastic Load Balancing says Throttling.
        if (['ThrottlingException', 'Throttling'].includes((error as Error).name)) count.throttled++;
        else count.errors++;
        throw error;
      } finally {
        if (tracker) tracker.inflight--;
      }
    },
    { step: 'initialize', name: 'benchEcsCounter', priority: 'high' },
  );
  return {
    snapshot: (): Record<string, CallCount> => structuredClone(counts),
    reset: () => {
      counts = {};
    },
  };
};

const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const WITH_CAPACITY = new Set([
  ...READS,
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

const emptyTotals = (): DynamoDbTotals => ({
  reads: 0,
  writes: 0,
  readCapacityUnits: 0,
  writeCapacityUnits: 0,
  byOperation: {},
});

/** Add to the base DynamoDBClient: lib-dynamodb's document client shares its middleware stack. */
export const countDynamoDbCalls = (client: DynamoDBClient, tracker?: InflightTracker) => {
  let totals = emptyTotals();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = actionOf(context.commandName);
      if (!WITH_CAPACITY.has(operation)) return next(args);
      (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
      if (tracker) tracker.inflight++;
      try {
        const result = await next(args);
        const consumed = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] })
          .ConsumedCapacity;
        const units = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []).reduce(
          (sum, item) => sum + (item.CapacityUnits ?? 0),
          0,
        );
        const count = totals.byOperation[operation] ?? { calls: 0, capacityUnits: 0 };
        totals.byOperation[operation] = count;
        count.calls++;
        count.capacityUnits += units;
        if (READS.has(operation)) {
          totals.reads++;
          totals.readCapacityUnits += units;
        } else {
          totals.writes++;
          totals.writeCapacityUnits += units;
        }
        return result;
      } finally {
        if (tracker) tracker.inflight--;
      }
    },
    { step: 'initialize', name: 'benchDynamoDbCounter', priority: 'high' },
  );
  return {
    snapshot: (): DynamoDbTotals => structuredClone(totals),
    reset: () => {
      totals = emptyTotals();
    },
  };
};

/** The difference of two ECS count snapshots. */
export const ecsDelta = (
  after: Record<string, CallCount>,
  before: Record<string, CallCount>,
): Record<string, CallCount> => {
  const delta: Record<string, CallCount> = {};
  for (const [action, count] of Object.entries(after)) {
    const base = before[action] ?? { calls: 0, throttled: 0, errors: 0 };
    const calls = count.calls - base.calls;
    if (calls > 0)
      delta[action] = {
        calls,
        throttled: count.throttled - base.throttled,
        errors: count.errors - base.errors,
      };
  }
  return delta;
};
