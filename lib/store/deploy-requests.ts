/**
 * Deploy requests: one item per idempotency key, owned by one worker at a time through a lease.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DeployRequest } from '../domain';
import { VersionConflictError } from '../errors';
import { ITEM_TYPE, keys } from './keys';
import type { TugboatStore } from './port';
import { isConditionFailed, type Table } from './table';

type DeployRequestPort = Pick<TugboatStore, 'claimDeployRequest' | 'saveDeployRequest'>;

const requestItem = (request: DeployRequest) => ({
  ...keys.deployRequest(request.cluster, request.serviceName, request.requestKey),
  itemType: ITEM_TYPE.deployRequest,
  ...request,
});

export class DeployRequestItems implements DeployRequestPort {
  constructor(private readonly table: Table) {}

  async claimDeployRequest(
    request: DeployRequest,
    nowMs: number,
  ): Promise<{ claimed: boolean; request: DeployRequest }> {
    const created = await this.table.sendIfCondition(
      new PutCommand({
        TableName: this.table.name,
        Item: requestItem(request),
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
    if (created) return { claimed: true, request };
    const key = keys.deployRequest(request.cluster, request.serviceName, request.requestKey);
    const existing = await this.table.get<DeployRequest>(key);
    // Gone in between (expired by TTL): the caller's retry claims it afresh.
    if (!existing)
      throw new VersionConflictError(`Deploy request ${request.requestKey} changed concurrently`);
    if (existing.status === 'DONE' || existing.leaseUntil >= nowMs)
      return { claimed: false, request: existing };
    // The owner's lease lapsed (it crashed): take over what it recorded, if nobody else did first.
    const takenOver: DeployRequest = {
      ...existing,
      owner: request.owner,
      leaseUntil: request.leaseUntil,
      expiresAt: request.expiresAt,
    };
    try {
      await this.table.send(
        new PutCommand({
          TableName: this.table.name,
          Item: requestItem(takenOver),
          ConditionExpression: '#owner = :owner AND leaseUntil = :leaseUntil AND #status = :pending',
          ExpressionAttributeNames: { '#owner': 'owner', '#status': 'status' },
          ExpressionAttributeValues: {
            ':owner': existing.owner,
            ':leaseUntil': existing.leaseUntil,
            ':pending': 'PENDING',
          },
        }),
        'write',
      );
      return { claimed: true, request: takenOver };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      throw new VersionConflictError(
        `Deploy request ${request.requestKey} was taken over concurrently`,
        error,
      );
    }
  }

  async saveDeployRequest(request: DeployRequest): Promise<void> {
    await this.table.put(
      requestItem(request),
      {
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': request.owner },
      },
      () => new VersionConflictError(`Deploy request ${request.requestKey} was taken over by another worker`),
    );
  }
}
