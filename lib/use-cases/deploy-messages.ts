/**
 * The deploys queue's message schemas: an EventBridge "ECR Image Action" event or an explicit
 * `{ "type": "deploy", ... }`, and the deploy spec an explicit deploy (message or API) carries. Pure.
 */

import * as z from 'zod';
import { ValidationError } from '../errors';
import { onFirstUse } from '../validation/on-first-use';
import { parseInput } from '../validation/parse';
import { ecsName, imageReference, taskDefinitionReference } from '../validation/task-definition-schemas';
import { eventInstant } from './deploy-order';
import { ecrRegistry } from './images';

const ecrImageActionSchema = onFirstUse(() =>
  z.looseObject({
    id: z.string().min(1).max(256),
    /** When the push happened, the event's own time: the order deploys apply in. */
    time: z.string().max(64).optional(),
    source: z.literal('aws.ecr'),
    'detail-type': z.literal('ECR Image Action'),
    /** The account and region of the registry pushed to: a repository name alone is not an image. */
    account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region'),
    detail: z.looseObject({
      'action-type': z.string().min(1),
      result: z.string().min(1),
      'repository-name': z.string().min(1).max(256),
      'image-tag': z.string().min(1).max(300).optional(),
      'image-digest': z.string().min(1).max(300).optional(),
    }),
  }),
);

export const deploySpecFields = onFirstUse(() => ({
  image: imageReference().optional(),
  containerName: ecsName().optional(),
  taskDefinition: taskDefinitionReference()
    .describe('An existing ACTIVE revision, family or family:revision')
    .optional(),
}));

export const deploySpecSchema = onFirstUse(() =>
  z
    .strictObject(deploySpecFields())
    .refine((spec) => spec.containerName === undefined || spec.image !== undefined, {
      message: 'containerName is given only with image',
      path: ['containerName'],
    }),
);

const explicitDeploySchema = onFirstUse(() =>
  z
    .strictObject({
      type: z.literal('deploy'),
      cluster: ecsName(),
      serviceName: ecsName(),
      ...deploySpecFields(),
      idempotencyKey: z
        .string()
        .min(1)
        .max(256)
        .regex(/^[\x21-\x7e]+$/, 'may contain only printable ASCII characters without spaces')
        .optional(),
      /** When the sender sent it (ISO-8601): the order deploys apply in. Else SQS's SentTimestamp. */
      sentAt: z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time' }).optional(),
    })
    .refine((spec) => spec.containerName === undefined || spec.image !== undefined, {
      message: 'containerName is given only with image',
      path: ['containerName'],
    }),
);

export type DeploySpec = z.output<ReturnType<typeof deploySpecSchema>>;

export type DeployMessage =
  | {
      kind: 'image-push';
      eventId: string;
      /** The event's `time` (ISO-8601), when it has a readable one. */
      eventAt?: string;
      /** The registry pushed to: the event's account and region's private ECR registry. */
      registry: string;
      repository: string;
      tag?: string;
      digest?: string;
      /** Why the event deploys nothing whatever the services (not a successful PUSH), if it does not. */
      ignored?: string;
    }
  | {
      kind: 'deploy';
      cluster: string;
      serviceName: string;
      spec: DeploySpec;
      idempotencyKey?: string;
      sentAt?: string;
    };

/** A deploys-queue message body: an ECR Image Action event or `{ "type": "deploy", ... }`. */
export const parseDeployMessage = (body: unknown): DeployMessage => {
  if (typeof body === 'object' && body !== null && 'source' in body) {
    const event = parseInput(ecrImageActionSchema(), body, 'ECR Image Action event');
    const detail = event.detail;
    const ignored =
      detail['action-type'] !== 'PUSH' || detail.result !== 'SUCCESS'
        ? `${detail['action-type']} ${detail.result} is not a successful PUSH`
        : undefined;
    const eventAt = eventInstant(event.time);
    return {
      kind: 'image-push',
      eventId: event.id,
      ...(eventAt === undefined ? {} : { eventAt }),
      registry: ecrRegistry(event.account, event.region),
      repository: detail['repository-name'],
      ...(detail['image-tag'] === undefined ? {} : { tag: detail['image-tag'] }),
      ...(detail['image-digest'] === undefined ? {} : { digest: detail['image-digest'] }),
      ...(ignored === undefined ? {} : { ignored }),
    };
  }
  if (typeof body === 'object' && body !== null && 'type' in body) {
    const message = parseInput(explicitDeploySchema(), body, 'deploy message');
    const { type: _type, cluster, serviceName, idempotencyKey, sentAt, ...spec } = message;
    return {
      kind: 'deploy',
      cluster,
      serviceName,
      spec,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      ...(sentAt === undefined ? {} : { sentAt: eventInstant(sentAt)! }),
    };
  }
  throw new ValidationError(
    'Unknown message: expected an EventBridge "ECR Image Action" event (source aws.ecr) or { "type": "deploy", "cluster", "serviceName", ... }',
  );
};
