/** What the operations tables (operations.ts, service-operations.ts) are made of: types, parameters, answers. */
import * as z from 'zod';
import { clusterNameSchema, ecsName } from '../../validation/schemas';

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  description: string;
  schema: z.ZodType;
}

/** An answer: a description and its body, or only a description for an error (the Error document). */
export type Answer =
  | string
  | {
      description: string;
      schema: z.ZodType;
      etag?: boolean;
      /** The answer may carry a Tugboat-Warning header (accepted, but advised against). */
      warning?: string;
    };

export interface Operation {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  operationId: string;
  tag: keyof typeof tags;
  summary: string;
  description: string;
  parameters?: Parameter[];
  body?: { schema: z.ZodType; required: boolean };
  responses: Record<number, Answer>;
}

export const tags = {
  'task definitions': 'Task definitions: revisions of what a task runs, registered once and kept.',
  clusters: 'The ECS clusters Tugboat manages.',
  services: 'Services: a task definition kept running at a desired count, rolled out by deployments.',
  deployments: "A service's deployments, rollbacks and the reconciler's plan.",
  tasks: "Tasks: one-off tasks, and every task of the cluster from Tugboat's inventory.",
  jobs: 'Scheduled jobs: a task definition run on a schedule, each tick run once or recorded with why not.',
  meta: 'This description of the API.',
};

export const path = (name: string, description: string, schema: z.ZodType = z.string()): Parameter => ({
  name,
  in: 'path',
  description,
  schema,
});
export const cluster = path('cluster', 'ECS cluster name', clusterNameSchema());
export const serviceName = path('serviceName', 'Service name', ecsName());
export const family = path('family', 'Task definition family');
export const pageParameters: Parameter[] = [
  {
    name: 'maxResults',
    in: 'query',
    description: 'Page size, 1-100 (default 100)',
    schema: z.int().min(1).max(100),
  },
  { name: 'nextToken', in: 'query', description: 'The nextToken of the previous page', schema: z.string() },
];
export const ifMatch: Parameter = {
  name: 'If-Match',
  in: 'header',
  description: 'The ETag last read; 412 when the service changed since',
  schema: z.string(),
};

export const INVALID = 'Invalid request: the message names each wrong field';
export const NOT_FOUND = 'Not found';
export const CLUSTER_NOT_FOUND =
  'Not found; an unknown cluster, or one Tugboat may not use, is always `Cluster <name> not found`';
export const NOT_ACTIVE = 'The service is not ACTIVE';
/** A target group serves one service: the 409 names the service that uses it. */
export const TARGET_GROUP_IN_USE =
  'another service uses a target group of loadBalancers (the message names it)';
export const CHANGED = 'If-Match does not match';

export const SERVICES = '/clusters/{cluster}/services';
export const SERVICE = `${SERVICES}/{serviceName}`;
export const TASKS = '/clusters/{cluster}/tasks';

export const serviceAnswer = (description: string, schema: z.ZodType): Answer => ({
  description,
  schema,
  etag: true,
});

/** What a read names: the operation but its method and answers, which `readOperation` fills in. */
export type ReadSpec = Omit<Operation, 'method' | 'body' | 'responses'> & {
  /** The 200 answer. */
  answer: Answer;
  /** The 404's description: an unknown cluster by default. */
  notFound?: string;
};

/** A GET answering 200 with `answer`, 400 for bad input, and 404. */
export const readOperation = ({
  answer,
  notFound = CLUSTER_NOT_FOUND,
  ...operation
}: ReadSpec): Operation => ({
  method: 'get',
  ...operation,
  responses: { 200: answer, 400: INVALID, 404: notFound },
});

/** A GET of one page of a listing: `readOperation` with the page parameters after the given ones. */
export const pageOperation = ({ parameters = [], ...spec }: ReadSpec): Operation =>
  readOperation({ ...spec, parameters: [...parameters, ...pageParameters] });
