import { describe, expect, it } from 'vitest';
import { callerOf } from '../../lib/api/caller';
import type { TaskRecord } from '../../lib/domain';
import {
  apiRequestLogFields,
  deployLogFieldsOf,
  reconcileRequestLogFields,
  taskEventLogFieldsOf,
} from '../../lib/log-fields';
import type { TugboatStore } from '../../lib/store/port';
import { processTaskEventBatch, type TaskEventOutcome } from '../../lib/use-cases/task-events';
import { httpApiEvent } from '../support/api';

const taskEvent = (startedBy: string | undefined, version = 1, id = 'event-1') =>
  JSON.stringify({
    id,
    source: 'aws.ecs',
    'detail-type': 'ECS Task State Change',
    time: '2026-01-01T00:00:00.000Z',
    detail: {
      clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/default',
      taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/default/abc123',
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      group: 'service:web',
      version,
      ...(startedBy === undefined ? {} : { startedBy }),
    },
  });

/** An inventory that applies an event only when it is newer than the last one it applied. */
const inventory = () => {
  const recorded: TaskRecord[] = [];
  const store = {
    recordTask: async (record: TaskRecord) => {
      const newest = recorded.filter((task) => task.taskArn === record.taskArn).at(-1);
      if (newest && newest.eventVersion >= record.eventVersion) return false;
      recorded.push(record);
      return true;
    },
  } as unknown as TugboatStore;
  return { store, recorded };
};

describe('task events of one installation', () => {
  it('applies its own, ignores stale ones and never records another installation’s', async () => {
    const { store, recorded } = inventory();
    const outcomes: TaskEventOutcome['kind'][] = [];
    const requests: unknown[] = [];
    const failed = await processTaskEventBatch(
      store,
      async (batch) => {
        requests.push(...batch);
      },
      [
        { messageId: 'own', body: taskEvent('tugboat-prod_0123456789ab-dep-1', 2, 'ev-own') },
        { messageId: 'stale', body: taskEvent('tugboat-prod_0123456789ab-dep-1', 1) },
        { messageId: 'other', body: taskEvent('tugboat-staging_0123456789ab-dep-1', 3) },
        { messageId: 'nobody', body: taskEvent('ecs-svc/123', 4) },
        { messageId: 'none', body: taskEvent(undefined, 5) },
      ],
      { processed: (_id, outcome) => outcomes.push(outcome.kind), failed: () => undefined },
      { installation: 'prod' },
    );
    expect(failed).toEqual([]);
    expect(outcomes.sort()).toEqual(['applied', 'foreign', 'foreign', 'foreign', 'stale']);
    expect(recorded.map((task) => task.startedBy)).toEqual(['tugboat-prod_0123456789ab-dep-1']);
    // The reconcile it triggers carries the source event's id as its correlation id.
    expect(requests).toEqual([expect.objectContaining({ serviceName: 'web', correlationId: 'ev-own' })]);
  });
});

describe('failure log fields', () => {
  it('name the cluster, service, task and correlation id of a task event', () => {
    expect(taskEventLogFieldsOf(JSON.parse(taskEvent('tugboat-prod_run', 1, 'ev-9')))).toEqual({
      cluster: 'default',
      serviceName: 'web',
      taskId: 'abc123',
      correlationId: 'ev-9',
    });
    expect(taskEventLogFieldsOf('not json')).toEqual({});
  });

  it('come with a failed task event from the batch, from the one parse', async () => {
    const failures: [string, Record<string, string>][] = [];
    const store = {
      recordTask: async () => {
        throw new Error('store down');
      },
    } as unknown as TugboatStore;
    const failed = await processTaskEventBatch(
      store,
      async () => undefined,
      [
        { messageId: 'down', body: taskEvent('tugboat-prod_0123456789ab-dep-1', 2, 'ev-down') },
        { messageId: 'garbled', body: 'not json' },
      ],
      { processed: () => undefined, failed: (id, _error, fields) => failures.push([id, fields]) },
      { installation: 'prod' },
    );
    expect(failed.sort()).toEqual(['down', 'garbled']);
    expect(Object.fromEntries(failures)).toEqual({
      down: { cluster: 'default', serviceName: 'web', taskId: 'abc123', correlationId: 'ev-down' },
      garbled: {},
    });
  });

  it('name the cluster and service of a reconcile request and a deploy message', () => {
    expect(
      reconcileRequestLogFields(JSON.stringify({ cluster: 'c', serviceName: 's', correlationId: 'r-1' })),
    ).toEqual({ cluster: 'c', serviceName: 's', correlationId: 'r-1' });
    expect(
      deployLogFieldsOf({ type: 'deploy', cluster: 'c', serviceName: 's', idempotencyKey: 'k' }),
    ).toEqual({ cluster: 'c', serviceName: 's', correlationId: 'k' });
  });

  it('name what an API request is about', () => {
    expect(apiRequestLogFields('POST', '/clusters/blue/services/web%20x/deployments/d-1', 'req-1')).toEqual({
      method: 'POST',
      path: '/clusters/blue/services/web%20x/deployments/d-1',
      cluster: 'blue',
      serviceName: 'web x',
      deploymentId: 'd-1',
      correlationId: 'req-1',
    });
    expect(apiRequestLogFields('DELETE', '/clusters/blue/tasks/t-1', 'req-2')).toMatchObject({
      cluster: 'blue',
      taskId: 't-1',
    });
  });
});

describe('callerOf', () => {
  it('takes the IAM principal the authorizer verified, and `local` without one', () => {
    const event = httpApiEvent('GET', '/clusters/default/services');
    expect(callerOf(event, 'req-1')).toEqual({ principal: 'local', correlationId: 'req-1' });
    (event.requestContext as unknown as Record<string, unknown>).authorizer = {
      iam: { userArn: 'arn:aws:iam::123456789012:user/alice' },
    };
    expect(callerOf(event, 'req-2')).toEqual({
      principal: 'arn:aws:iam::123456789012:user/alice',
      correlationId: 'req-2',
    });
  });
});
