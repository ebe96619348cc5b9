/**
 * A target group serves one service (targetGroupsInUse). Each target group a service starts to use gets
 * a claim item naming the service, written in the same transaction as the service item, so of two
 * writers racing for one target group exactly one wins; the other is a 409 naming the winner.
 *
 * A claim holds only while the service it names still uses the group: a service deleted (INACTIVE) or
 * moved off a group leaves its claim behind, and the next service that wants the group takes it over,
 * conditioned on the claim's id, so that the old owner claiming the group again at that moment either
 * wins or loses whole. Claims are never deleted, so no writer of services needs DeleteItem for them.
 */
import { randomUUID } from 'node:crypto';
import { type Service, targetGroupsInUse } from '../domain';
import { ConflictError, DependencyError } from '../errors';
import { ITEM_TYPE, keys } from './keys';
import { pauseAfterLostRateRace } from './rate-budget';
import type { Item, Table } from './table';

interface TargetGroupClaim {
  targetGroupArn: string;
  cluster: string;
  serviceName: string;
  /** New with every write: a takeover names the claim it found stale. */
  claimId: string;
}

/** The service item to put, and what its own condition failing means. */
export interface ServicePut {
  item: Item;
  condition: {
    ConditionExpression: string;
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues: Record<string, unknown>;
  };
  onConditionFailed: () => Error;
}

/** Racing writers settle within a few tries; a stale claim costs one more. */
const MAX_CLAIM_ATTEMPTS = 8;

export class TargetGroupClaims {
  constructor(
    private readonly table: Table,
    private readonly getService: (cluster: string, serviceName: string) => Promise<Service | undefined>,
  ) {}

  /**
   * Puts the service item; the target groups `next` uses and `previouslyInUse` did not are claimed in
   * the same transaction. ConflictError naming the service that uses one of them.
   */
  async putClaiming(next: Service, previouslyInUse: string[], put: ServicePut): Promise<void> {
    const claiming = targetGroupsInUse(next).filter((arn) => !previouslyInUse.includes(arn));
    if (claiming.length === 0) {
      await this.table.put(put.item, put.condition, put.onConditionFailed);
      return;
    }
    /** Target group -> the id of the stale claim found on it, to take over. */
    const stale = new Map<string, string>();
    for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
      const result = await this.table.transactWrite([
        { Put: { TableName: this.table.name, Item: put.item, ...put.condition } },
        ...claiming.map((arn) => ({ Put: this.claimPut(next, arn, stale.get(arn)) })),
      ]);
      if (result.written) return;
      if (result.reasons[0] === 'ConditionalCheckFailed') throw put.onConditionFailed();
      for (const [index, arn] of claiming.entries()) {
        if (result.reasons[index + 1] === 'ConditionalCheckFailed') await this.judgeClaim(arn, stale);
      }
      // A stale claim is taken over at once; a write racing ours (TransactionConflict) is let through first.
      if (result.reasons.includes('TransactionConflict')) await pauseAfterLostRateRace(attempt);
    }
    throw new DependencyError(
      `Service ${next.serviceName}: claiming its target groups kept conflicting with other writes`,
    );
  }

  /** The claim on `arn` that stopped the write: a 409 if its service still uses the group, else stale. */
  private async judgeClaim(arn: string, stale: Map<string, string>): Promise<void> {
    const claim = await this.table.get<TargetGroupClaim>(keys.targetGroupClaim(arn));
    if (claim === undefined) {
      stale.delete(arn);
      return;
    }
    const owner = await this.getService(claim.cluster, claim.serviceName);
    if (owner !== undefined && targetGroupsInUse(owner).includes(arn)) {
      throw new ConflictError(
        `loadBalancers: target group ${arn} is used by service ${owner.serviceName} in cluster ${owner.cluster}; a target group serves one service`,
      );
    }
    stale.set(arn, claim.claimId);
  }

  private claimPut(service: Service, targetGroupArn: string, staleClaimId: string | undefined) {
    const claim: TargetGroupClaim = {
      targetGroupArn,
      cluster: service.cluster,
      serviceName: service.serviceName,
      claimId: randomUUID(),
    };
    const condition: ServicePut['condition'] =
      staleClaimId === undefined
        ? {
            // Free, or this service's own (a crash left it, or the service was created again).
            ConditionExpression: 'attribute_not_exists(PK) OR (#cluster = :cluster AND #serviceName = :name)',
            ExpressionAttributeNames: { '#cluster': 'cluster', '#serviceName': 'serviceName' },
            ExpressionAttributeValues: { ':cluster': service.cluster, ':name': service.serviceName },
          }
        : {
            ConditionExpression: '#claimId = :claimId',
            ExpressionAttributeNames: { '#claimId': 'claimId' },
            ExpressionAttributeValues: { ':claimId': staleClaimId },
          };
    return {
      TableName: this.table.name,
      Item: { ...keys.targetGroupClaim(targetGroupArn), itemType: ITEM_TYPE.targetGroupClaim, ...claim },
      ...condition,
    };
  }
}
