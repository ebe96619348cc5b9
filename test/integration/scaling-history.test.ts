import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { keys } from '../../lib/store/keys';
import { DynamoDbScalingHistory, POLICY_HISTORY_HOURS } from '../../lib/store/scaling-history';
import { useTestTable } from '../support/stack';

/** Each policy's metric history against DynamoDB Local: one item per service-hour, appended to. */
const table = useTestTable('tugboat-scaling-history');
const history = new DynamoDbScalingHistory(table.documentClient, table.tableName);
const hour = Date.parse('2026-12-01T12:00:00Z');
const minute = 60_000;

describe('scaling policy history', () => {
  it('appends each reading to its hour’s item, reads them back oldest first, a re-read minute once', async () => {
    await history.appendPolicyPoints('apps', 'web', [
      { policy: 'cpu', at: hour - 2 * minute, value: 40 },
      { policy: 'cpu', at: hour - minute, value: 45 },
    ]);
    // A poll across the hour: one point in the old hour again (re-read, newer value), two in the new one.
    await history.appendPolicyPoints('apps', 'web', [
      { policy: 'cpu', at: hour - minute, value: 46 },
      { policy: 'cpu', at: hour, value: 50 },
      { policy: 'queue', at: hour + minute, value: 12.5 },
    ]);
    expect(await history.readPolicyPoints('apps', 'web', hour - 10 * minute)).toEqual([
      { policy: 'cpu', at: hour - 2 * minute, value: 40 },
      { policy: 'cpu', at: hour - minute, value: 46 },
      { policy: 'cpu', at: hour, value: 50 },
      { policy: 'queue', at: hour + minute, value: 12.5 },
    ]);
    // From an instant on: earlier points of the same hour item are left out.
    expect(await history.readPolicyPoints('apps', 'web', hour)).toHaveLength(2);
    expect(await history.readPolicyPoints('apps', 'other', hour - 10 * minute)).toEqual([]);
  });

  it('keeps one item per hour that expires POLICY_HISTORY_HOURS after the hour ends', async () => {
    await history.appendPolicyPoints('apps', 'ttl', [{ policy: 'cpu', at: hour + 30 * minute, value: 1 }]);
    await history.appendPolicyPoints('apps', 'ttl', [{ policy: 'cpu', at: hour + 31 * minute, value: 2 }]);
    const { Item } = await table.documentClient.send(
      new GetCommand({
        TableName: table.tableName,
        Key: { PK: keys.scalingHistoryPartition('apps', 'ttl'), SK: keys.scalingHistoryHour(hour) },
      }),
    );
    expect(Item?.points).toHaveLength(2);
    expect(Item?.expiresAt).toBe((hour + 60 * minute) / 1000 + POLICY_HISTORY_HOURS * 3600);
  });
});
