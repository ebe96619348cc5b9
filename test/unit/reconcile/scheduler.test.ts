import { describe, expect, it } from 'vitest';
import type { Service, TaskRecord } from '../../../lib/domain';
import type { EcsGateway } from '../../../lib/ecs/gateway';
import { observedTaskFromRecord } from '../../../lib/reconcile/plan/observe';
import { stoppedOnItsOwn } from '../../../lib/reconcile/plan/tasks';
import {
  PENDING_REQUEST_TRUST_MS,
  runReconcileScheduler,
  serviceNeedsWork,
} from '../../../lib/reconcile/scheduler/scheduler';
import type { PageRequest, TugboatStore } from '../../../lib/store/port';

const arn = (id: string) => `arn:aws:ecs:us-east-1:000000000000:task/default/${id}`;
const alive = (id: string): TaskRecord =>
  ({
    cluster: 'default',
    serviceName: 'web',
    taskArn: arn(id),
    taskId: id,
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    healthStatus: 'UNKNOWN',
    eventVersion: 3,
    updatedAt: '2026-11-25T00:00:00.000Z',
  }) as TaskRecord;

/**
 * The scheduler against a port stub: the inventory answers one snapshot per read, in order (the last
 * repeats), and ECS lists `running`.
 */
const schedulerWith = (inventoryReads: TaskRecord[][], running: string[]) => {
  let reads = 0;
  const described: string[][] = [];
  const store = {
    listClusters: async () => ['default'],
    listServices: async () => ({ items: [] }),
    listAliveTasks: async () => inventoryReads[Math.min(reads++, inventoryReads.length - 1)] ?? [],
    recordTask: async () => true,
    reconcileMarks: async () => new Map(),
    markScheduled: async () => undefined,
  } as unknown as TugboatStore;
  const gateway = {
    listTasks: async () => running,
    describeTasks: async (arns: string[]) => {
      described.push(arns);
      return { tasks: [], failures: [] };
    },
  } as unknown as EcsGateway;
  const run = () =>
    runReconcileScheduler({ store, ecsFor: () => gateway, enqueue: async () => undefined, now: () => 0 });
  return { run, described, reads: () => reads };
};

describe('runReconcileScheduler: what a steady pass reads', () => {
  it('lists the services with eventually consistent reads (half the read units)', async () => {
    const pages: PageRequest[] = [];
    const store = {
      listClusters: async () => ['default'],
      listServices: async (_cluster: string, page: PageRequest) => {
        pages.push(page);
        return { items: [] };
      },
      listAliveTasks: async () => [],
    } as unknown as TugboatStore;
    const gateway = { listTasks: async () => [] } as unknown as EcsGateway;
    await runReconcileScheduler({
      store,
      ecsFor: () => gateway,
      enqueue: async () => undefined,
      now: () => 0,
    });
    expect(pages).toEqual([{ limit: 1000, consistentRead: false }]);
  });
});

describe('runReconcileScheduler: the inventory against ECS', () => {
  it.each([
    {
      case: 'in step: one inventory read, nothing described',
      reads: [[alive('a'), alive('b')]],
      running: ['a', 'b'],
      unknown: 0,
      inventoryReads: 1,
      described: [],
    },
    {
      case: 'launched while ECS was listed: recorded by the second read, not unknown',
      reads: [[alive('a')], [alive('a'), alive('b')]],
      running: ['a', 'b'],
      unknown: 0,
      inventoryReads: 2,
      described: [],
    },
    {
      case: 'missing from both reads: unknown, described',
      reads: [[alive('a')], [alive('a')]],
      running: ['a', 'b'],
      unknown: 1,
      inventoryReads: 2,
      described: ['b'],
    },
  ])('$case', async (c) => {
    const scheduler = schedulerWith(c.reads, c.running.map(arn));
    const report = await scheduler.run();
    expect(report.unknownTasks).toBe(c.unknown);
    expect(report.vanishedTasks).toBe(0);
    expect(scheduler.reads()).toBe(c.inventoryReads);
    expect(scheduler.described.flat()).toEqual(c.described.map(arn));
  });
});

describe('runReconcileScheduler: services it asked for already', () => {
  const NOW = Date.parse('2026-11-25T12:00:00.000Z');
  const unfinished = (name: string) =>
    ({
      cluster: 'default',
      serviceName: name,
      status: 'ACTIVE',
      desiredCount: 3,
      runningCount: 0,
      pendingCount: 0,
      deployments: [],
    }) as unknown as Service;

  it.each([
    { case: 'never asked', mark: undefined, sent: true },
    { case: 'asked a minute ago, no pass since', mark: { scheduledAt: NOW - 60_000 }, sent: false },
    {
      case: 'asked, and a pass started after',
      mark: { scheduledAt: NOW - 60_000, passStartedAt: NOW - 30_000 },
      sent: true,
    },
    {
      case: 'asked, a pass started within the clock-skew margin of it',
      mark: { scheduledAt: NOW - 60_000, passStartedAt: NOW - 59_500 },
      sent: false,
    },
    {
      case: 'asked longer ago than a request is trusted (dead-lettered?)',
      mark: { scheduledAt: NOW - PENDING_REQUEST_TRUST_MS },
      sent: true,
    },
  ])('$case: sent again $sent', async ({ mark, sent }) => {
    const enqueued: string[] = [];
    const marked: Array<[string, number]> = [];
    const store = {
      listClusters: async () => ['default'],
      listServices: async () => ({ items: [unfinished('web')] }),
      listAliveTasks: async () => [],
      reconcileMarks: async (_cluster: string, names: string[]) =>
        new Map(mark && names.includes('web') ? [['web', mark]] : []),
      markScheduled: async (_cluster: string, name: string, at: number) => {
        marked.push([name, at]);
      },
    } as unknown as TugboatStore;
    const gateway = { listTasks: async () => [] } as unknown as EcsGateway;
    const report = await runReconcileScheduler({
      store,
      ecsFor: () => gateway,
      enqueue: async (requests) => {
        enqueued.push(...requests.map((request) => request.serviceName));
      },
      now: () => NOW,
    });
    expect(enqueued).toEqual(sent ? ['web'] : []);
    expect(marked).toEqual(sent ? [['web', NOW]] : []);
    expect(report.alreadyRequested).toBe(sent ? 0 : 1);
  });
});

describe('runReconcileScheduler: one cluster at a time', () => {
  it('reports and skips a cluster whose ECS calls fail; the clusters after it still get their check', async () => {
    const unfinished = (cluster: string) =>
      ({
        cluster,
        serviceName: 'web',
        status: 'ACTIVE',
        desiredCount: 1,
        runningCount: 0,
        pendingCount: 0,
        deployments: [],
      }) as unknown as Service;
    const store = {
      listClusters: async () => ['gone', 'healthy'],
      listServices: async (cluster: string) => ({ items: [unfinished(cluster)] }),
      listAliveTasks: async () => [],
      reconcileMarks: async () => new Map(),
      markScheduled: async () => undefined,
    } as unknown as TugboatStore;
    const refusal = Object.assign(new Error('The referenced cluster was not found.'), {
      name: 'ClusterNotFoundException',
    });
    const listed: string[] = [];
    const ecsFor = (cluster: string) =>
      ({
        listTasks: async () => {
          listed.push(cluster);
          if (cluster === 'gone') throw refusal;
          return [];
        },
      }) as unknown as EcsGateway;
    const enqueued: string[] = [];
    const report = await runReconcileScheduler({
      store,
      ecsFor,
      enqueue: async (requests) => {
        enqueued.push(...requests.map((request) => `${request.cluster}/${request.serviceName}`));
      },
      now: () => 0,
    });
    expect(listed).toEqual(['gone', 'healthy']);
    expect(enqueued).toEqual(['healthy/web']);
    expect(report.clusters).toBe(2);
    expect(report.failedClusters).toEqual([{ cluster: 'gone', error: refusal }]);
  });
});

describe('runReconcileScheduler: a task ECS no longer knows', () => {
  const NOW = Date.parse('2026-11-25T12:00:00.000Z');
  const runWith = async (inventory: TaskRecord[], running: string[]) => {
    const recorded: TaskRecord[] = [];
    const marks: Array<[string, string | undefined]> = [];
    const store = {
      listClusters: async () => ['default'],
      listServices: async () => ({ items: [] }),
      listAliveTasks: async () => inventory,
      recordTask: async (record: TaskRecord) => {
        recorded.push(record);
        return true;
      },
      markTaskMissing: async (record: TaskRecord, at: string | undefined) => {
        marks.push([record.taskId, at]);
        return true;
      },
      reconcileMarks: async () => new Map(),
      markScheduled: async () => undefined,
    } as unknown as TugboatStore;
    const gateway = {
      listTasks: async () => running,
      describeTasks: async () => ({ tasks: [], failures: [] }),
    } as unknown as EcsGateway;
    await runReconcileScheduler({
      store,
      ecsFor: () => gateway,
      enqueue: async () => undefined,
      now: () => NOW,
    });
    return { recorded, marks };
  };

  it('is only marked at the first miss: a task ECS has just launched may not be listed yet', async () => {
    const { recorded, marks } = await runWith([alive('a')], []);
    expect(recorded).toEqual([]);
    expect(marks).toEqual([['a', new Date(NOW).toISOString()]]);
  });

  it('is recorded STOPPED at the second miss in a row, with a stop code that is not a failed launch', async () => {
    const marked = { ...alive('a'), missingFromEcsAt: new Date(NOW - 60_000).toISOString() };
    const { recorded, marks } = await runWith([marked], []);
    expect(marks).toEqual([]);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      taskId: 'a',
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'TaskNotFound',
      eventVersion: 4,
    });
    expect(recorded[0]?.stoppedReason).toMatch(/no longer known to ECS/);
    const observed = observedTaskFromRecord({ ...recorded[0]!, deploymentId: 'd-1' });
    expect(stoppedOnItsOwn(observed!)).toBe(false);
  });

  it('loses its mark when ECS lists it again: misses that are not in a row do not stop it', async () => {
    const marked = { ...alive('a'), missingFromEcsAt: new Date(NOW - 60_000).toISOString() };
    const { recorded, marks } = await runWith([marked], [arn('a')]);
    expect(recorded).toEqual([]);
    expect(marks).toEqual([['a', undefined]]);
  });
});

describe('serviceNeedsWork', () => {
  const NOW = Date.parse('2026-12-01T12:00:00.000Z');
  const rolling = {
    status: 'ACTIVE',
    desiredCount: 3,
    runningCount: 2,
    pendingCount: 0,
    deployments: [{ status: 'PRIMARY', rolloutState: 'IN_PROGRESS' }],
  } as unknown as Service;

  it('leaves a service whose own wake-up is still to come to that wake-up', () => {
    expect(
      serviceNeedsWork({ ...rolling, wakeAt: new Date(NOW + 10_000).toISOString() }, NOW),
    ).toBeUndefined();
  });

  it('asks for a pass once the wake-up is due (it may have been lost), or without one', () => {
    expect(serviceNeedsWork({ ...rolling, wakeAt: new Date(NOW - 1).toISOString() }, NOW)).toBe(
      'deployment in progress',
    );
    expect(serviceNeedsWork(rolling, NOW)).toBe('deployment in progress');
  });

  it('still replays committed launches at once: a crashed pass may have left its wake-up unsent', () => {
    const crashed = {
      ...rolling,
      wakeAt: new Date(NOW + 10_000).toISOString(),
      inflightLaunches: [{ clientToken: 't' }],
    } as unknown as Service;
    expect(serviceNeedsWork(crashed, NOW)).toBe('launches to confirm');
  });
});
