import { describe, expect, it } from 'vitest';
import type { ReconcileRequest } from '../../lib/queue/reconcile-queue';
import type { TugboatStore } from '../../lib/store/port';
import { processTaskEventBatch, recordTaskStateChange } from '../../lib/use-cases/task-events';

const store = { recordTask: async () => true } as unknown as TugboatStore;
const taskArn = 'arn:aws:ecs:us-east-1:000000000000:task/default/0123456789abcdef';

const event = (detail: Record<string, unknown>) => ({
  id: 'event-1',
  source: 'aws.ecs',
  'detail-type': 'ECS Task State Change',
  time: '2026-01-01T00:00:10Z',
  detail: {
    taskArn,
    clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/default',
    version: 3,
    group: 'service:web',
    // Started by this installation (`local`): another's tasks are not ours to reconcile for.
    startedBy: 'tugboat-local_0123456789ab-dep1',
    createdAt: '2026-01-01T00:00:00Z',
    ...detail,
  },
});

describe('which task state changes ask for a reconcile at once', () => {
  it('the first event of a stop (DEACTIVATING), so the replacement does not wait for STOPPED', async () => {
    const request = await recordTaskStateChange(
      store,
      event({ lastStatus: 'DEACTIVATING', desiredStatus: 'STOPPED', startedAt: '2026-01-01T00:00:02Z' }),
    );
    expect(request).toMatchObject({ cluster: 'default', serviceName: 'web' });
  });

  it('a task stopped before it started (STOPPING without startedAt)', async () => {
    const request = await recordTaskStateChange(
      store,
      event({ lastStatus: 'STOPPING', desiredStatus: 'STOPPED' }),
    );
    expect(request).toMatchObject({ serviceName: 'web' });
  });

  it('not the later steps of a stop already asked for', async () => {
    for (const lastStatus of ['STOPPING', 'DEPROVISIONING']) {
      const request = await recordTaskStateChange(
        store,
        event({ lastStatus, desiredStatus: 'STOPPED', startedAt: '2026-01-01T00:00:02Z' }),
      );
      expect(request).toBeUndefined();
    }
  });

  it('a STOPPED event asks with the instant the stop began, so a pass since then answers it', async () => {
    const request = await recordTaskStateChange(
      store,
      event({
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        startedAt: '2026-01-01T00:00:02Z',
        stoppingAt: '2026-01-01T00:00:08Z',
      }),
    );
    expect(request).toMatchObject({ serviceName: 'web', requestedAt: Date.parse('2026-01-01T00:00:08Z') });
  });
});

describe('a batch of task events asks once per service, with the newest requestedAt', () => {
  const stopped = (taskId: string, stoppingAt: string) =>
    event({
      taskArn: `arn:aws:ecs:us-east-1:000000000000:task/default/${taskId}`,
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      startedAt: '2026-01-01T00:00:02Z',
      stoppingAt,
    });
  const running = (taskId: string) =>
    event({
      taskArn: `arn:aws:ecs:us-east-1:000000000000:task/default/${taskId}`,
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      startedAt: '2026-01-01T00:00:02Z',
    });
  const batch = async (bodies: unknown[]) => {
    const sent: ReconcileRequest[] = [];
    const failed = await processTaskEventBatch(
      store,
      async (requests) => {
        sent.push(...requests);
      },
      bodies.map((body, index) => ({ messageId: `m${index}`, body: JSON.stringify(body) })),
      { processed: () => {}, failed: () => {} },
    );
    expect(failed).toEqual([]);
    return sent;
  };

  it('the later of two stops, in either order, so a pass between them does not answer both', async () => {
    const early = stopped('aaaaaaaaaaaaaaaa', '2026-01-01T00:00:08Z');
    const late = stopped('bbbbbbbbbbbbbbbb', '2026-01-01T00:00:20Z');
    for (const order of [
      [early, late],
      [late, early],
    ]) {
      const sent = await batch(order);
      expect(sent).toHaveLength(1);
      expect(sent[0]?.requestedAt).toBe(Date.parse('2026-01-01T00:00:20Z'));
    }
  });

  it('none when one event asks as of now (stamped when sent), whichever came first', async () => {
    const stop = stopped('aaaaaaaaaaaaaaaa', '2026-01-01T00:00:08Z');
    const start = running('bbbbbbbbbbbbbbbb');
    for (const order of [
      [stop, start],
      [start, stop],
    ]) {
      const sent = await batch(order);
      expect(sent).toHaveLength(1);
      expect(sent[0]).not.toHaveProperty('requestedAt');
    }
  });
});
