/**
 * deploymentConfiguration.approval, and the check that its stage is one the service's strategy passes
 * through (made on the merged service, so a create and a PATCH are judged alike).
 */
import * as z from 'zod';
import type { DeploymentConfiguration, LoadBalancer } from '../domain';
import { ValidationError } from '../errors';
import { onFirstUse } from './on-first-use';

export const approvalSchema = onFirstUse(() =>
  z
    .strictObject({
      stage: z
        .enum(['TEST_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT', 'BAKE_TIME'])
        .describe(
          'The stage the deployment waits at before it moves on: TEST_TRAFFIC_SHIFT (test traffic on the new tasks, no production yet; needs a testListenerRule), PRODUCTION_TRAFFIC_SHIFT (after the first production step, the canary or the first linear step, and its bake; CANARY and LINEAR), BAKE_TIME (after the bake time, before the old tasks stop).',
        ),
      timeoutMinutes: z
        .number()
        .int('must be an integer')
        .min(1, 'must be between 1 and 1440')
        .max(1440, 'must be between 1 and 1440')
        .describe('Minutes the deployment waits for POST .../continue before onTimeout decides (default 60).')
        .optional(),
      onTimeout: z
        .enum(['ROLLBACK', 'CONTINUE'])
        .describe('What happens when nobody continued it in time (default ROLLBACK).')
        .optional(),
    })
    .describe(
      'Holds a BLUE_GREEN, CANARY or LINEAR deployment at a stage until POST .../deployments/{id}/continue (or the timeout). Applies from the next deployment.',
    ),
);

const invalid = (field: string, message: string): ValidationError =>
  new ValidationError(`Invalid request body: ${field}: ${message}`, { issues: [{ field, message }] });

/** 400 naming the field when the approval's stage is not one the strategy and load balancers have. */
export const checkApproval = (
  config: DeploymentConfiguration,
  loadBalancers: LoadBalancer[] | undefined,
): void => {
  const approval = config.approval;
  if (approval === undefined) return;
  const strategy = config.strategy ?? 'ROLLING';
  const field = 'deploymentConfiguration.approval.stage';
  if (strategy === 'ROLLING')
    throw invalid(field, 'a ROLLING deployment has no stages to wait at; use BLUE_GREEN, CANARY or LINEAR');
  if (approval.stage === 'PRODUCTION_TRAFFIC_SHIFT' && strategy === 'BLUE_GREEN')
    throw invalid(
      field,
      'BLUE_GREEN shifts all production traffic at once; wait at TEST_TRAFFIC_SHIFT or BAKE_TIME',
    );
  const hasTestRule = (loadBalancers ?? []).some(
    (lb) => lb.advancedConfiguration?.testListenerRule !== undefined,
  );
  if (approval.stage === 'TEST_TRAFFIC_SHIFT' && !hasTestRule)
    throw invalid(
      field,
      'TEST_TRAFFIC_SHIFT needs a load balancer with advancedConfiguration.testListenerRule',
    );
};
