/**
 * The deploys queue's intake: each message (an image push or an explicit deploy) becomes deploys
 * through deployService, idempotent per message (see deploys.ts), with an outcome for the log and metrics.
 */

import type { Service, TaskDefinition } from '../domain';
import { deployLogFieldsOf } from '../log-fields';
import { type IntakeLog, parseJsonMessage, type QueueRecord } from '../queue/messages';
import { isoOf } from '../time';
import type { UseCaseContext } from './context';
import { parseDeployMessage } from './deploy-messages';
import { type DeploySource, eventInstant } from './deploy-order';
import {
  chooseExplicitRevision,
  choosePushedRevision,
  type DeployResult,
  deployService,
  type ImagePush,
  wantsPush,
} from './deploys';
import { getTaskDefinition } from './task-definitions';

/** Why a deploys-queue message deployed nothing, in a word. */
export type DeployIgnoredReason =
  | 'NotASuccessfulPush'
  | 'UntaggedPush'
  | 'NoMatchingService'
  | 'NoRevisionChosen'
  | 'OutOfOrder';

export type DeployOutcome =
  /** `skipped` says why in a word (a metric dimension); `reason` in a sentence (the log). */
  | { kind: 'ignored'; skipped: DeployIgnoredReason; reason: string }
  | {
      kind: 'deployed';
      deployments: Array<{
        cluster: string;
        serviceName: string;
        deploymentId: string;
        taskDefinition: string;
        duplicate: boolean;
      }>;
      /** For an image push: services that did not take it. */
      unmatched?: string;
      /** Services that skipped the deploy: its source event is older than their PRIMARY's. */
      skipped?: string[];
    };

const PUSH_FAN_OUT = 8;

const describeResult = (result: DeployResult) => ({
  cluster: result.service.cluster,
  serviceName: result.service.serviceName,
  deploymentId: result.deployment.id,
  taskDefinition: result.deployment.taskDefinition,
  duplicate: result.duplicate,
});

/** Deploys a pushed image to every service it matches; a failure for one service fails the message. */
const deployPushedImage = async (
  context: UseCaseContext,
  push: ImagePush & { eventId: string },
  source: DeploySource,
): Promise<DeployOutcome> => {
  // Every auto-deploy service is judged by wantsPush alone, the one rule of which pushes a service takes.
  const candidates = push.tag ? await context.store.listAutoDeployServices() : [];
  const taskDefinitions = new Map<string, Promise<TaskDefinition>>();
  const current = (service: Service) => {
    let found = taskDefinitions.get(service.taskDefinition);
    if (!found) {
      found = getTaskDefinition(context, service.taskDefinition);
      taskDefinitions.set(service.taskDefinition, found);
    }
    return found;
  };
  const matched: Service[] = [];
  for (const service of candidates) {
    if (wantsPush(service, await current(service), push)) matched.push(service);
  }
  if (matched.length === 0) {
    return {
      kind: 'ignored',
      skipped: push.tag ? 'NoMatchingService' : 'UntaggedPush',
      reason: push.tag
        ? `no ACTIVE autoDeploy service matches ${push.registry}/${push.repository}:${push.tag}`
        : `the push of ${push.registry}/${push.repository} has no tag`,
    };
  }
  const results: DeployResult[] = [];
  const skipped: string[] = [];
  const errors: unknown[] = [];
  const queue = [...matched];
  await Promise.all(
    Array.from({ length: Math.min(PUSH_FAN_OUT, queue.length) }, async () => {
      for (let service = queue.shift(); service; service = queue.shift()) {
        try {
          const result = await deployService(
            context,
            service.cluster,
            service.serviceName,
            choosePushedRevision(context, push),
            source,
            `event:${push.eventId}`,
          );
          if (result && 'skipped' in result) skipped.push(result.skipped);
          else if (result) results.push(result);
        } catch (error) {
          errors.push(error);
        }
      }
    }),
  );
  if (errors.length > 0) {
    // Redelivery finishes the rest; the services already deployed find their requests DONE.
    throw errors.length === 1
      ? errors[0]
      : new AggregateError(errors, `${errors.length} of ${matched.length} deploys of the push failed`);
  }
  if (results.length === 0 && skipped.length > 0)
    return { kind: 'ignored', skipped: 'OutOfOrder', reason: skipped.join(' ') };
  return {
    kind: 'deployed',
    deployments: results.map(describeResult),
    ...(skipped.length > 0 ? { skipped } : {}),
  };
};

/**
 * When the event behind a message happened: its own time (ECR's `time`, the sender's `sentAt`), else
 * when SQS first received it (SentTimestamp, kept across redeliveries), else now. Never later than
 * now: a sender's clock running ahead must not hold back every deploy after it.
 */
const messageSource = (context: UseCaseContext, record: DeployQueueRecord, eventAt: string | undefined) => {
  const now = context.now().getTime();
  const at = eventAt ?? eventInstant(record.attributes?.SentTimestamp);
  const ms = at === undefined ? now : Math.min(Date.parse(at), now);
  return { at: isoOf(ms) };
};

/** A deploys-queue record; SQS's attributes, when the consumer passes them (Lambda does). */
export interface DeployQueueRecord extends QueueRecord {
  attributes?: { SentTimestamp?: string };
}

/** One deploys-queue message. */
export const processDeployMessage = async (
  context: UseCaseContext,
  record: DeployQueueRecord,
): Promise<DeployOutcome> => deployFromMessage(context, record, parseJsonMessage(record.body));

/** One deploys-queue message whose body is parsed already. */
const deployFromMessage = async (
  context: UseCaseContext,
  record: DeployQueueRecord,
  body: unknown,
): Promise<DeployOutcome> => {
  const message = parseDeployMessage(body);
  if (message.kind === 'image-push') {
    if (message.ignored) return { kind: 'ignored', skipped: 'NotASuccessfulPush', reason: message.ignored };
    return deployPushedImage(
      context,
      {
        eventId: message.eventId,
        registry: message.registry,
        repository: message.repository,
        ...(message.tag === undefined ? {} : { tag: message.tag }),
        ...(message.digest === undefined ? {} : { digest: message.digest }),
      },
      messageSource(context, record, message.eventAt),
    );
  }
  const result = await deployService(
    context,
    message.cluster,
    message.serviceName,
    chooseExplicitRevision(context, message.spec),
    messageSource(context, record, message.sentAt),
    message.idempotencyKey === undefined ? `message:${record.messageId}` : `key:${message.idempotencyKey}`,
  );
  if (!result)
    return { kind: 'ignored', skipped: 'NoRevisionChosen', reason: 'the deploy chose no revision' };
  if ('skipped' in result) return { kind: 'ignored', skipped: 'OutOfOrder', reason: result.skipped };
  return { kind: 'deployed', deployments: [describeResult(result)] };
};

/** What the batch reports of each message, with the fields its log lines name (from the one parse). */
export type DeployLog = IntakeLog<DeployOutcome>;

/**
 * One batch of the deploys queue, in order: deploys to one service apply in the order they are
 * processed. A message that fails (malformed, unknown service, a dependency down) is reported for
 * redelivery and, after its retries, the DLQ; the messages behind it go on.
 */
export const processDeployBatch = async (
  context: UseCaseContext,
  records: DeployQueueRecord[],
  log: DeployLog,
): Promise<string[]> => {
  const failed: string[] = [];
  for (const record of records) {
    let fields: Record<string, string> = {};
    try {
      const body = parseJsonMessage(record.body);
      fields = deployLogFieldsOf(body);
      // The source event's id (or the message's) follows the deploy into the reconcile pass.
      const correlationId = fields.correlationId ?? record.messageId;
      const outcome = await deployFromMessage({ ...context, caller: { correlationId } }, record, body);
      log.processed(record.messageId, outcome, fields);
    } catch (error) {
      log.failed(record.messageId, error, fields);
      failed.push(record.messageId);
    }
  }
  return failed;
};
