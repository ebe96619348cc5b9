/**
 * The DynamoDB adapter of the storage port: one table, each aggregate's items in a module of its own,
 * all writing through one Table (./table.ts). This class only composes them; a new item type gets its
 * own module (or joins its aggregate's), its methods on the port, and a line here for each.
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

type Args<Method extends keyof TugboatStore> = Parameters<TugboatStore[Method]>;

/** DynamoDB adapter of the storage port. Takes an injected document client. */
export class DynamoDbStore implements TugboatStore {
  private readonly taskDefinitions: TaskDefinitionItems;
  private readonly services: ServiceItems;
  private readonly tasks: TaskInventoryItems;
  private readonly leases: LeaseItems;
  private readonly rateBudgets: RateBudgetItems;
  private readonly deployRequests: DeployRequestItems;

  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    /** The pause after a lost rate-budget race (tests inject one that records it). */
    pauseAfterLostRace: (attempt: number) => Promise<void> = pauseAfterLostRateRace,
  ) {
    const table = new Table(client, tableName);
    this.taskDefinitions = new TaskDefinitionItems(table);
    this.services = new ServiceItems(table);
    this.tasks = new TaskInventoryItems(table);
    this.leases = new LeaseItems(table);
    this.rateBudgets = new RateBudgetItems(table, pauseAfterLostRace);
    this.deployRequests = new DeployRequestItems(table);
  }

  // Task definitions (./task-definitions.ts)
  createTaskDefinition(...args: Args<'createTaskDefinition'>) {
    return this.taskDefinitions.createTaskDefinition(...args);
  }
  getTaskDefinition(...args: Args<'getTaskDefinition'>) {
    return this.taskDefinitions.getTaskDefinition(...args);
  }
  getLatestTaskDefinition(...args: Args<'getLatestTaskDefinition'>) {
    return this.taskDefinitions.getLatestTaskDefinition(...args);
  }
  getLatestActiveTaskDefinition(...args: Args<'getLatestActiveTaskDefinition'>) {
    return this.taskDefinitions.getLatestActiveTaskDefinition(...args);
  }
  listTaskDefinitions(...args: Args<'listTaskDefinitions'>) {
    return this.taskDefinitions.listTaskDefinitions(...args);
  }
  listTaskDefinitionFamilies(...args: Args<'listTaskDefinitionFamilies'>) {
    return this.taskDefinitions.listTaskDefinitionFamilies(...args);
  }
  updateTaskDefinition(...args: Args<'updateTaskDefinition'>) {
    return this.taskDefinitions.updateTaskDefinition(...args);
  }
  listRevisionsAwaitingEcsDeregistration() {
    return this.taskDefinitions.listRevisionsAwaitingEcsDeregistration();
  }
  reserveTaskDefinitionRevision(...args: Args<'reserveTaskDefinitionRevision'>) {
    return this.taskDefinitions.reserveTaskDefinitionRevision(...args);
  }
  advanceTaskDefinitionCounter(...args: Args<'advanceTaskDefinitionCounter'>) {
    return this.taskDefinitions.advanceTaskDefinitionCounter(...args);
  }
  advanceDenseThrough(...args: Args<'advanceDenseThrough'>) {
    return this.taskDefinitions.advanceDenseThrough(...args);
  }
  listTaskDefinitionStamps(...args: Args<'listTaskDefinitionStamps'>) {
    return this.taskDefinitions.listTaskDefinitionStamps(...args);
  }

  // Services, their events, the cluster registry (./services.ts)
  createService(...args: Args<'createService'>) {
    return this.services.createService(...args);
  }
  getService(...args: Args<'getService'>) {
    return this.services.getService(...args);
  }
  listServices(...args: Args<'listServices'>) {
    return this.services.listServices(...args);
  }
  updateService(...args: Args<'updateService'>) {
    return this.services.updateService(...args);
  }
  addServiceEvents(...args: Args<'addServiceEvents'>) {
    return this.services.addServiceEvents(...args);
  }
  listServiceEvents(...args: Args<'listServiceEvents'>) {
    return this.services.listServiceEvents(...args);
  }
  registerCluster(...args: Args<'registerCluster'>) {
    return this.services.registerCluster(...args);
  }
  listClusters(...args: Args<'listClusters'>) {
    return this.services.listClusters(...args);
  }
  listAutoDeployServices(...args: Args<'listAutoDeployServices'>) {
    return this.services.listAutoDeployServices(...args);
  }

  // The task inventory (./task-inventory.ts)
  recordTask(...args: Args<'recordTask'>) {
    return this.tasks.recordTask(...args);
  }
  getTask(...args: Args<'getTask'>) {
    return this.tasks.getTask(...args);
  }
  markTaskMissing(...args: Args<'markTaskMissing'>) {
    return this.tasks.markTaskMissing(...args);
  }
  setTaskLoadBalancing(...args: Args<'setTaskLoadBalancing'>) {
    return this.tasks.setTaskLoadBalancing(...args);
  }
  listServiceTasks(...args: Args<'listServiceTasks'>) {
    return this.tasks.listServiceTasks(...args);
  }
  listRecentServiceTasks(...args: Args<'listRecentServiceTasks'>) {
    return this.tasks.listRecentServiceTasks(...args);
  }
  listAliveTasks(...args: Args<'listAliveTasks'>) {
    return this.tasks.listAliveTasks(...args);
  }
  findTask(...args: Args<'findTask'>) {
    return this.tasks.findTask(...args);
  }
  listTaskPage(...args: Args<'listTaskPage'>) {
    return this.tasks.listTaskPage(...args);
  }
  listAliveTaskPage(...args: Args<'listAliveTaskPage'>) {
    return this.tasks.listAliveTaskPage(...args);
  }

  // Reconcile leases and marks (./leases.ts)
  acquireLease(...args: Args<'acquireLease'>) {
    return this.leases.acquireLease(...args);
  }
  reconcileMarks(...args: Args<'reconcileMarks'>) {
    return this.leases.reconcileMarks(...args);
  }
  markScheduled(...args: Args<'markScheduled'>) {
    return this.leases.markScheduled(...args);
  }
  releaseLease(...args: Args<'releaseLease'>) {
    return this.leases.releaseLease(...args);
  }

  // Shared rate budgets (./rate-budget.ts)
  reserveRate(...args: Args<'reserveRate'>) {
    return this.rateBudgets.reserveRate(...args);
  }
  drainRate(...args: Args<'drainRate'>) {
    return this.rateBudgets.drainRate(...args);
  }

  // Deploy requests (./deploy-requests.ts)
  claimDeployRequest(...args: Args<'claimDeployRequest'>) {
    return this.deployRequests.claimDeployRequest(...args);
  }
  saveDeployRequest(...args: Args<'saveDeployRequest'>) {
    return this.deployRequests.saveDeployRequest(...args);
  }
}
