import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import type { Page, Service, ServiceEvent, TaskDefinition } from '../domain';
import { ConflictError, DependencyError, VersionConflictError } from '../errors';
import { ITEM_TYPE, type ItemKey, keys } from './keys';
import { decodePageToken, encodePageToken } from './page-token';
import type { PageRequest, TugboatStore } from './port';

type Item = Record<string, unknown>;

const stripKeys = <T>(item: Item): T => {
  const { PK: _pk, SK: _sk, itemType: _type, ...rest } = item;
  return rest as T;
};

/** DynamoDB adapter of the storage port. Takes an injected document client. */
export class DynamoDbStore implements TugboatStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async createTaskDefinition(taskDefinition: TaskDefinition): Promise<void> {
    const key = keys.taskDefinition(taskDefinition.family, taskDefinition.revision);
    await this.put(
      { ...key, itemType: ITEM_TYPE.taskDefinition, ...taskDefinition },
      { ConditionExpression: 'attribute_not_exists(PK)' },
      () =>
        new ConflictError(
          `Task definition ${taskDefinition.family}:${taskDefinition.revision} already exists`,
        ),
    );
  }

  async getTaskDefinition(family: string, revision: number): Promise<TaskDefinition | undefined> {
    return this.get<TaskDefinition>(keys.taskDefinition(family, revision));
  }

  async getLatestTaskDefinition(family: string): Promise<TaskDefinition | undefined> {
    const page = await this.query<TaskDefinition>(
      keys.taskDefinitionPartition(family),
      keys.taskDefinitionSortPrefix,
      { limit: 1 },
      false,
    );
    return page.items[0];
  }

  async getLatestActiveTaskDefinition(family: string): Promise<TaskDefinition | undefined> {
    // Revisions are walked newest first; INACTIVE ones are rare, so this usually reads one page.
    let nextToken: string | undefined;
    do {
      const page = await this.listTaskDefinitions(family, { limit: 25, nextToken });
      const active = page.items.find((taskDefinition) => taskDefinition.status === 'ACTIVE');
      if (active) return active;
      nextToken = page.nextToken;
    } while (nextToken);
    return undefined;
  }

  async listTaskDefinitions(family: string, page: PageRequest): Promise<Page<TaskDefinition>> {
    return this.query<TaskDefinition>(
      keys.taskDefinitionPartition(family),
      keys.taskDefinitionSortPrefix,
      page,
      false,
    );
  }

  async updateTaskDefinition(next: TaskDefinition): Promise<void> {
    const key = keys.taskDefinition(next.family, next.revision);
    await this.put(
      { ...key, itemType: ITEM_TYPE.taskDefinition, ...next },
      {
        ConditionExpression: 'attribute_exists(PK) AND #version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': next.version - 1 },
      },
      () =>
        new VersionConflictError(`Task definition ${next.family}:${next.revision} was changed concurrently`),
    );
  }

  async createService(service: Service): Promise<void> {
    const key = keys.service(service.cluster, service.serviceName);
    await this.put(
      { ...key, itemType: ITEM_TYPE.service, ...service },
      {
        ConditionExpression: 'attribute_not_exists(PK) OR #status = :inactive',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':inactive': 'INACTIVE' },
      },
      () => new ConflictError(`Service ${service.serviceName} already exists in cluster ${service.cluster}`),
    );
  }

  async getService(cluster: string, serviceName: string): Promise<Service | undefined> {
    return this.get<Service>(keys.service(cluster, serviceName));
  }

  async listServices(cluster: string, page: PageRequest): Promise<Page<Service>> {
    return this.query<Service>(keys.clusterPartition(cluster), keys.serviceSortPrefix, page, true);
  }

  async updateService(next: Service): Promise<void> {
    const key = keys.service(next.cluster, next.serviceName);
    await this.put(
      { ...key, itemType: ITEM_TYPE.service, ...next },
      {
        ConditionExpression: 'attribute_exists(PK) AND #version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': next.version - 1 },
      },
      () => new VersionConflictError(`Service ${next.serviceName} was changed concurrently`),
    );
  }

  async addServiceEvents(cluster: string, serviceName: string, events: ServiceEvent[]): Promise<void> {
    // Event ids are unique, so a retried write of the same event lands on the same key: idempotent.
    await Promise.all(
      events.map((event) =>
        this.put({
          ...keys.serviceEvent(cluster, serviceName, event.createdAt, event.id),
          itemType: ITEM_TYPE.serviceEvent,
          ...event,
        }),
      ),
    );
  }

  async listServiceEvents(
    cluster: string,
    serviceName: string,
    page: PageRequest,
  ): Promise<Page<ServiceEvent>> {
    return this.query<ServiceEvent>(
      keys.serviceEventsPartition(cluster, serviceName),
      keys.serviceEventSortPrefix,
      page,
      false,
    );
  }

  private async get<T>(key: ItemKey): Promise<T | undefined> {
    try {
      const result = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      return result.Item ? stripKeys<T>(result.Item) : undefined;
    } catch (error) {
      throw new DependencyError('DynamoDB read failed', error);
    }
  }

  private async put(
    item: Item,
    condition: Omit<PutCommandInput, 'TableName' | 'Item'> = {},
    onConditionFailed?: () => Error,
  ): Promise<void> {
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: item, ...condition }));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && onConditionFailed) {
        const typed = onConditionFailed();
        (typed as { cause?: unknown }).cause = error;
        throw typed;
      }
      throw new DependencyError('DynamoDB write failed', error);
    }
  }

  private async query<T>(
    partition: string,
    sortPrefix: string,
    page: PageRequest,
    ascending: boolean,
  ): Promise<Page<T>> {
    const input: QueryCommandInput = {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': partition, ':prefix': sortPrefix },
      ScanIndexForward: ascending,
      Limit: page.limit,
      ExclusiveStartKey: decodePageToken(page.nextToken, partition),
      ConsistentRead: true,
    };
    let result: QueryCommandOutput;
    try {
      result = await this.client.send(new QueryCommand(input));
    } catch (error) {
      throw new DependencyError('DynamoDB query failed', error);
    }
    const items = (result.Items ?? []).map((item) => stripKeys<T>(item));
    const nextToken = encodePageToken(result.LastEvaluatedKey);
    return nextToken ? { items, nextToken } : { items };
  }
}
