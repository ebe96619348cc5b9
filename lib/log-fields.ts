import { idOfArn, serviceNameOfGroup } from './inventory/naming';

/**
 * What a failure log line names: the cluster and service, and the task, deployment and correlation id
 * where there is one, taken from whatever the failed message says (as far as it parses).
 */

const defined = (fields: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Record<
    string,
    string
  >;

const lastSegment = (arn: string | undefined): string | undefined =>
  arn === undefined ? undefined : idOfArn(arn);

const parsed = (body: string | undefined): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(body ?? '');
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * An ECS task state change message, parsed already (the queue parses each body once): cluster, service
 * (from the task group), task and the event id.
 */
export const taskEventLogFieldsOf = (body: unknown): Record<string, string> => {
  const event = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : undefined;
  const detail = (event?.detail ?? {}) as Record<string, unknown>;
  const group = text(detail.group);
  return defined({
    cluster: lastSegment(text(detail.clusterArn)),
    serviceName: serviceNameOfGroup(group),
    taskId: lastSegment(text(detail.taskArn)),
    correlationId: text(event?.id),
  });
};

/** A reconcile queue message: cluster, service and correlation id. */
export const reconcileRequestLogFields = (body: string | undefined): Record<string, string> => {
  const request = parsed(body);
  return defined({
    cluster: text(request?.cluster),
    serviceName: text(request?.serviceName),
    correlationId: text(request?.correlationId),
  });
};

/**
 * A deploys-queue message, parsed already (the queue parses each body once): the service of an explicit
 * deploy, the repository of an image push.
 */
export const deployLogFieldsOf = (body: unknown): Record<string, string> => {
  const message = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : undefined;
  const detail = (message?.detail ?? {}) as Record<string, unknown>;
  return defined({
    cluster: text(message?.cluster),
    serviceName: text(message?.serviceName),
    repository: text(detail['repository-name']),
    correlationId: text(message?.id) ?? text(message?.idempotencyKey),
  });
};

/** An API request: method, path, and the cluster, service, task and deployment its path names. */
export const apiRequestLogFields = (
  method: string,
  path: string,
  requestId: string,
): Record<string, string> => {
  const segments = path.split('/').filter((segment) => segment !== '');
  const after = (name: string) => {
    const index = segments.indexOf(name);
    return index >= 0 ? segments[index + 1] : undefined;
  };
  const decode = (segment: string | undefined) => {
    try {
      return segment === undefined ? undefined : decodeURIComponent(segment);
    } catch {
      return segment;
    }
  };
  return defined({
    method,
    path,
    cluster: decode(after('clusters')),
    serviceName: decode(after('services')),
    taskId: decode(after('tasks')),
    deploymentId: decode(after('deployments')),
    correlationId: requestId,
  });
};
