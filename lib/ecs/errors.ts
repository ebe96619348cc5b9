/**
 * What an ECS call's failure means for the caller. Three kinds:
 *   - throttling: no room right now (ThrottlingException); wait for the rate limit;
 *   - transient: ECS or the path to it failed (5xx, timeouts, connection resets); the same call may
 *     succeed if made again, and a RunTask made again with its clientToken cannot launch twice;
 *   - permanent: ECS refused the request itself (a 4xx: ClientException, InvalidParameterException,
 *     AccessDeniedException, ClusterNotFoundException ...); making it again gives the same answer.
 * A failure that is none of these (a bug, an unknown error) is not classified as permanent: only ECS's
 * own refusal may make the executor give a launch up.
 */
export type EcsErrorKind = 'throttling' | 'transient' | 'permanent' | 'unknown';

const THROTTLING_NAMES = new Set(['ThrottlingException', 'TooManyRequestsException']);
const TRANSIENT_NAMES = new Set([
  'ServerException',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
]);
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

/** The SDK's error itself: a DependencyError or other wrapper keeps it as `cause`. */
const rootOf = (error: unknown): SdkErrorShape | undefined => {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const shape = current as SdkErrorShape;
    if (shape.$metadata !== undefined || shape.$fault !== undefined || shape.cause === undefined)
      return shape;
    current = shape.cause;
  }
  return current instanceof Error ? (current as SdkErrorShape) : undefined;
};

export const classifyEcsError = (error: unknown): EcsErrorKind => {
  const root = rootOf(error);
  if (!root) return 'unknown';
  const name = root.name ?? '';
  if (THROTTLING_NAMES.has(name)) return 'throttling';
  if (TRANSIENT_NAMES.has(name)) return 'transient';
  if (root.code !== undefined && TRANSIENT_CODES.has(root.code)) return 'transient';
  const status = root.$metadata?.httpStatusCode;
  if (root.$fault === 'server' || (status !== undefined && status >= 500)) return 'transient';
  if (root.$fault === 'client' || (status !== undefined && status >= 400)) return 'permanent';
  return 'unknown';
};

export const isPermanentEcsError = (error: unknown): boolean => classifyEcsError(error) === 'permanent';
/** ECS's error code and message, for a service event ("ClientException: Unable to find ..."). */
export const ecsErrorSummary = (error: unknown): { code: string; message: string } => {
  const root = rootOf(error) as (SdkErrorShape & { message?: string }) | undefined;
  return { code: root?.name ?? 'Error', message: root?.message ?? String(error) };
};

/**
 * RunTask's failure reason when Fargate has no capacity for the task, FARGATE_SPOT included (ECS
 * developer guide, "API failure reasons"; the same text comes as the error message when RunTask fails
 * as a whole). A launch on FARGATE_SPOT that gets it is a Spot capacity failure, not a failed launch.
 */
export const CAPACITY_UNAVAILABLE_REASON =
  'Capacity is unavailable at this time. Please try again later or in a different availability zone';

export const isCapacityUnavailable = (reasonOrMessage: string | undefined): boolean =>
  reasonOrMessage?.startsWith(CAPACITY_UNAVAILABLE_REASON) ?? false;
