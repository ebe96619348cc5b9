/** Continue and stop a deployment (a person's hand on the lever), as the OpenAPI document describes them. */
import type * as z from 'zod';
import { continueSchema, stopSchema } from '../../use-cases/deployment-control';
import {
  CHANGED,
  CLUSTER_NOT_FOUND,
  cluster,
  INVALID,
  ifMatch,
  type Operation,
  path,
  SERVICE,
  serviceName,
} from './operation-parts';
import * as responses from './responses';

const controlOperation = (spec: {
  verb: string;
  operationId: string;
  summary: string;
  description: string;
  body: z.ZodType;
  conflict: string;
}): Operation => ({
  method: 'post',
  path: `${SERVICE}/deployments/{deploymentId}/${spec.verb}`,
  operationId: spec.operationId,
  tag: 'deployments',
  summary: spec.summary,
  description: spec.description,
  parameters: [cluster, serviceName, path('deploymentId', 'Deployment id'), ifMatch],
  body: { schema: spec.body, required: spec.verb === 'continue' },
  responses: {
    200: { description: 'The deployment, with the request recorded', schema: responses.deploymentSchema },
    400: INVALID,
    404: `${CLUSTER_NOT_FOUND}; or the service has no such deployment`,
    409: spec.conflict,
    412: CHANGED,
  },
});

export const deploymentControlOperations: Operation[] = [
  controlOperation({
    verb: 'continue',
    operationId: 'continueDeployment',
    summary: 'Let a deployment paused by its approval move on (CONTINUE), or roll it back (ROLLBACK)',
    description:
      'A deployment whose deploymentConfiguration.approval holds it at a stage waits for this. ECS has no ContinueServiceDeployment; this follows its lifecycle hook verdicts (CONTINUE = SUCCEEDED, ROLLBACK = FAILED). Recorded with the caller as a service event; the next reconcile pass carries it out.',
    body: continueSchema(),
    conflict:
      'The deployment is not paused awaiting approval (finished, superseded, not paused yet, already continued, or being stopped)',
  }),
  controlOperation({
    verb: 'stop',
    operationId: 'stopDeployment',
    summary: 'Stop a deployment in progress (ECS StopServiceDeployment): ROLLBACK or ABORT',
    description:
      "ROLLBACK (the default): production traffic returns to the old target group and a rollback deployment takes over the old tasks, as the circuit breaker and alarms do. ABORT: the deployment ends FAILED where it is: no launches or stops for it, both revisions' tasks keep running and the listener rules keep their weights, until the next deployment. Recorded with the caller as a service event. Asking again with the same stopType is no conflict.",
    body: stopSchema(),
    conflict: 'The deployment is not the PRIMARY in progress, or is being stopped with the other stopType',
  }),
];
