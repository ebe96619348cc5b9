/**
 * An error as the ECS service puts it on the wire (`__type` plus `message`, HTTP status). These are the
 * emulated service's responses, not Tugboat errors, so they stay outside lib/errors.ts.
 */
export class EcsServiceError extends Error {
  readonly type: string;
  readonly statusCode: number;
  readonly extra: Record<string, unknown>;

  constructor(type: string, message: string, statusCode = 400, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = type;
    this.type = type;
    this.statusCode = statusCode;
    this.extra = extra;
  }
}

/**
 * RunTask's failure reason when Fargate has no capacity (ECS developer guide, "API failure reasons"):
 * what FARGATE_SPOT launches answer while the local Spot capacity switch is off.
 */
export const CAPACITY_UNAVAILABLE_REASON =
  'Capacity is unavailable at this time. Please try again later or in a different availability zone';

export const clientException = (message: string) => new EcsServiceError('ClientException', message);
export const invalidParameter = (message: string) =>
  new EcsServiceError('InvalidParameterException', message);
export const clusterNotFound = () => new EcsServiceError('ClusterNotFoundException', 'Cluster not found.');
export const throttled = () => new EcsServiceError('ThrottlingException', 'Rate exceeded');
