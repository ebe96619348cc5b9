import { describe, expect, it } from 'vitest';
import { DependencyError } from '../../../lib/errors';
import type { ReconcileQueue, ReconcileRequest } from '../../../lib/queue/reconcile-queue';
import type { Reconciler } from '../../../lib/reconcile/reconcile';
import { processReconcileBatch } from '../../../lib/reconcile/worker';

const throttling = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

const failingReconciler = (error: unknown): Reconciler => ({
  reconcile: async () => {
    throw error;
  },
  computePlan: async () => {
    throw new Error('not used');
  },
});

const recordingQueue = (fail = false) => {
  const sent: Array<{ requests: ReconcileRequest[]; delaySeconds?: number }> = [];
  const queue: ReconcileQueue = {
    enqueue: async (requests, delaySeconds) => {
      if (fail) throw new DependencyError('SQS send failed');
      sent.push({ requests, ...(delaySeconds === undefined ? {} : { delaySeconds }) });
    },
  };
  return { queue, sent };
};

const records = [
  { messageId: 'm-1', body: JSON.stringify({ cluster: 'default', serviceName: 'web', reason: 'created' }) },
];
const quiet = { reconciled: () => undefined, failed: () => undefined };

describe('processReconcileBatch when ECS throttles past the gateway retries', () => {
  it('asks again in a second instead of failing the message', async () => {
    const { queue, sent } = recordingQueue();
    const reconciler = failingReconciler(new DependencyError('ECS RunTask still throttled', throttling()));
    const failed = await processReconcileBatch(reconciler, queue, records, quiet);
    expect(failed).toEqual([]);
    expect(sent).toEqual([
      {
        requests: [{ cluster: 'default', serviceName: 'web', reason: 'throttled: created' }],
        delaySeconds: 1,
      },
    ]);
  });

  it('fails the message when the retry cannot be sent', async () => {
    const { queue } = recordingQueue(true);
    const reconciler = failingReconciler(new DependencyError('ECS RunTask still throttled', throttling()));
    expect(await processReconcileBatch(reconciler, queue, records, quiet)).toEqual(['m-1']);
  });

  it('still fails the message for other dependency errors', async () => {
    const { queue, sent } = recordingQueue();
    const reconciler = failingReconciler(new DependencyError('DynamoDB write failed', new Error('boom')));
    expect(await processReconcileBatch(reconciler, queue, records, quiet)).toEqual(['m-1']);
    expect(sent).toEqual([]);
  });
});
