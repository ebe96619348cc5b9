/**
 * Every operation of the HTTP API as the OpenAPI document describes it: its parameters, body and answers,
 * each a zod schema (test/unit/openapi.test.ts holds this table to the routes the router serves).
 */
import * as z from 'zod';
import { deploySpecSchema } from '../../use-cases/deploy-messages';
import { rollbackSchema } from '../../use-cases/deploys';
import {
  clusterNameSchema,
  createServiceSchema,
  ecsName,
  registerTaskDefinitionSchema,
  updateServiceSchema,
} from '../../validation/schemas';
import {
  runTaskSchema,
  stopReasonSchema,
  taskDesiredStatusSchema,
  taskIdSchema,
} from '../../validation/tasks';
import * as responses from './responses';
import * as taskResponses from './task-responses';

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  description: string;
  schema: z.ZodType;
}

/** An answer: a description and its body, or only a description for an error (the Error document). */
export type Answer = string | { description: string; schema: z.ZodType; etag?: boolean };

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
  meta: 'This description of the API.',
};

const path = (name: string, description: string, schema: z.ZodType = z.string()): Parameter => ({
  name,
  in: 'path',
  description,
  schema,
});
const cluster = path('cluster', 'ECS cluster name', clusterNameSchema);
const serviceName = path('serviceName', 'Service name', ecsName);
const family = path('family', 'Task definition family');
const pageParameters: Parameter[] = [
  {
    name: 'maxResults',
    in: 'query',
    description: 'Page size, 1-100 (default 100)',
    schema: z.int().min(1).max(100),
  },
  { name: 'nextToken', in: 'query', description: 'The nextToken of the previous page', schema: z.string() },
];
const ifMatch: Parameter = {
  name: 'If-Match',
  in: 'header',
  description: 'The ETag last read; 412 when the service changed since',
  schema: z.string(),
};

const INVALID = 'Invalid request: the message names each wrong field';
const NOT_FOUND = 'Not found';
const CLUSTER_NOT_FOUND =
  'Not found; an unknown cluster, or one Tugboat may not use, is always `Cluster <name> not found`';
const NOT_ACTIVE = 'The service is not ACTIVE';
const CHANGED = 'If-Match does not match';

const SERVICES = '/clusters/{cluster}/services';
const SERVICE = `${SERVICES}/{serviceName}`;
const TASKS = '/clusters/{cluster}/tasks';

const serviceAnswer = (description: string, schema: z.ZodType): Answer => ({
  description,
  schema,
  etag: true,
});

export const operations: Operation[] = [
  {
    method: 'post',
    path: '/task-definitions',
    operationId: 'registerTaskDefinition',
    tag: 'task definitions',
    summary: 'Register the next revision of a family',
    description:
      'Registers the body as the next revision of its family (the first is 1). Fargate only: cpu and memory must be a valid Fargate size.',
    body: { schema: registerTaskDefinitionSchema, required: true },
    responses: {
      201: { description: 'The new revision', schema: responses.taskDefinitionSchema },
      400: INVALID,
    },
  },
  {
    method: 'get',
    path: '/task-definitions',
    operationId: 'listTaskDefinitionFamilies',
    tag: 'task definitions',
    summary: 'Task definition families, by name',
    description: 'Every family that has a registered revision, in name order, a page at a time.',
    parameters: pageParameters,
    responses: {
      200: { description: 'A page of families', schema: responses.taskDefinitionFamilyPageSchema },
      400: INVALID,
    },
  },
  {
    method: 'get',
    path: '/task-definitions/{family}',
    operationId: 'listTaskDefinitionRevisions',
    tag: 'task definitions',
    summary: "A family's revisions, newest first",
    description: "The family's revisions, ACTIVE and INACTIVE, newest first, a page at a time.",
    parameters: [family, ...pageParameters],
    responses: {
      200: { description: 'A page of revisions', schema: responses.taskDefinitionPageSchema },
      400: INVALID,
      404: NOT_FOUND,
    },
  },
  {
    method: 'get',
    path: '/task-definitions/{family}/{revision}',
    operationId: 'describeTaskDefinition',
    tag: 'task definitions',
    summary: 'One revision, or `latest` (the latest ACTIVE)',
    description: 'One revision by number, or with `latest` the newest ACTIVE revision of the family.',
    parameters: [family, path('revision', 'A revision number or latest')],
    responses: {
      200: { description: 'The revision', schema: responses.taskDefinitionSchema },
      400: INVALID,
      404: NOT_FOUND,
    },
  },
  {
    method: 'delete',
    path: '/task-definitions/{family}/{revision}',
    operationId: 'deregisterTaskDefinition',
    tag: 'task definitions',
    summary: 'Mark a revision INACTIVE (it stays readable)',
    description:
      'Marks the revision INACTIVE: no new deployment may use it; services and tasks running it go on, and it stays readable.',
    parameters: [family, path('revision', 'A revision number')],
    responses: {
      200: { description: 'The revision', schema: responses.taskDefinitionSchema },
      400: INVALID,
      404: NOT_FOUND,
    },
  },
  {
    method: 'get',
    path: '/clusters',
    operationId: 'listClusters',
    tag: 'clusters',
    summary: 'The clusters Tugboat manages, with service and task counts',
    description:
      'On AWS the clusters of `custom.clusterArns` in serverless.yml; locally every cluster the local ECS endpoint knows. Only clusters that ECS has ACTIVE are listed.',
    responses: { 200: { description: 'Every cluster', schema: responses.clusterListSchema } },
  },
  {
    method: 'post',
    path: SERVICES,
    operationId: 'createService',
    tag: 'services',
    summary: 'Create a service',
    description:
      'Creates the service with its first deployment; the reconciler then launches desiredCount tasks of the task definition.',
    parameters: [cluster],
    body: { schema: createServiceSchema, required: true },
    responses: {
      201: serviceAnswer('The service', responses.serviceDescriptionSchema),
      400: INVALID,
      404: CLUSTER_NOT_FOUND,
      409: 'The service exists',
    },
  },
  {
    method: 'get',
    path: SERVICES,
    operationId: 'listServices',
    tag: 'services',
    summary: "The cluster's services, by name",
    description: "The cluster's services (DRAINING ones too), in name order, a page at a time.",
    parameters: [cluster, ...pageParameters],
    responses: {
      200: { description: 'A page of services', schema: responses.servicePageSchema },
      400: INVALID,
      404: CLUSTER_NOT_FOUND,
    },
  },
  {
    method: 'get',
    path: SERVICE,
    operationId: 'describeService',
    tag: 'services',
    summary: 'A service with its newest events',
    description: 'The service, its deployments and its newest events; the ETag header is its spec version.',
    parameters: [cluster, serviceName],
    responses: {
      200: serviceAnswer('The service', responses.serviceDescriptionSchema),
      400: INVALID,
      404: CLUSTER_NOT_FOUND,
    },
  },
  {
    method: 'patch',
    path: SERVICE,
    operationId: 'updateService',
    tag: 'services',
    summary: 'Change desiredCount, taskDefinition (a new deployment), deploymentConfiguration or autoDeploy',
    description:
      'Changes the fields given. A new taskDefinition or new loadBalancers start a new deployment; with If-Match, only if the service is unchanged since that ETag.',
    parameters: [cluster, serviceName, ifMatch],
    body: { schema: updateServiceSchema, required: true },
    responses: {
      200: serviceAnswer('The service', responses.serviceSchema),
      400: INVALID,
      404: CLUSTER_NOT_FOUND,
      409: NOT_ACTIVE,
      412: CHANGED,
    },
  },
  {
    method: 'delete',
    path: SERVICE,
    operationId: 'deleteService',
    tag: 'services',
    summary: 'Drain and delete a service',
    description:
      'Sets the service DRAINING: the reconciler stops its tasks, then marks it INACTIVE. With If-Match, only if unchanged since that ETag.',
    parameters: [cluster, serviceName, ifMatch],
    responses: {
      200: serviceAnswer('The DRAINING service', responses.serviceSchema),
      400: INVALID,
      404: CLUSTER_NOT_FOUND,
      412: CHANGED,
    },
  },
  {
    method: 'get',
    path: `${SERVICE}/events`,
    operationId: 'listServiceEvents',
    tag: 'services',
    summary: "A service's events, newest first",
    description: 'What happened to the service (changes, rollouts, task launches and stops), newest first.',
    parameters: [cluster, serviceName, ...pageParameters],
    responses: {
      200: { description: 'A page of events', schema: responses.serviceEventPageSchema },
      400: INVALID,
      404: CLUSTER_NOT_FOUND,
    },
  },
  {
    method: 'post',
    path: `${SERVICE}/deployments`,
    operationId: 'createDeployment',
    tag: 'deployments',
    summary:
      'Deploy an image (a new revision) or an existing ACTIVE revision, like an explicit deploy message',
    description:
      "With image, registers a new revision of the service's task definition with that image (in containerName, or the only container) and deploys it; with taskDefinition, deploys that ACTIVE revision.",
    parameters: [cluster, serviceName],
    body: { schema: deploySpecSchema, required: false },
    responses: {
      202: { description: 'The new PRIMARY deployment', schema: responses.deploymentSchema },
      400: INVALID,
      404: CLUSTER_NOT_FOUND,
      409: NOT_ACTIVE,
    },
  },
  {
    method: 'get',
    path: `${SERVICE}/deployments`,
    operationId: 'listDeployments',
    tag: 'deployments',
    summary: 'All deployments, newest first',
    description: "The service's deployments, the PRIMARY and the older ones, newest first.",
    parameters: [cluster, serviceName, ...pageParameters],
    responses: {
      200: { description: 'A page of deployments', schema: responses.deploymentPageSchema },
      400: INVALID,
      404: CLUSTER_NOT_FOUND,
    },
  },
  {
    method: 'get',
    path: `${SERVICE}/deployments/{deploymentId}`,
    operationId: 'getDeployment',
    tag: 'deployments',
    summary: 'One deployment',
    description: 'One deployment of the service, with its counts and rollout state.',
    parameters: [cluster, serviceName, path('deploymentId', 'Deployment id')],
    responses: {
      200: { description: 'The deployment', schema: responses.deploymentSchema },
      400: INVALID,
      404: CLUSTER_NOT_FOUND,
    },
  },
  {
    method: 'post',
    path: `${SERVICE}/rollback`,
    operationId: 'rollbackService',
    tag: 'deployments',
    summary:
      "Go back to taskDefinition, or by default to the last COMPLETED deployment's before the current PRIMARY",
    description:
      'Starts a new PRIMARY deployment of the taskDefinition given, or by default of the newest COMPLETED deployment older than the current PRIMARY that runs another revision.',
    parameters: [cluster, serviceName],
    body: { schema: rollbackSchema, required: false },
    responses: {
      202: { description: 'The new PRIMARY deployment', schema: responses.deploymentSchema },
      400: INVALID,
      404: CLUSTER_NOT_FOUND,
      409: 'Nothing to roll back to',
    },
  },
  {
    method: 'get',
    path: `${SERVICE}/plan`,
    operationId: 'planService',
    tag: 'deployments',
    summary: 'The actions the reconciler would take now, each with its reason; executes nothing',
    description:
      "A dry run of the reconciler's next pass over the service: the actions it would take and why, and what the rollout waits for.",
    parameters: [cluster, serviceName],
    responses: {
      200: { description: 'The plan', schema: responses.servicePlanSchema },
      400: INVALID,
      404: CLUSTER_NOT_FOUND,
    },
  },
  {
    method: 'post',
    path: TASKS,
    operationId: 'runTasks',
    tag: 'tasks',
    summary: 'Launch one-off tasks (ECS RunTask), idempotent by clientToken',
    description:
      'Runs count tasks of the task definition that no service claims; a repeated clientToken with the same parameters answers the tasks launched before.',
    parameters: [cluster],
    body: { schema: runTaskSchema, required: true },
    responses: {
      201: {
        description:
          "The tasks launched (or, for a repeated clientToken, launched before) and ECS's failures",
        schema: taskResponses.runTasksResultSchema,
      },
      400: INVALID,
      404: CLUSTER_NOT_FOUND,
      409: 'clientToken already used with different parameters',
    },
  },
  {
    method: 'get',
    path: TASKS,
    operationId: 'listTasks',
    tag: 'tasks',
    summary: 'List tasks',
    description:
      "With serviceName, that service's tasks (`-`: tasks no service claims, the one-off tasks). Without it, every task of the cluster not yet STOPPED, then the STOPPED ones of the one-off partition and of each service by name. STOPPED tasks stay listed 30 days. Pages may be short; go on while nextToken is given.",
    parameters: [
      cluster,
      {
        name: 'serviceName',
        in: 'query',
        description: "Only this service's tasks; `-` for tasks no service claims",
        schema: z.string(),
      },
      {
        name: 'desiredStatus',
        in: 'query',
        description: 'Only tasks with this desiredStatus',
        schema: taskDesiredStatusSchema,
      },
      ...pageParameters,
    ],
    responses: {
      200: { description: 'A page of tasks', schema: taskResponses.taskPageSchema },
      400: INVALID,
      404: CLUSTER_NOT_FOUND,
    },
  },
  {
    method: 'get',
    path: `${TASKS}/{taskId}`,
    operationId: 'describeTask',
    tag: 'tasks',
    summary: 'A task with a per-phase timing breakdown',
    description:
      "The task from Tugboat's inventory (kept 30 days after it stops), else from ECS, with how long each phase took.",
    parameters: [cluster, path('taskId', 'The task id (last part of its ARN)', taskIdSchema)],
    responses: {
      200: { description: 'The task', schema: taskResponses.taskDescriptionSchema },
      400: INVALID,
      404: CLUSTER_NOT_FOUND,
    },
  },
  {
    method: 'delete',
    path: `${TASKS}/{taskId}`,
    operationId: 'stopTask',
    tag: 'tasks',
    summary: 'Stop a task (ECS StopTask)',
    description: 'Asks ECS to stop the task, with the reason given; the answer shows it stopping.',
    parameters: [
      cluster,
      path('taskId', 'The task id', taskIdSchema),
      {
        name: 'reason',
        in: 'query',
        description: 'Why (up to 255 characters); default "Task stopped by user"',
        schema: stopReasonSchema,
      },
    ],
    responses: {
      200: { description: 'The stopping task', schema: taskResponses.taskDescriptionSchema },
      400: INVALID,
      404: CLUSTER_NOT_FOUND,
    },
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    tag: 'meta',
    summary: 'This document',
    description: "The API's OpenAPI 3.1 description, generated from the schemas the API validates with.",
    responses: { 200: { description: 'The OpenAPI 3.1 document', schema: z.looseObject({}) } },
  },
  {
    method: 'get',
    path: `${SERVICE}/scaling-activities`,
    operationId: 'listScalingActivities',
    tag: 'services',
    summary: "A service's scaling activities, newest first",
    description: "Each change of an auto-scaled service's desiredCount, with its cause, newest first.",
    parameters: [cluster, serviceName, ...pageParameters],
    responses: {
      200: { description: 'A page of scaling activities', schema: responses.scalingActivityPageSchema },
      400: INVALID,
      404: NOT_FOUND,
    },
  },
];
