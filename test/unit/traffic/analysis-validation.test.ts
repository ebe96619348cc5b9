/** deploymentConfiguration.analysis on create and PATCH: ranges, and a 400 naming the field without a strategy. */
import { describe, expect, it } from 'vitest';
import type { DeploymentConfiguration } from '../../../lib/domain';
import { ValidationError } from '../../../lib/errors';
import { checkAnalysis } from '../../../lib/validation/analysis';
import { parseInput } from '../../../lib/validation/parse';
import { createServiceSchema, updateServiceSchema } from '../../../lib/validation/schemas';

const create = (deploymentConfiguration: Record<string, unknown>) => ({
  serviceName: 'web',
  taskDefinition: 'web:1',
  desiredCount: 2,
  networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
  deploymentConfiguration,
});

const message = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).statusCode).toBe(400);
    return (error as Error).message;
  }
  return undefined;
};

const base: DeploymentConfiguration = {
  minimumHealthyPercent: 100,
  maximumPercent: 200,
  deploymentCircuitBreaker: { enable: false, rollback: false },
};

describe('deploymentConfiguration.analysis', () => {
  const analysis = {
    maxErrorRatePercent: 1,
    maxP99LatencyMs: 500,
    compareToBaseline: true,
    intervalSeconds: 120,
    failureLimit: 2,
    minimumRequests: 50,
  };

  it('is accepted on create and PATCH', () => {
    expect(
      parseInput(createServiceSchema(), create({ strategy: 'CANARY', analysis })).deploymentConfiguration
        ?.analysis,
    ).toEqual(analysis);
    expect(
      parseInput(updateServiceSchema(), { deploymentConfiguration: { analysis } }).deploymentConfiguration
        ?.analysis,
    ).toEqual(analysis);
  });

  it.each([
    [
      { maxErrorRatePercent: -1 },
      'deploymentConfiguration.analysis.maxErrorRatePercent: must be between 0 and 100',
    ],
    [
      { maxErrorRatePercent: 101 },
      'deploymentConfiguration.analysis.maxErrorRatePercent: must be between 0 and 100',
    ],
    [
      { maxP99LatencyMs: 0 },
      'deploymentConfiguration.analysis.maxP99LatencyMs: must be between 1 and 600000',
    ],
    [
      { intervalSeconds: 30 },
      'deploymentConfiguration.analysis.intervalSeconds: must be between 60 and 3600',
    ],
    [{ intervalSeconds: 90 }, 'deploymentConfiguration.analysis.intervalSeconds: must be a multiple of 60'],
    [{ failureLimit: 0 }, 'deploymentConfiguration.analysis.failureLimit: must be between 1 and 100'],
    [
      { minimumRequests: 0 },
      'deploymentConfiguration.analysis.minimumRequests: must be between 1 and 1000000000',
    ],
    [{ minimumRequests: 1.5 }, 'deploymentConfiguration.analysis.minimumRequests: must be an integer'],
    [{ maxErrorRatePercent: 1, bogus: 1 }, 'deploymentConfiguration.analysis'],
  ])('rejects %j naming the field', (bad, expected) => {
    expect(
      message(() => parseInput(updateServiceSchema(), { deploymentConfiguration: { analysis: bad } })),
    ).toContain(expected);
  });

  it('needs a non-rolling strategy', () => {
    const analysisOnly = { ...base, analysis: { maxErrorRatePercent: 1 } };
    expect(message(() => checkAnalysis(analysisOnly))).toContain(
      'deploymentConfiguration.analysis: needs a BLUE_GREEN, CANARY or LINEAR strategy',
    );
    expect(message(() => checkAnalysis({ ...analysisOnly, strategy: 'ROLLING' }))).toContain(
      'deploymentConfiguration.analysis',
    );
    expect(message(() => checkAnalysis({ ...analysisOnly, strategy: 'CANARY' }))).toBeUndefined();
  });

  it('needs a bound to judge by', () => {
    expect(
      message(() => checkAnalysis({ ...base, strategy: 'LINEAR', analysis: { minimumRequests: 10 } })),
    ).toContain('deploymentConfiguration.analysis: needs maxErrorRatePercent or maxP99LatencyMs');
  });
});
