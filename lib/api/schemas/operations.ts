/**
 * Every operation of the HTTP API as the OpenAPI document describes it: its parameters, body and answers,
 * each a zod schema (test/unit/openapi.test.ts holds this table to the routes the router serves).
 */
import * as z from 'zod';
import { registerTaskDefinitionSchema } from '../../validation/schemas';
import {
  runTaskSchema,
  stopReasonSchema,
  taskDesiredStatusSchema,
  taskIdSchema,
} from '../../validation/tasks';
import { deploymentControlOperations } from './deployment-control-operations';
import { jobOperations } from './job-operations';
import {
  CLUSTER_NOT_FOUND,
  cluster,
  family,
  INVALID,
  NOT_FOUND,
  type Operation,
  pageOperation,
  pageParameters,
  path,
  readOperation,
  TASKS,
} from './operation-parts';
import * as responses from './responses';
import { serviceOperations } from './service-operations';
import * as taskResponses from './task-responses';

export { type Answer, type Operation, tags } from './operation-parts';

export const operations: Operation[] = [
  {
    method: 'post',
    path: '/task-definitions',
    operationId: 'registerTaskDefinition',
    tag: 'task definitions',
    summary: 'Register the next revision of a family',
    description:
      'Registers the body as the next revision of its family (the first is 1). Fargate only: cpu and memory must be a valid Fargate size.',
    body: { schema: registerTaskDefinitionSchema(), required: true },
    responses: {
      201: {
        description: 'The new revision',
        schema: responses.taskDefinitionSchema,
        warning:
          'Present when an environment variable name looks like a secret (*PASSWORD*, *SECRET*, *TOKEN*, *_KEY): names them and points at `secrets`. The revision is registered all the same.',
      },
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
  pageOperation({
    path: '/task-definitions/{family}',
    operationId: 'listTaskDefinitionRevisions',
    tag: 'task definitions',
    summary: "A family's revisions, newest first",
    description: "The family's revisions, ACTIVE and INACTIVE, newest first, a page at a time.",
    parameters: [family],
    answer: { description: 'A page of revisions', schema: responses.taskDefinitionPageSchema },
    notFound: NOT_FOUND,
  }),
  readOperation({
    path: '/task-definitions/{family}/{revision}',
    operationId: 'describeTaskDefinition',
    tag: 'task definitions',
    summary: 'One revision, or `latest` (the latest ACTIVE)',
    description: 'One revision by number, or with `latest` the newest ACTIVE revision of the family.',
    parameters: [family, path('revision', 'A revision number or latest')],
    answer: { description: 'The revision', schema: responses.taskDefinitionSchema },
    notFound: NOT_FOUND,
  }),
  {
    method: 'delete',
    path: '/task-definitions/{family}/{revision}',
    operationId: 'deregisterTaskDefinition',
    tag: 'task definitions',
    summary: 'Mark a revision INACTIVE (it stays readable)',
    description:
      'Marks the revision INACTIVE: no new service, PATCH, deploy or rollback may name it; services running it go on scaling and replacing tasks with it, and it stays readable. Its ECS copy is deregistered once no service uses it: at once if none does, else by the scheduler later.',
    parameters: [family, path('revision', 'A revision number')],
    responses: {
      200: {
        description: 'The revision, and the services that still use it',
        schema: responses.deregisteredTaskDefinitionSchema,
      },
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
  ...serviceOperations,
  ...deploymentControlOperations,
  {
    method: 'post',
    path: TASKS,
    operationId: 'runTasks',
    tag: 'tasks',
    summary: 'Launch one-off tasks (ECS RunTask), idempotent by clientToken',
    description:
      'Runs count tasks of the task definition that no service claims; a repeated clientToken with the same parameters answers the tasks launched before.',
    parameters: [cluster],
    body: { schema: runTaskSchema(), required: true },
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
  pageOperation({
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
        schema: taskDesiredStatusSchema(),
      },
    ],
    answer: { description: 'A page of tasks', schema: taskResponses.taskPageSchema },
  }),
  readOperation({
    path: `${TASKS}/{taskId}`,
    operationId: 'describeTask',
    tag: 'tasks',
    summary: 'A task with a per-phase timing breakdown',
    description:
      "The task from Tugboat's inventory (kept 30 days after it stops), else from ECS, with how long each phase took.",
    parameters: [cluster, path('taskId', 'The task id (last part of its ARN)', taskIdSchema())],
    answer: { description: 'The task', schema: taskResponses.taskDescriptionSchema },
  }),
  {
    method: 'delete',
    path: `${TASKS}/{taskId}`,
    operationId: 'stopTask',
    tag: 'tasks',
    summary: 'Stop a task (ECS StopTask)',
    description: 'Asks ECS to stop the task, with the reason given; the answer shows it stopping.',
    parameters: [
      cluster,
      path('taskId', 'The task id', taskIdSchema()),
      {
        name: 'reason',
        in: 'query',
        description: 'Why (up to 255 characters); default "Task stopped by user"',
        schema: stopReasonSchema(),
      },
    ],
    responses: {
      200: { description: 'The stopping task', schema: taskResponses.taskDescriptionSchema },
      400: INVALID,
      404: CLUSTER_NOT_FOUND,
    },
  },
  ...jobOperations,
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    tag: 'meta',
    summary: 'This document',
    description: "The API's OpenAPI 3.1 description, generated from the schemas the API validates with.",
    responses: { 200: { description: 'The OpenAPI 3.1 document', schema: z.looseObject({}) } },
  },
];
