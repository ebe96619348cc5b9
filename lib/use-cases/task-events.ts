import * as z from 'zod/mini';
import type { TaskRecord } from '../domain';
import { DEFAULT_INSTALLATION, startedByInstallation } from '../inventory/naming';
import { taskRecordFromEcs } from '../inventory/task-record';
import { taskEventLogFieldsOf } from '../log-fields';
import { type IntakeLog, parseJsonMessage, type QueueRecord } from '../queue/messages';
import { newestRequestedAt, type ReconcileRequest } from '../queue/reconcile-queue';
import type { TugboatStore } from '../store/port';
import { parseInput } from '../validation/parse';

const isoDate = z
  .string()
  .check(z.refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO timestamp'));
const optionalString = () => z.optional(z.string());

/**
 * The fields of an EventBridge "ECS Task State Change" event that Tugboat reads; others pass through.
 * zod/mini: this function loads no other schema, and the full zod would cost every cold start.
 */
const taskStateChangeSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  source: z.literal('aws.ecs'),
  'detail-type': z.literal('ECS Task State Change'),
  time: z.optional(isoDate),
  detail: z.looseObject({
    taskArn: z
      .string()
      .check(z.regex(/^arn:aws[a-z-]*:ecs:[^:]+:\d{12}:task\/[^/]+\/[^/]+$/, 'must be an ECS task ARN')),
    clusterArn: z.string().check(z.regex(/:cluster\/[A-Za-z0-9_-]+$/, 'must be an ECS cluster ARN')),
    version: z.int().check(z.nonnegative()),
    lastStatus: z.string().check(z.minLength(1)),
    desiredStatus: z.string().check(z.minLength(1)),
    healthStatus: optionalString(),
    startedBy: optionalString(),
    group: optionalString(),
    taskDefinitionArn: optionalString(),
    launchType: optionalString(),
    capacityProviderName: optionalString(),
    cpu: optionalString(),
    memory: optionalString(),
    availabilityZone: optionalString(),
    createdAt: z.optional(isoDate),
    pullStartedAt: z.optional(isoDate),
    pullStoppedAt: z.optional(isoDate),
    startedAt: z.optional(isoDate),
    stoppingAt: z.optional(isoDate),
    stoppedAt: z.optional(isoDate),
    executionStoppedAt: z.optional(isoDate),
    stopCode: optionalString(),
    stoppedReason: optionalString(),
    updatedAt: z.optional(isoDate),
    containers: z.optional(
      z.array(
        z.looseObject({
          name: optionalString(),
          image: optionalString(),
          lastStatus: optionalString(),
          exitCode: z.optional(z.number()),
          healthStatus: optionalString(),
          reason: optionalString(),
        }),
      ),
    ),
  }),
});

/**
 * The first event of a stop: ECS sets desiredStatus STOPPED and a started task goes DEACTIVATING (one
 * that never started goes STOPPING). The task no longer counts for its service from here, so the
 * replacement need not wait the seconds until STOPPED.
 */
const stopBegan = (record: TaskRecord): boolean =>
  record.desiredStatus === 'STOPPED' &&
  (record.lastStatus === 'DEACTIVATING' ||
    (record.lastStatus === 'STOPPING' && record.startedAt === undefined));

/** Changes after which the service's reconciler should look again at once, not at the next tick. */
const needsReconcile = (record: TaskRecord): boolean =>
  stopBegan(record) ||
  record.lastStatus === 'STOPPED' ||
  record.lastStatus === 'RUNNING' ||
  record.healthStatus === 'UNHEALTHY' ||
  record.healthStatus === 'HEALTHY';

/** What became of one task state change event. */
export type TaskEventOutcome =
  /** Recorded; `request` is the reconcile it triggers. */
  | { kind: 'applied'; record: TaskRecord; request?: ReconcileRequest }
  /** Not newer than the stored version: changed nothing (events are at least once, out of order). */
  | { kind: 'stale'; record: TaskRecord; request?: ReconcileRequest }
  /** Another installation's task, or one no Tugboat started: never recorded, counted or acted on. */
  | { kind: 'foreign'; record: TaskRecord };

/**
 * Records one ECS task state change in the inventory of this installation, if it started the task. One
 * whose version is not newer than the stored one changes nothing. Returns the reconcile to trigger; a
 * redelivered (stale) event triggers again, since the first delivery may have failed before it could.
 */
export const applyTaskStateChange = async (
  store: TugboatStore,
  body: unknown,
  installation: string = DEFAULT_INSTALLATION,
): Promise<TaskEventOutcome> => {
  const event = parseInput(taskStateChangeSchema, body, 'ECS task state change event');
  const record = taskRecordFromEcs(event.detail, event.time ?? new Date().toISOString());
  if (!startedByInstallation(record.startedBy, installation)) return { kind: 'foreign', record };
  const kind = (await store.recordTask(record)) ? 'applied' : 'stale';
  if (record.serviceName === undefined || !needsReconcile(record)) return { kind, record };
  // The stop's first event asked already: a pass that started after the stop began answers this one.
  const stopAskedAt =
    record.lastStatus === 'STOPPED' && record.stoppingAt ? Date.parse(record.stoppingAt) : Number.NaN;
  return {
    kind,
    record,
    request: {
      cluster: record.cluster,
      serviceName: record.serviceName,
      reason: `task ${record.taskId} is ${record.lastStatus}${record.healthStatus === 'UNKNOWN' ? '' : ` (${record.healthStatus})`}`,
      // The source event's id follows the request through the queue into the pass and its events.
      correlationId: event.id,
      ...(Number.isNaN(stopAskedAt) ? {} : { requestedAt: stopAskedAt }),
    },
  };
};

/** applyTaskStateChange's reconcile request alone. */
export const recordTaskStateChange = async (
  store: TugboatStore,
  body: unknown,
  installation?: string,
): Promise<ReconcileRequest | undefined> => {
  const outcome = await applyTaskStateChange(store, body, installation);
  return outcome.kind === 'foreign' ? undefined : outcome.request;
};

/** What the batch reports of each event, with the fields its log lines name (from the one parse). */
export type TaskEventLog = IntakeLog<TaskEventOutcome>;

/**
 * One batch of the task-events queue: every event goes into the inventory, then the services they
 * touch are reconciled, one request per service. Returns the message ids that failed, for SQS's
 * partial batch response; a message fails with its own error or when its reconcile request could not
 * be sent, so a redelivery tries both again.
 */
export const processTaskEventBatch = async (
  store: TugboatStore,
  enqueue: (requests: ReconcileRequest[]) => Promise<void>,
  records: QueueRecord[],
  log: TaskEventLog,
  options: { installation?: string } = {},
): Promise<string[]> => {
  const failed: string[] = [];
  const triggers = new Map<string, { request: ReconcileRequest; messageIds: string[] }>();
  const fieldsOf = new Map<string, Record<string, string>>();
  await Promise.all(
    records.map(async (record) => {
      let fields: Record<string, string> = {};
      try {
        const body = parseJsonMessage(record.body);
        fields = taskEventLogFieldsOf(body);
        fieldsOf.set(record.messageId, fields);
        const outcome = await applyTaskStateChange(store, body, options.installation);
        log.processed(record.messageId, outcome, fields);
        if (outcome.kind === 'foreign' || !outcome.request) return;
        const request = outcome.request;
        const key = `${request.cluster}/${request.serviceName}`;
        const trigger = triggers.get(key);
        if (trigger) {
          // One request answers every event of the service only if it carries the newest instant.
          const requestedAt = newestRequestedAt(trigger.request.requestedAt, request.requestedAt);
          const { requestedAt: _merged, ...rest } = trigger.request;
          trigger.request = requestedAt === undefined ? rest : { ...rest, requestedAt };
          trigger.messageIds.push(record.messageId);
        } else {
          triggers.set(key, { request, messageIds: [record.messageId] });
        }
      } catch (error) {
        log.failed(record.messageId, error, fields);
        failed.push(record.messageId);
      }
    }),
  );
  if (triggers.size > 0) {
    try {
      await enqueue([...triggers.values()].map((trigger) => trigger.request));
    } catch (error) {
      for (const trigger of triggers.values()) {
        for (const messageId of trigger.messageIds) {
          log.failed(messageId, error, fieldsOf.get(messageId) ?? {});
          failed.push(messageId);
        }
      }
    }
  }
  return failed;
};
