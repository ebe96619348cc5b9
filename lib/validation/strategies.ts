/**
 * Deployment strategies on ECS's shapes and limits (DeploymentConfiguration.strategy, bakeTimeInMinutes,
 * CanaryConfiguration, LinearConfiguration, DeploymentAlarms, and a load balancer's AdvancedConfiguration),
 * and the check of a strategy against the service's load balancers, made on the merged service so that a
 * create and a PATCH are judged alike.
 */
import * as z from 'zod';
import type { DeploymentConfiguration, LoadBalancer } from '../domain';
import { ValidationError } from '../errors';
import { onFirstUse } from './on-first-use';

const minutes = onFirstUse(() =>
  z
    .number()
    .int('must be an integer')
    .min(0, 'must be between 0 and 1440')
    .max(1440, 'must be between 0 and 1440'),
);

/** ECS: "multiples of 0.1 from `min` to 100.0". */
const tenthsPercent = (min: number) =>
  z
    .number()
    .min(min, `must be between ${min} and 100`)
    .max(100, `must be between ${min} and 100`)
    .refine((value) => Math.abs(value * 10 - Math.round(value * 10)) < 1e-9, 'must be a multiple of 0.1');

export const strategySchema = onFirstUse(() =>
  z
    .enum(['ROLLING', 'BLUE_GREEN', 'CANARY', 'LINEAR'])
    .describe(
      'ECS DeploymentStrategy (default ROLLING). BLUE_GREEN, CANARY and LINEAR launch the new revision in the target group not serving and shift production traffic by the weights of the production listener rule; each load balancer needs advancedConfiguration. A change applies from the next deployment.',
    ),
);

export const bakeTimeSchema = onFirstUse(() =>
  minutes().describe(
    'Minutes both revisions stay up after production traffic has fully shifted, before the old tasks stop (0..1440). Required with BLUE_GREEN.',
  ),
);

export const canaryConfigurationSchema = onFirstUse(() =>
  z
    .strictObject({
      canaryPercent: tenthsPercent(0.1).describe('Default 5.0.').optional(),
      canaryBakeTimeInMinutes: minutes().describe('Default 10.').optional(),
    })
    .describe(
      'ECS CanaryConfiguration: canaryPercent of production first, then the rest after the bake time.',
    ),
);

export const linearConfigurationSchema = onFirstUse(() =>
  z
    .strictObject({
      stepPercent: tenthsPercent(3).describe('Default 10.0.').optional(),
      stepBakeTimeInMinutes: minutes().describe('Default 6; not applied after the last step.').optional(),
    })
    .describe(
      'ECS LinearConfiguration: production shifts stepPercent at a time, stepBakeTimeInMinutes apart.',
    ),
);

export const alarmsSchema = onFirstUse(() =>
  z
    .strictObject({
      alarmNames: z
        .array(z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters'))
        .max(100, 'at most 100 alarms'),
      enable: z.boolean(),
      rollback: z.boolean(),
    })
    .describe(
      'ECS DeploymentAlarms: from the first production traffic shift to the end of bake time, any named CloudWatch alarm in ALARM fails the deployment; with rollback, production traffic returns to the old target group at once.',
    ),
);

/** listener/app|net/<lb>/<id>/<id> or listener-rule/app|net/<lb>/<id>/<id>/<id>. */
const listenerOrRuleArn =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:(listener\/(app|net)\/[A-Za-z0-9-]{1,32}(\/[0-9a-f]{1,16}){2}|listener-rule\/(app|net)\/[A-Za-z0-9-]{1,32}(\/[0-9a-f]{1,16}){3})$/;

const listenerOrRule = onFirstUse(() =>
  z.string().regex(listenerOrRuleArn, 'must be an Elastic Load Balancing listener rule ARN or listener ARN'),
);

const targetGroupArn = onFirstUse(() =>
  z
    .string()
    .regex(
      /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{1,16}$/,
      'must be an Elastic Load Balancing target group ARN',
    ),
);

export const advancedConfigurationSchema = onFirstUse(() =>
  z
    .strictObject({
      alternateTargetGroupArn: targetGroupArn(),
      productionListenerRule: listenerOrRule()
        .describe('The listener rule (or listener, for its default action) whose forward weights move.')
        .optional(),
      testListenerRule: listenerOrRule()
        .describe('Sent only to the new target group before production moves (BLUE_GREEN).')
        .optional(),
      roleArn: z
        .string()
        .max(2048)
        .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN')
        .describe('Accepted as ECS takes it; Tugboat calls Elastic Load Balancing with its own role.')
        .optional(),
    })
    .describe(
      'ECS AdvancedConfiguration: the alternate target group and the listener rules a BLUE_GREEN, CANARY or LINEAR deployment shifts traffic with. The alternate group is claimed by the service like its own.',
    ),
);

const invalid = (field: string, message: string): ValidationError =>
  new ValidationError(`Invalid request body: ${field}: ${message}`, { issues: [{ field, message }] });

/**
 * 400 naming the field when the strategy cannot work with these load balancers: a non-rolling strategy
 * needs at least one load balancer, each with an alternate group (not its own, not another entry's) and
 * a production listener rule; BLUE_GREEN needs bakeTimeInMinutes.
 */
export const checkStrategy = (
  config: DeploymentConfiguration,
  loadBalancers: LoadBalancer[] | undefined,
): void => {
  const strategy = config.strategy ?? 'ROLLING';
  const lbs = loadBalancers ?? [];
  const primaries = new Set(lbs.map((lb) => lb.targetGroupArn));
  const alternates = new Set<string>();
  for (const [index, lb] of lbs.entries()) {
    const advanced = lb.advancedConfiguration;
    if (advanced === undefined) continue;
    const field = `loadBalancers[${index}].advancedConfiguration.alternateTargetGroupArn`;
    if (advanced.alternateTargetGroupArn === lb.targetGroupArn)
      throw invalid(field, 'must differ from the load balancer targetGroupArn');
    if (primaries.has(advanced.alternateTargetGroupArn))
      throw invalid(field, 'is the targetGroupArn of another load balancer of the service');
    if (alternates.has(advanced.alternateTargetGroupArn))
      throw invalid(field, 'is the alternate target group of another load balancer of the service');
    alternates.add(advanced.alternateTargetGroupArn);
  }
  if (strategy === 'ROLLING') return;
  if (lbs.length === 0)
    throw invalid(
      'deploymentConfiguration.strategy',
      `${strategy} shifts traffic between target groups and needs loadBalancers with advancedConfiguration`,
    );
  for (const [index, lb] of lbs.entries()) {
    if (lb.advancedConfiguration === undefined)
      throw invalid(
        `loadBalancers[${index}].advancedConfiguration`,
        `is required with deploymentConfiguration.strategy ${strategy}`,
      );
    if (lb.advancedConfiguration.productionListenerRule === undefined)
      throw invalid(
        `loadBalancers[${index}].advancedConfiguration.productionListenerRule`,
        `is required with deploymentConfiguration.strategy ${strategy}`,
      );
  }
  if (strategy === 'BLUE_GREEN' && config.bakeTimeInMinutes === undefined)
    throw invalid('deploymentConfiguration.bakeTimeInMinutes', 'is required with strategy BLUE_GREEN');
};
