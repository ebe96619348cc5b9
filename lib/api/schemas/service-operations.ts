/** The services' and deployments' operations of the HTTP API, as the OpenAPI document describes them. */
import * as z from 'zod';
import { deploySpecSchema } from '../../use-cases/deploy-messages';
import { rollbackSchema } from '../../use-cases/rollback';
import { createServiceSchema, updateServiceSchema } from '../../validation/schemas';
import {
  CHANGED,
  CLUSTER_NOT_FOUND,
  cluster,
  INVALID,
  ifMatch,
  NOT_ACTIVE,
  NOT_FOUND,
  type Operation,
  pageOperation,
  path,
  readOperation,
  SERVICE,
  SERVICES,
  serviceAnswer,
  serviceName,
  TARGET_GROUP_IN_USE,
} from './operation-parts';
import * as responses from './responses';

/**
 * A POST on a service that starts a new PRIMARY deployment (a deploy, a rollback): an optional body,
 * 202 with the deployment, 409 `conflict` when the service cannot take one.
 */
const newDeploymentOperation = (spec: {
  path: string;
  operationId: string;
  summary: string;
  description: string;
  body: z.ZodType;
  conflict: string;
}): Operation => ({
  method: 'post',
  path: spec.path,
  operationId: spec.operationId,
  tag: 'deployments',
  summary: spec.summary,
  description: spec.description,
  parameters: [cluster, serviceName],
  body: { schema: spec.body, required: false },
  responses: {
    202: { description: 'The new PRIMARY deployment', schema: responses.deploymentSchema },
    400: INVALID,
    404: CLUSTER_NOT_FOUND,
    409: spec.conflict,
  },
});

export const serviceOperations: Operation[] = [
  {
    method: 'post',
    path: SERVICES,
    operationId: 'createService',
    tag: 'services',
    summary: 'Create a service',
    description:
      'Creates the service with its first deployment; the reconciler then launches desiredCount tasks of the task definition.',
    parameters: [cluster],
    body: { schema: createServiceSchema(), required: true },
    responses: {
      201: serviceAnswer('The service', responses.serviceDescriptionSchema),
      400: INVALID,
      404: CLUSTER_NOT_FOUND,
      409: `The service exists, or ${TARGET_GROUP_IN_USE}`,
    },
  },
  pageOperation({
    path: SERVICES,
    operationId: 'listServices',
    tag: 'services',
    summary: "The cluster's services, by name",
    description: "The cluster's services (DRAINING ones too), in name order, a page at a time.",
    parameters: [cluster],
    answer: { description: 'A page of services', schema: responses.servicePageSchema },
  }),
  readOperation({
    path: SERVICE,
    operationId: 'describeService',
    tag: 'services',
    summary: 'A service with its newest events',
    description: 'The service, its deployments and its newest events; the ETag header is its spec version.',
    parameters: [cluster, serviceName],
    answer: serviceAnswer('The service', responses.serviceDescriptionSchema),
  }),
  {
    method: 'patch',
    path: SERVICE,
    operationId: 'updateService',
    tag: 'services',
    summary: 'Change desiredCount, taskDefinition (a new deployment), deploymentConfiguration or autoDeploy',
    description:
      'Changes the fields given. A new taskDefinition or new loadBalancers start a new deployment; with If-Match, only if the service is unchanged since that ETag.',
    parameters: [cluster, serviceName, ifMatch],
    body: { schema: updateServiceSchema(), required: true },
    responses: {
      200: serviceAnswer('The service', responses.serviceSchema),
      400: INVALID,
      404: CLUSTER_NOT_FOUND,
      409: `${NOT_ACTIVE}, or ${TARGET_GROUP_IN_USE}`,
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
  pageOperation({
    path: `${SERVICE}/events`,
    operationId: 'listServiceEvents',
    tag: 'services',
    summary: "A service's events, newest first",
    description: 'What happened to the service (changes, rollouts, task launches and stops), newest first.',
    parameters: [cluster, serviceName],
    answer: { description: 'A page of events', schema: responses.serviceEventPageSchema },
  }),
  newDeploymentOperation({
    path: `${SERVICE}/deployments`,
    operationId: 'createDeployment',
    summary:
      'Deploy an image (a new revision) or an existing ACTIVE revision, like an explicit deploy message',
    description:
      "With image, registers a new revision of the service's task definition with that image (in containerName, or the only container) and deploys it; with taskDefinition, deploys that ACTIVE revision.",
    body: deploySpecSchema(),
    conflict: NOT_ACTIVE,
  }),
  pageOperation({
    path: `${SERVICE}/deployments`,
    operationId: 'listDeployments',
    tag: 'deployments',
    summary: 'All deployments, newest first',
    description: "The service's deployments, the PRIMARY and the older ones, newest first.",
    parameters: [cluster, serviceName],
    answer: { description: 'A page of deployments', schema: responses.deploymentPageSchema },
  }),
  readOperation({
    path: `${SERVICE}/deployments/{deploymentId}`,
    operationId: 'getDeployment',
    tag: 'deployments',
    summary: 'One deployment',
    description: 'One deployment of the service, with its counts and rollout state.',
    parameters: [cluster, serviceName, path('deploymentId', 'Deployment id')],
    answer: { description: 'The deployment', schema: responses.deploymentSchema },
  }),
  newDeploymentOperation({
    path: `${SERVICE}/rollback`,
    operationId: 'rollbackService',
    summary:
      "Go back to taskDefinition, or by default to the last COMPLETED deployment's before the current PRIMARY",
    description:
      'Starts a new PRIMARY deployment of the taskDefinition given, or by default of the newest COMPLETED deployment older than the current PRIMARY that runs another revision.',
    body: rollbackSchema(),
    conflict: 'Nothing to roll back to',
  }),

  readOperation({
    path: `${SERVICE}/plan`,
    operationId: 'planService',
    tag: 'deployments',
    summary: 'The actions the reconciler would take now, each with its reason; executes nothing',
    description:
      "A dry run of the reconciler's next pass over the service: the actions it would take and why, and what the rollout waits for.",
    parameters: [cluster, serviceName],
    answer: { description: 'The plan', schema: responses.servicePlanSchema },
  }),
  pageOperation({
    path: `${SERVICE}/scaling-activities`,
    operationId: 'listScalingActivities',
    tag: 'services',
    summary: "A service's scaling activities, newest first",
    description: "Each change of an auto-scaled service's desiredCount, with its cause, newest first.",
    parameters: [cluster, serviceName],
    answer: { description: 'A page of scaling activities', schema: responses.scalingActivityPageSchema },
    notFound: NOT_FOUND,
  }),
  readOperation({
    path: `${SERVICE}/scaling/metrics`,
    operationId: 'getScalingMetrics',
    tag: 'services',
    summary: "Each target tracking policy's metric over the last hours, with its target",
    description:
      "The readings of each of an auto-scaled service's target tracking policies (at most one a minute, kept 6 hours), in its target's units, oldest first. A service without auto scaling has no policies.",
    parameters: [
      cluster,
      serviceName,
      {
        name: 'hours',
        in: 'query',
        description: 'How many hours back, 1-6 (default 3)',
        schema: z.int().min(1).max(6),
      },
    ],
    answer: { description: "The policies' metrics", schema: responses.policyMetricsSchema },
    notFound: NOT_FOUND,
  }),
];
