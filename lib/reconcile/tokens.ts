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

/**
 * An installation's id: letters, digits and hyphens, so the `_` after it in startedBy ends it
 * unambiguously (`tugboat-dev_` is never a prefix of installation `dev-2`'s `tugboat-dev-2_`).
 */
export const MAX_INSTALLATION_LENGTH = 40;
const INSTALLATION_PATTERN = new RegExp(`^[A-Za-z0-9-]{1,${MAX_INSTALLATION_LENGTH}}$`);
export const DEFAULT_INSTALLATION = 'local';

export const isValidInstallation = (installation: string): boolean => INSTALLATION_PATTERN.test(installation);

/** What every startedBy of the installation begins with: `tugboat-<installation>_`. */
export const startedByPrefix = (installation: string): string => `tugboat-${installation}_`;

/** The ECS task-definition family Tugboat registers a revision under: `tugboat-<installation>-<family>`. */
export const ecsFamily = (installation: string, family: string): string =>
  `tugboat-${installation}-${family}`;

const SERVICE_KEY_LENGTH = 12;
const MAX_STARTED_BY_LENGTH = 128;
/** ECS startedBy allows letters, numbers, hyphens and underscores. */
const DEPLOYMENT_ID_PATTERN = /^[A-Za-z0-9_-]+$/;
/** What room the longest installation id leaves a deployment id in `tugboat-<inst>_<12 hex>-<id>`. */
export const MAX_DEPLOYMENT_ID_LENGTH =
  MAX_STARTED_BY_LENGTH - 'tugboat-_'.length - MAX_INSTALLATION_LENGTH - SERVICE_KEY_LENGTH - 1;
const STARTED_BY_PATTERN = new RegExp(
  `^tugboat-([A-Za-z0-9-]{1,${MAX_INSTALLATION_LENGTH}})_([0-9a-f]{${SERVICE_KEY_LENGTH}})-([A-Za-z0-9_-]{1,${MAX_DEPLOYMENT_ID_LENGTH}})$`,
);
const INSTALLATION_OF_PATTERN = new RegExp(`^tugboat-([A-Za-z0-9-]{1,${MAX_INSTALLATION_LENGTH}})_`);

/** A short, fixed-length key of the service, so startedBy fits whatever the service name's length. */
export const serviceKey = (serviceArn: string): string => sha256Hex(serviceArn).slice(0, SERVICE_KEY_LENGTH);

export const isValidDeploymentId = (id: string): boolean =>
  id.length <= MAX_DEPLOYMENT_ID_LENGTH && DEPLOYMENT_ID_PATTERN.test(id);

/** `tugboat-<installation>_<12 hex of the service ARN>-<deploymentId>`, at most 128 chars. */
export const startedBy = (
  serviceArn: string,
  deploymentId: string,
  installation: string = DEFAULT_INSTALLATION,
): string => {
  if (!isValidDeploymentId(deploymentId)) {
    throw new ValidationError(
      `deployment id ${JSON.stringify(deploymentId)} cannot go into startedBy: use at most ${MAX_DEPLOYMENT_ID_LENGTH} letters, numbers, hyphens or underscores`,
    );
  }
  return `${startedByPrefix(installation)}${serviceKey(serviceArn)}-${deploymentId}`;
};

export interface StartedByParts {
  installation: string;
  serviceKey: string;
  deploymentId: string;
}

/** undefined for a startedBy Tugboat did not write for a deployment (another scheduler's, a one-off). */
export const parseStartedBy = (value: string | undefined): StartedByParts | undefined => {
  const match = value === undefined ? null : STARTED_BY_PATTERN.exec(value);
  if (!match) return undefined;
  return { installation: match[1]!, serviceKey: match[2]!, deploymentId: match[3]! };
};

/** The installation whose startedBy this is; undefined for a task no Tugboat installation started. */
export const installationOf = (value: string | undefined): string | undefined =>
  value === undefined ? undefined : INSTALLATION_OF_PATTERN.exec(value)?.[1];

/** True when the installation started the task: the only tasks it may stop, adopt, count or show. */
export const startedByInstallation = (value: string | undefined, installation: string): boolean =>
  installationOf(value) === installation;

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
