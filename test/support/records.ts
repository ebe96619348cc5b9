import type { TaskRecord } from '../../lib/domain';

/** An inventory record of a RUNNING task `0123` in cluster `default`; `fields` say the rest. */
export const taskRecord = (fields: Partial<TaskRecord> = {}): TaskRecord => ({
  cluster: 'default',
  taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/default/0123',
  taskId: '0123',
  lastStatus: 'RUNNING',
  desiredStatus: 'RUNNING',
  healthStatus: 'UNKNOWN',
  eventVersion: 1,
  updatedAt: '2026-12-01T00:00:00.000Z',
  ...fields,
});
