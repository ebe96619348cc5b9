/**
 * The DynamoDB adapter of the storage port: one table, each aggregate's items in a module of its own,
 * all writing through one Table (./table.ts). This class only composes them; a new item type gets its
 * own module (or joins its aggregate's), its methods on the port, and its module one line here.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeployRequestItems } from './deploy-requests';
import { LeaseItems } from './leases';
import type { TugboatStore } from './port';
import { pauseAfterLostRateRace, RateBudgetItems } from './rate-budget';
import { ServiceItems } from './services';
import { Table } from './table';
import { TaskDefinitionItems } from './task-definitions';
import { TaskInventoryItems } from './task-inventory';

export { TASK_HISTORY_SECONDS } from '../inventory/retention';
export { rateRetryPauseMs } from './rate-budget';
export { SERVICE_EVENT_RETENTION_SECONDS } from './services';

/** An aggregate's methods, bound to it. */
type Methods<T> = { [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] };

const methodsOf = <T extends object>(items: T): Methods<T> => {
  const bound: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(items))) {
    const value: unknown = Reflect.get(items, name);
    if (name !== 'constructor' && typeof value === 'function') bound[name] = value.bind(items);
  }
  return bound as Methods<T>;
};

// The class has the port's methods: the constructor puts each aggregate's own there, with no hop between.
export interface DynamoDbStore extends TugboatStore {}

/** DynamoDB adapter of the storage port. Takes an injected document client. */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the constructor assigns every port method (typed as the port)
export class DynamoDbStore {
  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    /** The pause after a lost rate-budget race (tests inject one that records it). */
    pauseAfterLostRace: (attempt: number) => Promise<void> = pauseAfterLostRateRace,
  ) {
    const table = new Table(client, tableName);
    // Typed as the port: a method no aggregate has is a compile error here.
    const port: TugboatStore = {
      ...methodsOf(new TaskDefinitionItems(table)),
      ...methodsOf(new ServiceItems(table)),
      ...methodsOf(new TaskInventoryItems(table)),
      ...methodsOf(new LeaseItems(table)),
      ...methodsOf(new RateBudgetItems(table, pauseAfterLostRace)),
      ...methodsOf(new DeployRequestItems(table)),
    };
    Object.assign(this, port);
  }
}
