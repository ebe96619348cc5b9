/**
 * The names Tugboat writes on the tasks it launches and reads back from every task it observes: the
 * installation id, startedBy (so an observed task can be attributed to its installation and deployment)
 * and the task group (so it can be attributed to its service). Written and read here only; all pure.
 */
import { ValidationError } from '../errors';
import { sha256Hex } from '../hash';

/**
 * An installation's id: letters and digits only. ECS families and startedBy allow hyphens, so an id
 * with one would make names ambiguous: installation `prod` with family `eu-web` and installation
 * `prod-eu` with family `web` would share the ECS family `tugboat-prod-eu-web`, and `prod`'s IAM
 * pattern `tugboat-prod-*` would cover `prod-eu`'s families. Without hyphens the first `-` (family)
 * or `_` (startedBy) after `tugboat-<id>` ends the id.
 */
export const MAX_INSTALLATION_LENGTH = 40;
const INSTALLATION_CHARS = '[A-Za-z0-9]';
const INSTALLATION_PATTERN = new RegExp(`^${INSTALLATION_CHARS}{1,${MAX_INSTALLATION_LENGTH}}$`);
export const DEFAULT_INSTALLATION = 'local';
export const INSTALLATION_RULE = `1-${MAX_INSTALLATION_LENGTH} letters and digits (no hyphens or underscores, which would let one installation's ECS family names and IAM patterns overlap another's)`;

export const isValidInstallation = (installation: string): boolean => INSTALLATION_PATTERN.test(installation);

/** What an ECS ARN ends with: a task's id (`.../cluster/<id>`), a cluster's name (`.../<name>`). */
export const idOfArn = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

/** What every startedBy of the installation begins with: `tugboat-<installation>_`. */
export const startedByPrefix = (installation: string): string => `tugboat-${installation}_`;

/** The ECS task-definition family Tugboat registers a revision under: `tugboat-<installation>-<family>`. */
export const ecsFamily = (installation: string, family: string): string =>
  `tugboat-${installation}-${family}`;

const SERVICE_KEY_LENGTH = 12;
/** ECS's limit on startedBy. */
export const MAX_STARTED_BY_LENGTH = 128;
/** ECS startedBy allows letters, numbers, hyphens and underscores. */
const DEPLOYMENT_ID_PATTERN = /^[A-Za-z0-9_-]+$/;
/** What room the longest installation id leaves a deployment id in `tugboat-<inst>_<12 hex>-<id>`. */
export const MAX_DEPLOYMENT_ID_LENGTH =
  MAX_STARTED_BY_LENGTH - 'tugboat-_'.length - MAX_INSTALLATION_LENGTH - SERVICE_KEY_LENGTH - 1;
const STARTED_BY_PATTERN = new RegExp(
  `^tugboat-(${INSTALLATION_CHARS}{1,${MAX_INSTALLATION_LENGTH}})_([0-9a-f]{${SERVICE_KEY_LENGTH}})-([A-Za-z0-9_-]{1,${MAX_DEPLOYMENT_ID_LENGTH}})$`,
);
const INSTALLATION_OF_PATTERN = new RegExp(`^tugboat-(${INSTALLATION_CHARS}{1,${MAX_INSTALLATION_LENGTH}})_`);

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

/** What a one-off task's startedBy ends in when the caller gives none. */
export const DEFAULT_ONE_OFF_STARTED_BY = 'run';

/**
 * The startedBy ECS gets: the caller's value, prefixed with the installation's `tugboat-<installation>_`
 * unless it already is, so the task's events pass this installation's EventBridge rule and no other
 * installation ever touches it. Values shaped like a service deployment's are refused.
 */
export const oneOffStartedBy = (requested: string | undefined, installation: string): string => {
  const prefix = startedByPrefix(installation);
  if (requested === undefined) return `${prefix}${DEFAULT_ONE_OFF_STARTED_BY}`;
  const value = requested.startsWith(prefix) ? requested : `${prefix}${requested}`;
  if (value.length > MAX_STARTED_BY_LENGTH) {
    throw new ValidationError(
      `Invalid request body: startedBy: Tugboat prefixes "${prefix}" so the task's events reach this installation; without the prefix use at most ${MAX_STARTED_BY_LENGTH - prefix.length} characters`,
    );
  }
  if (parseStartedBy(value)) {
    throw new ValidationError(
      `Invalid request body: startedBy: ${prefix}<12 hex>-<id> is reserved for the tasks of service deployments`,
    );
  }
  return value;
};

const SERVICE_GROUP_PREFIX = 'service:';

/** The task group ECS itself gives a service's tasks. */
export const taskGroup = (serviceName: string): string => `${SERVICE_GROUP_PREFIX}${serviceName}`;

/** The service a task group names; undefined for another group (a one-off task's `family:...`). */
export const serviceNameOfGroup = (group: string | undefined): string | undefined =>
  group?.startsWith(SERVICE_GROUP_PREFIX) ? group.slice(SERVICE_GROUP_PREFIX.length) : undefined;
