/**
 * Task definition revisions, each family's revision counter, and the registry of families.
 */
import { UpdateCommand, type UpdateCommandOutput } from '@aws-sdk/lib-dynamodb';
import { awaitsEcsDeregistration, type Page, type TaskDefinition } from '../domain';
import { ConflictError, VersionConflictError } from '../errors';
import { ITEM_TYPE, keys } from './keys';
import type { PageRequest, RevisionReservation, RevisionStamp, TugboatStore } from './port';
import { type Item, pageOf, type Table } from './table';

type TaskDefinitionPort = Pick<
  TugboatStore,
  | 'createTaskDefinition'
  | 'getTaskDefinition'
  | 'getLatestTaskDefinition'
  | 'getLatestActiveTaskDefinition'
  | 'listTaskDefinitions'
  | 'listTaskDefinitionFamilies'
  | 'updateTaskDefinition'
  | 'reserveTaskDefinitionRevision'
  | 'advanceTaskDefinitionCounter'
  | 'advanceDenseThrough'
  | 'listTaskDefinitionStamps'
  | 'listRevisionsAwaitingEcsDeregistration'
>;

/** A revision's item, in the sparse index of retiring ECS copies exactly while it awaits deregistration. */
const taskDefinitionItem = (taskDefinition: TaskDefinition): Item => ({
  ...keys.taskDefinition(taskDefinition.family, taskDefinition.revision),
  itemType: ITEM_TYPE.taskDefinition,
  ...taskDefinition,
  ...(awaitsEcsDeregistration(taskDefinition)
    ? {
        GSI1PK: keys.retiringEcsCopyPartition,
        GSI1SK: keys.retiringEcsCopySortKey(taskDefinition.family, taskDefinition.revision),
      }
    : {}),
});

export class TaskDefinitionItems implements TaskDefinitionPort {
  constructor(private readonly table: Table) {}

  async createTaskDefinition(taskDefinition: TaskDefinition): Promise<void> {
    await this.table.put(
      taskDefinitionItem(taskDefinition),
      { ConditionExpression: 'attribute_not_exists(PK)' },
      () =>
        new ConflictError(
          `Task definition ${taskDefinition.family}:${taskDefinition.revision} already exists`,
        ),
    );
    // The family registry, written (idempotently) with every revision: a crash right before this line
    // leaves the family unlisted only until its next revision.
    const { family } = taskDefinition;
    await this.table.put({
      ...keys.familyRegistration(family),
      itemType: ITEM_TYPE.taskDefinitionFamily,
      family,
    });
  }

  async getTaskDefinition(family: string, revision: number): Promise<TaskDefinition | undefined> {
    return this.table.get<TaskDefinition>(keys.taskDefinition(family, revision));
  }

  async getLatestTaskDefinition(family: string): Promise<TaskDefinition | undefined> {
    return (await this.listTaskDefinitions(family, { limit: 1 })).items[0];
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
    return this.table.queryPage<TaskDefinition>(
      keys.taskDefinitionPartition(family),
      keys.taskDefinitionSortPrefix,
      page,
      false,
    );
  }

  async listTaskDefinitionFamilies(page: PageRequest): Promise<Page<{ family: string }>> {
    const found = await this.table.queryPage<{ family: string }>(
      keys.familyRegistryPartition,
      keys.familyRegistrySortPrefix,
      page,
      true,
    );
    const items = found.items.map(({ family }) => ({ family }));
    return pageOf(items, found.nextToken);
  }

  async updateTaskDefinition(next: TaskDefinition): Promise<void> {
    await this.table.put(
      taskDefinitionItem(next),
      {
        ConditionExpression: 'attribute_exists(PK) AND #version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': next.version - 1 },
      },
      () =>
        new VersionConflictError(`Task definition ${next.family}:${next.revision} was changed concurrently`),
    );
  }

  async listRevisionsAwaitingEcsDeregistration(): Promise<TaskDefinition[]> {
    return this.table.queryIndexPartition<TaskDefinition>(keys.retiringEcsCopyPartition);
  }

  async reserveTaskDefinitionRevision(family: string, nowMs: number): Promise<RevisionReservation> {
    const result = await this.table.send<UpdateCommandOutput>(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.taskDefinitionCounter(family),
        // SET reads the item as it was, so previousReservedAt gets the last reservation's instant.
        UpdateExpression:
          'ADD #next :one SET #previous = if_not_exists(#reservedAt, :zero), #reservedAt = :now, itemType = :type',
        ExpressionAttributeNames: {
          '#next': 'next',
          '#reservedAt': 'reservedAt',
          '#previous': 'previousReservedAt',
        },
        ExpressionAttributeValues: {
          ':one': 1,
          ':zero': 0,
          ':now': nowMs,
          ':type': ITEM_TYPE.revisionCounter,
        },
        ReturnValues: 'ALL_NEW',
      }),
      'write',
    );
    const counter = result.Attributes ?? {};
    return {
      revision: Number(counter.next),
      previousReservedAt: Number(counter.previousReservedAt ?? 0),
      denseThrough: Number(counter.denseThrough ?? 0),
    };
  }

  async advanceDenseThrough(family: string, revision: number): Promise<void> {
    await this.raiseCounterField(family, 'denseThrough', revision);
  }

  async advanceTaskDefinitionCounter(family: string, revision: number): Promise<void> {
    await this.raiseCounterField(family, 'next', revision);
  }

  /** Raises a field of the family's counter item to `value`; a lower value leaves it alone. */
  private async raiseCounterField(family: string, field: 'next' | 'denseThrough', value: number) {
    // A failed condition: already there or past it.
    await this.table.sendIfCondition(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.taskDefinitionCounter(family),
        UpdateExpression: 'SET #field = :value, itemType = :type',
        ConditionExpression: 'attribute_not_exists(#field) OR #field < :value',
        ExpressionAttributeNames: { '#field': field },
        ExpressionAttributeValues: { ':value': value, ':type': ITEM_TYPE.revisionCounter },
      }),
    );
  }

  async listTaskDefinitionStamps(family: string, above: number, below: number): Promise<RevisionStamp[]> {
    if (below - above < 2) return [];
    const items = await this.table.queryAll({
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :low AND :high',
      ExpressionAttributeNames: { '#revision': 'revision', '#registeredAt': 'registeredAt' },
      ExpressionAttributeValues: {
        ':pk': keys.taskDefinitionPartition(family),
        ':low': keys.taskDefinition(family, above + 1).SK,
        ':high': keys.taskDefinition(family, below - 1).SK,
      },
      ProjectionExpression: '#revision, #registeredAt',
      ConsistentRead: true,
    });
    return items.map((item) => ({
      revision: Number(item.revision),
      registeredAt: String(item.registeredAt),
    }));
  }
}
