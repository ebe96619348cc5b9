import { describe, expect, it } from 'vitest';
import { createServiceSchema, updateServiceSchema } from '../../lib/validation/schemas';

const create = (deploymentCircuitBreaker: unknown) =>
  createServiceSchema().safeParse({
    serviceName: 'web',
    taskDefinition: 'web:1',
    desiredCount: 2,
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
    deploymentConfiguration: { deploymentCircuitBreaker },
  });

const issuesOf = (result: ReturnType<typeof create>) =>
  result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);

describe("the circuit breaker's threshold configuration (ECS ThresholdConfiguration)", () => {
  it.each([
    { type: 'COUNT', value: 1 },
    { type: 'COUNT', value: 10_000 },
    { type: 'BOUNDED_PERCENT', value: 50 },
    { type: 'UNBOUNDED_PERCENT', value: 1000 },
  ])('takes $type $value', (thresholdConfiguration) => {
    const result = create({
      enable: true,
      rollback: true,
      thresholdConfiguration,
      resetOnHealthyTask: false,
    });
    expect(issuesOf(result)).toEqual([]);
    expect(result.data?.deploymentConfiguration?.deploymentCircuitBreaker).toEqual({
      enable: true,
      rollback: true,
      thresholdConfiguration,
      resetOnHealthyTask: false,
    });
  });

  it.each([
    {
      breaker: { thresholdConfiguration: { type: 'PERCENT', value: 5 } },
      path: 'thresholdConfiguration.type',
    },
    {
      breaker: { thresholdConfiguration: { type: 'COUNT', value: 0 } },
      path: 'thresholdConfiguration.value',
    },
    {
      breaker: { thresholdConfiguration: { type: 'COUNT', value: 1.5 } },
      path: 'thresholdConfiguration.value',
    },
    {
      breaker: { thresholdConfiguration: { type: 'BOUNDED_PERCENT', value: 1001 } },
      path: 'thresholdConfiguration.value',
    },
    { breaker: { thresholdConfiguration: { type: 'COUNT' } }, path: 'thresholdConfiguration.value' },
    { breaker: { resetOnHealthyTask: 'yes' }, path: 'resetOnHealthyTask' },
    {
      breaker: { failureThreshold: 3, thresholdConfiguration: { type: 'COUNT', value: 3 } },
      path: 'failureThreshold',
    },
  ])('refuses $breaker, naming $path', ({ breaker, path }) => {
    const issues = issuesOf(create({ enable: true, rollback: true, ...breaker }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(new RegExp(`^deploymentConfiguration\\.deploymentCircuitBreaker\\.${path}: `));
  });

  it('is checked on PATCH too', () => {
    const result = updateServiceSchema().safeParse({
      deploymentConfiguration: {
        deploymentCircuitBreaker: {
          enable: true,
          rollback: false,
          thresholdConfiguration: { type: 'COUNT', value: -1 },
        },
      },
    });
    expect(result.success).toBe(false);
  });
});
