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

/** ECS's service and task set APIs: Tugboat is the service scheduler, so its API manages services. */
const SERVICE_ACTIONS = new Set([
  'CreateService',
  'DeleteService',
  'DescribeServices',
  'ListServices',
  'ListServicesByNamespace',
  'UpdateService',
  'UpdateServicePrimaryTaskSet',
  'DescribeServiceDeployments',
  'ListServiceDeployments',
  'DescribeServiceRevisions',
  'StopServiceDeployment',
  'CreateTaskSet',
  'DeleteTaskSet',
  'DescribeTaskSets',
  'UpdateTaskSet',
]);

/**
 * The answer to an action the endpoint does not serve: a service API says where services are managed
 * (Tugboat's API, at `apiUrl` when known), anything else names the action.
 */
export const unsupportedAction = (action: string, apiUrl: string | undefined): EcsServiceError => {
  if (!SERVICE_ACTIONS.has(action)) {
    return new EcsServiceError(
      'UnknownOperationException',
      `${action || 'This operation'} is not an operation of the local ECS endpoint.`,
    );
  }
  const where = apiUrl ? ` at ${apiUrl} (GET ${apiUrl}/clusters/default/services)` : '';
  return new EcsServiceError(
    'UnsupportedFeatureException',
    `${action}: services are managed through Tugboat's API${where} or the tugboat CLI, not ECS's service APIs; this local ECS endpoint serves clusters, task definitions and tasks.`,
  );
};
