/**
 * deploymentConfiguration.analysis (beyond ECS): bounds on the new target group's 5xx rate and p99 latency
 * read from the load balancer's own metrics, and the check that it goes with a strategy that has a new
 * target group to read, made on the merged service so that a create and a PATCH are judged alike.
 */
import * as z from 'zod';
import type { DeploymentConfiguration } from '../domain';
import { ValidationError } from '../errors';
import { onFirstUse } from './on-first-use';

export const analysisSchema = onFirstUse(() =>
  z
    .strictObject({
      maxErrorRatePercent: z
        .number()
        .min(0, 'must be between 0 and 100')
        .max(100, 'must be between 0 and 100')
        .describe('An interval whose HTTPCode_Target_5XX_Count / RequestCount (percent) is above this fails.')
        .optional(),
      maxP99LatencyMs: z
        .number()
        .int('must be an integer')
        .min(1, 'must be between 1 and 600000')
        .max(600000, 'must be between 1 and 600000')
        .describe('An interval whose TargetResponseTime p99 (ms) is above this fails.')
        .optional(),
      compareToBaseline: z
        .boolean()
        .describe(
          "The bounds become allowances over the old target group's figures of the same interval (its rate + maxErrorRatePercent points, its p99 + maxP99LatencyMs).",
        )
        .optional(),
      intervalSeconds: z
        .number()
        .int('must be an integer')
        .min(60, 'must be between 60 and 3600')
        .max(3600, 'must be between 60 and 3600')
        .refine((value) => value % 60 === 0, 'must be a multiple of 60 (the metrics are per minute)')
        .describe('Length of one analysis interval (default 60).')
        .optional(),
      failureLimit: z
        .number()
        .int('must be an integer')
        .min(1, 'must be between 1 and 100')
        .max(100, 'must be between 1 and 100')
        .describe(
          'Failed intervals in a row (inconclusive ones skipped) that fail the deployment (default 1).',
        )
        .optional(),
      minimumRequests: z
        .number()
        .int('must be an integer')
        .min(1, 'must be between 1 and 1000000000')
        .max(1_000_000_000, 'must be between 1 and 1000000000')
        .describe('An interval with fewer requests is INCONCLUSIVE, never a pass (default 1).')
        .optional(),
    })
    .describe(
      "Tugboat's metric analysis: during test and production traffic, each interval's RequestCount, HTTPCode_Target_5XX_Count and TargetResponseTime p99 of the new target group (and, with compareToBaseline, the old one) is judged PASS, FAIL or INCONCLUSIVE; failureLimit FAILs in a row roll the deployment back; a bake with no PASS holds.",
    ),
);

const invalid = (field: string, message: string): ValidationError =>
  new ValidationError(`Invalid request body: ${field}: ${message}`, { issues: [{ field, message }] });

/** 400 naming the field when analysis has nothing to read or nothing to judge. */
export const checkAnalysis = (config: DeploymentConfiguration): void => {
  const analysis = config.analysis;
  if (analysis === undefined) return;
  const strategy = config.strategy ?? 'ROLLING';
  if (strategy === 'ROLLING')
    throw invalid(
      'deploymentConfiguration.analysis',
      'needs a BLUE_GREEN, CANARY or LINEAR strategy (a rolling deployment has no separate target group to read)',
    );
  if (analysis.maxErrorRatePercent === undefined && analysis.maxP99LatencyMs === undefined)
    throw invalid('deploymentConfiguration.analysis', 'needs maxErrorRatePercent or maxP99LatencyMs');
};
