import { describe, expect, it } from 'vitest';
import { DependencyError, VersionConflictError } from '../../../lib/errors';
import {
  type ReconcileQueue,
  type ReconcileRequest,
  stampRequests,
} from '../../../lib/queue/reconcile-queue';
import type { Reconciler } from '../../../lib/reconcile/pass/reconcile';
import { processReconcileBatch } from '../../../lib/reconcile/pass/worker';

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
});

// Seed 1917: a pass that died (its hook invoker threw) after it began a scale-in's drains left the drained
// tasks running until the scheduler's next minute; its message would have waited six minutes.
describe('processReconcileBatch when a pass fails unexpectedly', () => {
  const unexpected = () => new DependencyError('DynamoDB write failed', new Error('boom'));
  const withFailedPasses = (failedPasses: number | undefined) => [
    {
      messageId: 'm-1',
      body: JSON.stringify({ cluster: 'default', serviceName: 'web', reason: 'created', failedPasses }),
    },
  ];

  it.each([
    { failedPasses: undefined, delaySeconds: 5, next: 1 },
    { failedPasses: 1, delaySeconds: 10, next: 2 },
    { failedPasses: 2, delaySeconds: 20, next: 3 },
  ])(
    'after $failedPasses failed passes asks again in $delaySeconds s, counting $next, and reports the failure',
    async ({ failedPasses, delaySeconds, next }) => {
      const { queue, sent } = recordingQueue();
      const reported: Array<Record<string, string>> = [];
      const log = {
        reconciled: () => undefined,
        failed: (_id: string, _e: unknown, f: Record<string, string>) => reported.push(f),
      };
      const failed = await processReconcileBatch(
        failingReconciler(unexpected()),
        queue,
        withFailedPasses(failedPasses),
        log,
      );
      expect(failed).toEqual([]);
      expect(sent).toEqual([
        {
          requests: [
            { cluster: 'default', serviceName: 'web', reason: 'failed: created', failedPasses: next },
          ],
          delaySeconds,
        },
      ]);
      expect(reported).toEqual([
        {
          cluster: 'default',
          serviceName: 'web',
          retryInSeconds: String(delaySeconds),
          failedPasses: String(next),
        },
      ]);
    },
  );

  it('fails the message after three failed passes, so SQS redelivers it and dead-letters a poison one', async () => {
    const { queue, sent } = recordingQueue();
    const failed = await processReconcileBatch(
      failingReconciler(unexpected()),
      queue,
      withFailedPasses(3),
      quiet,
    );
    expect(failed).toEqual(['m-1']);
    expect(sent).toEqual([]);
  });

  it('counts the most failed passes of the messages one pass answers', async () => {
    const { queue, sent } = recordingQueue();
    const batch = [
      ...withFailedPasses(2),
      { messageId: 'm-2', body: JSON.stringify({ cluster: 'default', serviceName: 'web', reason: 'x' }) },
    ];
    expect(await processReconcileBatch(failingReconciler(unexpected()), queue, batch, quiet)).toEqual([]);
    expect(sent.map((s) => [s.requests[0]?.failedPasses, s.delaySeconds])).toEqual([[3, 20]]);
  });

  it('a successful pass forgets the count: its wake-up carries none', async () => {
    const { queue, sent } = recordingQueue();
    const reconciler: Reconciler = {
      reconcile: async () =>
        ({ status: 'reconciled', plan: {}, launched: 0, stopped: 0, wakeInMs: 5_000 }) as unknown as Awaited<
          ReturnType<Reconciler['reconcile']>
        >,
      computePlan: async () => {
        throw new Error('not used');
      },
    };
    expect(await processReconcileBatch(reconciler, queue, withFailedPasses(2), quiet)).toEqual([]);
    expect(sent).toEqual([
      { requests: [{ cluster: 'default', serviceName: 'web', reason: 'wake-up' }], delaySeconds: 5 },
    ]);
  });

  it('refuses a failedPasses that is not a count, naming the field', async () => {
    const { queue, sent } = recordingQueue();
    const errors: unknown[] = [];
    const log = { reconciled: () => undefined, failed: (_id: string, e: unknown) => errors.push(e) };
    const bad = [
      {
        messageId: 'm-1',
        body: JSON.stringify({ cluster: 'default', serviceName: 'web', failedPasses: -1 }),
      },
    ];
    expect(await processReconcileBatch(failingReconciler(unexpected()), queue, bad, log)).toEqual(['m-1']);
    expect(sent).toEqual([]);
    expect(String(errors[0])).toContain('failedPasses');
  });
});

// At 1,000 scaled services a pass's service write lost its version check to the scaling evaluator's
// desiredCount write now and then, and the message waited out the six-minute visibility timeout.
describe('processReconcileBatch when the service changed under the pass', () => {
  it('asks again in a second: the next pass reads what changed', async () => {
    const { queue, sent } = recordingQueue();
    const reconciler = failingReconciler(new VersionConflictError('Service web was changed concurrently'));
    expect(await processReconcileBatch(reconciler, queue, records, quiet)).toEqual([]);
    expect(sent).toEqual([
      {
        requests: [{ cluster: 'default', serviceName: 'web', reason: 'changed concurrently: created' }],
        delaySeconds: 1,
      },
    ]);
  });
});

describe('processReconcileBatch when ECS keeps failing transiently past the gateway retries', () => {
  const serverError = () =>
    Object.assign(new Error('Internal'), {
      name: 'ServerException',
      $fault: 'server',
      $metadata: { httpStatusCode: 500 },
    });

  it.each([
    [
      'a DependencyError wrapping a 500',
      () => new DependencyError('ECS RunTask still failing', serverError()),
    ],
    ['a 500 itself', serverError],
    ['a connection reset', () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])(
    'asks again after a delay for %s, instead of waiting for the visibility timeout',
    async (_what, error) => {
      const { queue, sent } = recordingQueue();
      const failed = await processReconcileBatch(failingReconciler(error()), queue, records, quiet);
      expect(failed).toEqual([]);
      expect(sent).toEqual([
        {
          requests: [{ cluster: 'default', serviceName: 'web', reason: 'failed: created' }],
          delaySeconds: 5,
        },
      ]);
    },
  );

  it("fails the message on ECS's refusal (a 4xx), which a retry would not change", async () => {
    const { queue, sent } = recordingQueue();
    const refusal = Object.assign(new Error('no'), {
      name: 'ClientException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    expect(await processReconcileBatch(failingReconciler(refusal), queue, records, quiet)).toEqual(['m-1']);
    expect(sent).toEqual([]);
  });
});

describe('processReconcileBatch and requestedAt', () => {
  type Outcome = Awaited<ReturnType<Reconciler['reconcile']>>;
  const recordingReconciler = (outcome: Outcome) => {
    const calls: Array<{ serviceName: string; requestedAt: number | undefined }> = [];
    const reconciler: Reconciler = {
      reconcile: async (_cluster, serviceName, requestedAt) => {
        calls.push({ serviceName, requestedAt });
        return outcome;
      },
      computePlan: async () => {
        throw new Error('not used');
      },
    };
    return { reconciler, calls };
  };
  const message = (id: string, body: object) => ({ messageId: id, body: JSON.stringify(body) });
  const reconciled = { status: 'reconciled', plan: {}, launched: 0, stopped: 0 } as unknown as Outcome;

  it.each([
    { requestedAts: [100, 300, 200], passed: 300 },
    { requestedAts: [100, undefined], passed: undefined },
    { requestedAts: [undefined], passed: undefined },
  ])('one pass per service, answering the newest of $requestedAts', async ({ requestedAts, passed }) => {
    const { reconciler, calls } = recordingReconciler(reconciled);
    const batch = requestedAts.map((requestedAt, index) =>
      message(`m-${index}`, { cluster: 'default', serviceName: 'web', requestedAt }),
    );
    expect(await processReconcileBatch(reconciler, recordingQueue().queue, batch, quiet)).toEqual([]);
    expect(calls).toEqual([{ serviceName: 'web', requestedAt: passed }]);
  });

  it('a busy retry keeps requestedAt; a wake-up is a new request; a superseded one sends nothing', async () => {
    const body = { cluster: 'default', serviceName: 'web', reason: 'created', requestedAt: 100 };
    const busy = recordingQueue();
    await processReconcileBatch(
      recordingReconciler({ status: 'busy' }).reconciler,
      busy.queue,
      [message('m', body)],
      quiet,
    );
    expect(busy.sent).toEqual([{ requests: [{ ...body, reason: 'retry: created' }], delaySeconds: 2 }]);

    const wake = recordingQueue();
    const waking = { ...reconciled, wakeInMs: 30_000 } as Outcome;
    await processReconcileBatch(
      recordingReconciler(waking).reconciler,
      wake.queue,
      [message('m', body)],
      quiet,
    );
    expect(wake.sent).toEqual([
      { requests: [{ cluster: 'default', serviceName: 'web', reason: 'wake-up' }], delaySeconds: 30 },
    ]);

    const superseded = recordingQueue();
    const failed = await processReconcileBatch(
      recordingReconciler({ status: 'superseded' }).reconciler,
      superseded.queue,
      [message('m', body)],
      quiet,
    );
    expect(failed).toEqual([]);
    expect(superseded.sent).toEqual([]);
  });
});

describe('stampRequests', () => {
  it('gives requests without requestedAt the due instant and keeps the others', () => {
    expect(
      stampRequests(
        [
          { cluster: 'c', serviceName: 'a', reason: 'x' },
          { cluster: 'c', serviceName: 'b', reason: 'y', requestedAt: 5 },
        ],
        1_000,
      ),
    ).toEqual([
      { cluster: 'c', serviceName: 'a', reason: 'x', requestedAt: 1_000 },
      { cluster: 'c', serviceName: 'b', reason: 'y', requestedAt: 5 },
    ]);
  });
});

describe('processReconcileBatch and readTargetGroups', () => {
  type Outcome = Awaited<ReturnType<Reconciler['reconcile']>>;
  const message = (id: string, body: object) => ({ messageId: id, body: JSON.stringify(body) });

  it.each([
    { flags: [undefined, true, undefined], passed: true },
    { flags: [false, undefined], passed: undefined },
  ])(
    'a pass reads every target group when any message of the service asks ($flags)',
    async ({ flags, passed }) => {
      const options: Array<{ readTargetGroups?: boolean }> = [];
      const reconciler: Reconciler = {
        reconcile: async (_cluster, _serviceName, _requestedAt, passOptions = {}) => {
          options.push(passOptions);
          return {
            status: 'reconciled',
            plan: {},
            launched: 0,
            stopped: 0,
            wakeInMs: 5_000,
          } as unknown as Outcome;
        },
        computePlan: async () => {
          throw new Error('not used');
        },
      };
      const sent = recordingQueue();
      const batch = flags.map((readTargetGroups, index) =>
        message(`m-${index}`, { cluster: 'default', serviceName: 'web', reason: 'check', readTargetGroups }),
      );
      expect(await processReconcileBatch(reconciler, sent.queue, batch, quiet)).toEqual([]);
      expect(options).toHaveLength(1);
      expect(options[0]?.readTargetGroups).toBe(passed);
      // The pass's wake-up is its own request: it picks its reads again.
      expect(sent.sent.flatMap((s) => s.requests).every((r) => r.readTargetGroups === undefined)).toBe(true);
    },
  );
});
