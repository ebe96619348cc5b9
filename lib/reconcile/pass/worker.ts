import * as z from 'zod/mini';
import { classifyEcsError } from '../../ecs/errors';
import { isThrottling } from '../../ecs/gateway';
import { DependencyError, VersionConflictError } from '../../errors';
import { reconcileRequestLogFields } from '../../log-fields';
import { type IntakeLog, parseJsonMessage, type QueueRecord } from '../../queue/messages';
import { newestRequestedAt, type ReconcileQueue, type ReconcileRequest } from '../../queue/reconcile-queue';
import { ecsNameMini } from '../../validation/ecs-name';
import { parseInput } from '../../validation/parse';
import type { ReconcileOutcome, Reconciler } from './reconcile';

// zod/mini: the worker loads no other schema, and the full zod would cost every cold start.
const reconcileRequestSchema = z.looseObject({
  cluster: ecsNameMini,
  serviceName: ecsNameMini,
  reason: z.optional(z.string().check(z.maxLength(1024))),
  requestedAt: z.optional(z.int().check(z.nonnegative())),
  correlationId: z.optional(z.string().check(z.maxLength(256))),
  principal: z.optional(z.string().check(z.maxLength(2048))),
  failedPasses: z.optional(z.int().check(z.nonnegative())),
  readTargetGroups: z.optional(z.boolean()),
});

/** Another reconciler holds the service: look again shortly rather than wait for the next tick. */
const BUSY_RETRY_SECONDS = 2;
/**
 * ECS still throttled the pass after the gateway's retries. Its launches are committed (replayed with the
 * same clientTokens), so look again in a second rather than fail the message into the queue's
 * six-minute visibility timeout (or the next tick): throttling is back-pressure, not a poison message.
 */
const THROTTLED_RETRY_SECONDS = 1;
/**
 * ECS still failed the pass transiently (5xx, timeouts, resets) after the gateway's retries: its launches
 * are committed, so look again in a few seconds rather than after the visibility timeout.
 */
const FAILED_RETRY_SECONDS = 5;
/**
 * The service changed between the pass's read and its write (a PATCH, the scaling evaluator's desired
 * count): the write is refused before any ECS call it would have made, so look again in a second, with
 * what changed, rather than after the visibility timeout.
 */
const CONFLICT_RETRY_SECONDS = 1;

/**
 * A refusal (a 4xx, which a retry would not change) fails the message at once: SQS redelivers it after
 * the visibility timeout and dead-letters it after maxReceiveCount. Any other failure (a bug, a broken
 * hook invoker, an error without a status) is asked again after 5, 10 and 20 s first: a pass that died
 * after it began a scale-in's drains would otherwise leave the drained tasks running until the
 * scheduler's next minute (fuzz seed 1917). Past those three it fails the message in the same way.
 */
export const UNEXPECTED_RETRIES = 3;
const UNEXPECTED_RETRY_SECONDS = 5;

const isThrottled = (error: unknown): boolean =>
  error instanceof DependencyError && isThrottling(error.cause);

/**
 * When to ask again and how the retry counts its failed passes, or undefined to fail the message.
 * Throttling, transient ECS errors and version conflicts are back-pressure: always asked again.
 */
const retryOf = (
  error: unknown,
  failedPasses: number,
): { delaySeconds: number; failedPasses?: number } | undefined => {
  if (error instanceof VersionConflictError) return { delaySeconds: CONFLICT_RETRY_SECONDS };
  if (isThrottled(error)) return { delaySeconds: THROTTLED_RETRY_SECONDS };
  const kind = classifyEcsError(error instanceof DependencyError ? error.cause : error);
  if (kind === 'throttling') return { delaySeconds: THROTTLED_RETRY_SECONDS };
  if (kind === 'transient') return { delaySeconds: FAILED_RETRY_SECONDS };
  if (kind === 'permanent' || failedPasses >= UNEXPECTED_RETRIES) return undefined;
  return { delaySeconds: UNEXPECTED_RETRY_SECONDS * 2 ** failedPasses, failedPasses: failedPasses + 1 };
};

/**
 * Time kept back from the function's timeout: a pass stops starting work this long before Lambda would
 * end it, enough for the calls in flight and the follow-up request to finish.
 */
export const PASS_DEADLINE_MARGIN_MS = 8_000;

/** The deadline of the passes of an invocation with `remainingMs` left, on the clock that gave `now`. */
export const passDeadline = (now: number, remainingMs: number): number =>
  now + remainingMs - PASS_DEADLINE_MARGIN_MS;

export interface BatchOptions {
  /** Epoch ms on the reconciler's clock: each pass starts no work after it (see PassOptions). */
  deadline?: number;
}

const failureFields = (request: ReconcileRequest): Record<string, string> => ({
  cluster: request.cluster,
  serviceName: request.serviceName,
  ...(request.correlationId === undefined ? {} : { correlationId: request.correlationId }),
});

/**
 * A failure is reported per message, as every queue intake does (its fields name the cluster, service
 * and correlation id, as far as the message says them); an outcome per service, for one pass answers
 * every message of a service.
 */
export interface WorkerLog extends Pick<IntakeLog<ReconcileOutcome>, 'failed'> {
  reconciled(request: ReconcileRequest, outcome: ReconcileOutcome): void;
}

/**
 * One batch of the reconcile queue. Messages naming the same service are reconciled once; a message
 * fails (and SQS redelivers it, then dead-letters it) only when its service's reconcile failed, with an
 * error no retry is asked for (retryOf).
 */
export const processReconcileBatch = async (
  reconciler: Reconciler,
  queue: ReconcileQueue,
  records: QueueRecord[],
  log: WorkerLog,
  options: BatchOptions = {},
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
        ...(parsed.failedPasses === undefined ? {} : { failedPasses: parsed.failedPasses }),
        ...(parsed.readTargetGroups ? { readTargetGroups: true } : {}),
      };
      const key = `${request.cluster}/${request.serviceName}`;
      const group = byService.get(key);
      if (group) {
        // One pass answers every message of the service only if it started after the newest of them.
        group.request.requestedAt = newestRequestedAt(group.request.requestedAt, request.requestedAt);
        if (group.request.requestedAt === undefined) delete group.request.requestedAt;
        const failedPasses = Math.max(group.request.failedPasses ?? 0, request.failedPasses ?? 0);
        if (failedPasses > 0) group.request.failedPasses = failedPasses;
        if (request.readTargetGroups) group.request.readTargetGroups = true;
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
            ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
            ...(request.readTargetGroups ? { readTargetGroups: true } : {}),
          },
        );
        log.reconciled(request, outcome);
        if (outcome.status === 'busy') {
          // The retry keeps requestedAt: the holder's pass, once done, may answer it.
          await queue.enqueue([{ ...request, reason: `retry: ${request.reason}` }], BUSY_RETRY_SECONDS);
        } else if (outcome.status === 'reconciled' && outcome.wakeInMs !== undefined) {
          // A wake-up is a new request, due when it is delivered.
          const {
            requestedAt: _answered,
            failedPasses: _passed,
            readTargetGroups: _read,
            ...wakeUp
          } = request;
          await queue.enqueue([{ ...wakeUp, reason: 'wake-up' }], outcome.wakeInMs / 1000);
        }
      } catch (error) {
        const retry = retryOf(error, request.failedPasses ?? 0);
        if (retry !== undefined) {
          try {
            const why =
              error instanceof VersionConflictError
                ? 'changed concurrently'
                : isThrottled(error)
                  ? 'throttled'
                  : 'failed';
            const { failedPasses: _before, ...rest } = request;
            const again: ReconcileRequest = {
              ...rest,
              reason: `${why}: ${request.reason}`,
              ...(retry.failedPasses === undefined ? {} : { failedPasses: retry.failedPasses }),
            };
            await queue.enqueue([again], retry.delaySeconds);
            // An unexpected failure is still reported (ReconcileFailures), though its message is kept.
            if (retry.failedPasses !== undefined)
              for (const messageId of messageIds)
                log.failed(messageId, error, {
                  ...failureFields(request),
                  retryInSeconds: String(retry.delaySeconds),
                  failedPasses: String(retry.failedPasses),
                });
            return;
          } catch {
            // Could not ask again: fail the messages so SQS redelivers them.
          }
        }
        for (const messageId of messageIds) {
          log.failed(messageId, error, failureFields(request));
          failed.push(messageId);
        }
      }
    }),
  );
  return failed;
};
