/**
 * Deterministic identifiers Tugboat puts on the tasks it launches: the RunTask clientToken (so a retried
 * or crashed pass never double-launches), startedBy (so an observed task can be attributed to its
 * deployment) and the task group. All pure: the same inputs always give the same strings.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../errors';

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

export interface ClientTokenParts {
  serviceArn: string;
  deploymentId: string;
  /** Which RunTask call of the launch (0-based). */
  launchSlot: number;
  /** The deployment's launch counter when the launch was planned (Deployment.launchAttempts). */
  attempt: number;
}

/** 64 lowercase hex chars: within RunTask's 64-char, ASCII 33-126 limit. */
export const clientToken = (parts: ClientTokenParts): string =>
  sha256Hex(
    ['tugboat-run-task', parts.serviceArn, parts.deploymentId, parts.launchSlot, parts.attempt].join('\n'),
  );

const STARTED_BY_PREFIX = 'tugboat-';
const SERVICE_KEY_LENGTH = 12;
const MAX_STARTED_BY_LENGTH = 128;
/** ECS startedBy allows letters, numbers, hyphens and underscores. */
const DEPLOYMENT_ID_PATTERN = /^[A-Za-z0-9_-]+$/;
export const MAX_DEPLOYMENT_ID_LENGTH =
  MAX_STARTED_BY_LENGTH - STARTED_BY_PREFIX.length - SERVICE_KEY_LENGTH - 1;
const STARTED_BY_PATTERN = new RegExp(
  `^${STARTED_BY_PREFIX}([0-9a-f]{${SERVICE_KEY_LENGTH}})-([A-Za-z0-9_-]{1,${MAX_DEPLOYMENT_ID_LENGTH}})$`,
);

/** A short, fixed-length key of the service, so startedBy fits whatever the service name's length. */
export const serviceKey = (serviceArn: string): string => sha256Hex(serviceArn).slice(0, SERVICE_KEY_LENGTH);

export const isValidDeploymentId = (id: string): boolean =>
  id.length <= MAX_DEPLOYMENT_ID_LENGTH && DEPLOYMENT_ID_PATTERN.test(id);

/** `tugboat-<12 hex of the service ARN>-<deploymentId>`, at most 128 chars. */
export const startedBy = (serviceArn: string, deploymentId: string): string => {
  if (!isValidDeploymentId(deploymentId)) {
    throw new ValidationError(
      `deployment id ${JSON.stringify(deploymentId)} cannot go into startedBy: use at most ${MAX_DEPLOYMENT_ID_LENGTH} letters, numbers, hyphens or underscores`,
    );
  }
  return `${STARTED_BY_PREFIX}${serviceKey(serviceArn)}-${deploymentId}`;
};

export interface StartedByParts {
  serviceKey: string;
  deploymentId: string;
}

/** undefined for a startedBy Tugboat did not write (another scheduler's task, or a one-off task). */
export const parseStartedBy = (value: string | undefined): StartedByParts | undefined => {
  const match = value === undefined ? null : STARTED_BY_PATTERN.exec(value);
  if (!match) return undefined;
  return { serviceKey: match[1]!, deploymentId: match[2]! };
};

/** True when startedBy was written for this service. */
export const startedByService = (value: string | undefined, serviceArn: string): boolean =>
  parseStartedBy(value)?.serviceKey === serviceKey(serviceArn);

/** The task group ECS itself gives a service's tasks. */
export const taskGroup = (serviceName: string): string => `service:${serviceName}`;

/**
 * A deployment id derived from a seed, for deployments plan() creates (it cannot draw random ids).
 * Same seed, same id, so a re-run pass creates the same deployment rather than a second one.
 */
/** One id format for every deployment (the API's are ecs-svc- and 32 random hex digits). */
export const deriveDeploymentId = (seed: string): string => `ecs-svc-${sha256Hex(seed).slice(0, 32)}`;
