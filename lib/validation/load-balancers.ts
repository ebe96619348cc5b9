/**
 * A service's `loadBalancers` (ECS's shape: target group, container, container port; at most 5) and their
 * check against the task definition: the container must exist and map the port.
 */
import * as z from 'zod';
import { type LoadBalancer, revisionReference, type TaskDefinition } from '../domain';
import { ValidationError } from '../errors';
import { onFirstUse } from './on-first-use';
import { advancedConfigurationSchema } from './strategies';

/** ELBv2 target group ARNs: arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>. */
const targetGroupArn = onFirstUse(() =>
  z
    .string()
    .regex(
      /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{1,16}$/,
      'must be an Elastic Load Balancing target group ARN',
    )
    .describe('arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>'),
);

export const MAX_LOAD_BALANCERS = 5;

export const loadBalancersSchema = onFirstUse(() =>
  z
    .array(
      z
        .strictObject({
          targetGroupArn: targetGroupArn(),
          containerName: z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
          containerPort: z
            .number()
            .int('must be an integer')
            .min(1, 'must be between 1 and 65535')
            .max(65535, 'must be between 1 and 65535'),
          advancedConfiguration: advancedConfigurationSchema().optional(),
        })
        .describe(
          "A target group the service's tasks register with (ECS's shape). The container must exist in the task definition and map containerPort.",
        ),
    )
    .max(MAX_LOAD_BALANCERS, `at most ${MAX_LOAD_BALANCERS} items`)
    .superRefine((items, ctx) => {
      const seen = new Set<string>();
      for (const [index, item] of items.entries()) {
        const key = `${item.targetGroupArn} ${item.containerName}:${item.containerPort}`;
        if (seen.has(key))
          ctx.addIssue({ code: 'custom', path: [index], message: 'duplicate load balancer' });
        seen.add(key);
      }
    })
    .describe(
      'Target groups every task registers with (its private IPv4 address and containerPort) once RUNNING; at most 5. A change comes with a new deployment.',
    ),
);

/** 400 naming the field when a load balancer's container is not in the task definition or does not map its port. */
export const checkLoadBalancers = (taskDefinition: TaskDefinition, loadBalancers: LoadBalancer[]): void => {
  const reference = revisionReference(taskDefinition);
  for (const [index, lb] of loadBalancers.entries()) {
    const container = taskDefinition.containerDefinitions.find((c) => c.name === lb.containerName);
    if (!container) {
      const field = `loadBalancers[${index}].containerName`;
      throw new ValidationError(
        `Invalid request body: ${field}: task definition ${reference} has no container named ${lb.containerName}`,
        {
          issues: [
            { field, message: `task definition ${reference} has no container named ${lb.containerName}` },
          ],
        },
      );
    }
    if (!(container.portMappings ?? []).some((mapping) => mapping.containerPort === lb.containerPort)) {
      const field = `loadBalancers[${index}].containerPort`;
      const message = `container ${lb.containerName} of task definition ${reference} maps no port ${lb.containerPort}`;
      throw new ValidationError(`Invalid request body: ${field}: ${message}`, {
        issues: [{ field, message }],
      });
    }
  }
};

/** Whether two lists name the same load balancers (in any order), advanced configuration included. */
export const sameLoadBalancers = (a: LoadBalancer[] | undefined, b: LoadBalancer[] | undefined): boolean => {
  const keys = (list: LoadBalancer[] | undefined) =>
    (list ?? [])
      .map(
        (lb) =>
          `${lb.targetGroupArn} ${lb.containerName}:${lb.containerPort} ${JSON.stringify(lb.advancedConfiguration ?? null)}`,
      )
      .sort()
      .join('\n');
  return keys(a) === keys(b);
};
