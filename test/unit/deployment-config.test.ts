import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { describe, expect, it } from 'vitest';

/** A YAML file of the deployment; CloudFormation's short-form tags (`!Ref X`) are read as their argument. */
const readYaml = (file: string) =>
  loadYaml(
    readFileSync(resolve(import.meta.dirname, '../..', file), 'utf8').replace(
      /!(?:GetAtt|Ref|Sub|Join)\b/g,
      ' ',
    ),
  ) as Record<string, unknown>;

describe('deployment settings the rolling floor relies on', () => {
  it('runs the scheduler never twice at once and never again after a failure', () => {
    const functions = readYaml('serverless.yml').functions as Record<string, Record<string, unknown>>;
    expect(functions.reconcileScheduler).toMatchObject({
      reservedConcurrency: 1,
      maximumRetryAttempts: 0,
    });
  });

  it('expires items by the attribute the store writes (expiresAt)', () => {
    const resources = readYaml('resources/dynamodb.yml').Resources as Record<
      string,
      { Type: string; Properties: { TimeToLiveSpecification?: unknown } }
    >;
    const table = Object.values(resources).find((resource) => resource.Type === 'AWS::DynamoDB::Table');
    expect(table?.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });
});
