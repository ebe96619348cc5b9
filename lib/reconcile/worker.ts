import * as z from 'zod';
import { isThrottling } from '../ecs/gateway';
import { DependencyError } from '../errors';
import { reconcileRequestLogFields } from '../log-fields';
import type { ReconcileQueue, ReconcileRequest } from '../queue/reconcile-queue';
import type { QueueRecord } from '../use-cases/task-events';
import { parseJsonMessage } from '../use-cases/task-events';
import { parseInput } from '../validation/parse';
import { ecsName } from '../validation/schemas';
import type { ReconcileOutcome, Reconciler } from './reconcile';

const reconcileRequestSchema = z.looseObject({
  cluster: ecsName,
  serviceName: ecsName,
  reason: z.string().max(1024).optional(),
  requestedAt: z.number().int().nonnegative().optional(),
  correlationId: z.string().max(256).optional(),
  principal: z.string().max(2048).optional(),
});

/** Another reconciler holds the service: look again shortly rather than wait for the next tick. */
const BUSY_RETRY_SECONDS = 2;
/**
 * ECS still throttled the pass after the gateway's retries. Its launches are committed (replayed with the
 * same clientTokens), so look again in a second rather than fail the message into the queue's
 * six-minute visibility timeout (or the next tick): throttling is back-pressure, not a poison message.
 */
const THROTTLED_RETRY_SECONDS = 1;

/** The later of two request instants; a request without one (an older sender) must always run. */
const newest = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined ? undefined : Math.max(a, b);

const isThrottled = (error: unknown): boolean =>
  error instanceof DependencyError && isThrottling(error.cause);

export interface WorkerLog {
  reconciled(request: ReconcileRequest, outcome: ReconcileOutcome): void;
  /** `about` names the cluster, service and correlation id, as far as the message says them. */
  failed(messageId: string, error: unknown, about: Record<string, string>): void;
}

/**
 * One batch of the reconcile queue. Messages naming the same service are reconciled once; a message
 * fails (and SQS redelivers it, then dead-letters it) only when its service's reconcile failed.
 */
export const processReconcileBatch = async (
  reconciler: Reconciler,
  queue: ReconcileQueue,
  records: QueueRecord[],
  log: WorkerLog,
): Promise<string[]> => {
  const failed: string[] = [];
  const byService = new Map<string, { request: ReconcileRequest; messageIds: string[] }>();
  for (const record of records) {
    try {
      const parsed = parseInput(reconcileRequestSchema, parseJsonMessage(record.body), 'reconcile request');
      const request: ReconcileRequest = {
        cluster: parsed.cluster,
        serviceName: parsed.serviceName,
        reason: parsed.reason ?? '',
        ...(parsed.requestedAt === undefined ? {} : { requestedAt: parsed.requestedAt }),
        ...(parsed.correlationId === undefined ? {} : { correlationId: parsed.correlationId }),
        ...(parsed.principal === undefined ? {} : { principal: parsed.principal }),
      };
      const key = `${request.cluster}/${request.serviceName}`;
      const group = byService.get(key);
      if (group) {
        // One pass answers every message of the service only if it started after the newest of them.
        group.request.requestedAt = newest(group.request.requestedAt, request.requestedAt);
        if (group.request.requestedAt === undefined) delete group.request.requestedAt;
        group.messageIds.push(record.messageId);
      } else {
        byService.set(key, { request, messageIds: [record.messageId] });
      }
    } catch (error) {
      log.failed(record.messageId, error, reconcileRequestLogFields(record.body));
      failed.push(record.messageId);
    }
  }
  await Promise.all(
    [...byService.values()].map(async ({ request, messageIds }) => {
      try {
        const outcome = await reconciler.reconcile(
          request.cluster,
          request.serviceName,
          request.requestedAt,
          {
            ...(request.correlationId === undefined ? {} : { correlationId: request.correlationId }),
            ...(request.principal === undefined ? {} : { principal: request.principal }),
          },
        );
        log.reconciled(request, outcome);
        if (outcome.status === 'busy') {
          // The retry keeps requestedAt: the holder's pass, once done, may answer it.
          await queue.enqueue([{ ...request, reason: `retry: ${request.reason}` }], BUSY_RETRY_SECONDS);
        } else if (outcome.status === 'reconciled' && outcome.wakeInMs !== undefined) {
          // A wake-up is a new request, due when it is delivered.
          const { requestedAt: _answered, ...wakeUp } = request;
          await queue.enqueue([{ ...wakeUp, reason: 'wake-up' }], outcome.wakeInMs / 1000);
        }
      } catch (error) {
        if (isThrottled(error)) {
          try {
            await queue.enqueue(
              [{ ...request, reason: `throttled: ${request.reason}` }],
              THROTTLED_RETRY_SECONDS,
            );
            return;
          } catch {
            // Could not ask again: fail the messages so SQS redelivers them.
          }
        }
        for (const messageId of messageIds) {
          log.failed(messageId, error, {
            cluster: request.cluster,
            serviceName: request.serviceName,
            ...(request.correlationId === undefined ? {} : { correlationId: request.correlationId }),
          });
          failed.push(messageId);
        }
      }
    }),
  );
  return failed;
};
