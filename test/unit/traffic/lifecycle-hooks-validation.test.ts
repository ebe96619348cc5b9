/** deploymentConfiguration.lifecycleHooks' validation: 400s naming the field, on ECS's shape and limits. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config';
import type { DeploymentConfiguration, LifecycleHook } from '../../../lib/domain';
import { ValidationError } from '../../../lib/errors';
import { checkLifecycleHooks } from '../../../lib/validation/lifecycle-hooks';
import { parseInput } from '../../../lib/validation/parse';
import { updateServiceSchema } from '../../../lib/validation/schemas';

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:my-hook';
const hook = (extra: Partial<LifecycleHook> = {}): LifecycleHook => ({
  hookTargetArn: FN,
  lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
  ...extra,
});

const failure = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as Error).message;
  }
  return undefined;
};

const parse = (lifecycleHooks: unknown) =>
  failure(() => parseInput(updateServiceSchema(), { deploymentConfiguration: { lifecycleHooks } }));

const config = (extra: Partial<DeploymentConfiguration>): DeploymentConfiguration => ({
  minimumHealthyPercent: 100,
  maximumPercent: 200,
  deploymentCircuitBreaker: { enable: false, rollback: false },
  ...extra,
});

describe('lifecycleHooks validation', () => {
  it("takes ECS's shape: a function ARN (or alias), a role, stages, any JSON details, a timeout", () => {
    const hooks = [
      hook({
        roleArn: 'arn:aws:iam::123456789012:role/ecs-lambda-invoke',
        hookDetails: { S3_BUCKET_NAME: 'b', n: [1, 2] },
        timeoutConfiguration: { timeoutInMinutes: 30, action: 'CONTINUE' },
      }),
      hook({ hookTargetArn: `${FN}:live`, lifecycleStages: ['PRE_SCALE_UP', 'PRODUCTION_TRAFFIC_SHIFT'] }),
    ];
    expect(
      parseInput(updateServiceSchema(), { deploymentConfiguration: { lifecycleHooks: hooks } })
        .deploymentConfiguration?.lifecycleHooks,
    ).toEqual(hooks);
  });

  it.each<[string, unknown, string]>([
    [
      'a target that is no function ARN',
      [hook({ hookTargetArn: 'arn:aws:sqs:us-east-1:1:q' })],
      'lifecycleHooks[0].hookTargetArn: must be a Lambda function ARN',
    ],
    [
      'no stages',
      [hook({ lifecycleStages: [] })],
      'lifecycleHooks[0].lifecycleStages: must name at least one stage',
    ],
    [
      'an unknown stage',
      [hook(), { ...hook(), lifecycleStages: ['BAKE_TIME'] }],
      'lifecycleHooks[1].lifecycleStages[0]',
    ],
    [
      'a role that is no role ARN',
      [hook({ roleArn: 'admin' })],
      'lifecycleHooks[0].roleArn: must be an IAM role ARN',
    ],
    [
      'details too large',
      [hook({ hookDetails: { x: 'y'.repeat(5000) } })],
      'lifecycleHooks[0].hookDetails: must be at most 4096 characters',
    ],
    [
      'a timeout out of range',
      [hook({ timeoutConfiguration: { timeoutInMinutes: 20161 } })],
      'lifecycleHooks[0].timeoutConfiguration.timeoutInMinutes: must be between 1 and 20160',
    ],
    ['a pause hook', [{ ...hook(), targetType: 'PAUSE' }], 'lifecycleHooks[0].targetType'],
    ['no target', [{ lifecycleStages: ['PRE_SCALE_UP'] }], 'lifecycleHooks[0].hookTargetArn'],
    ['an unknown field', [{ ...hook(), hookArn: FN }], 'lifecycleHooks[0].hookArn: unknown field'],
  ])('400 for %s, naming the field', (_, hooks, message) => {
    expect(parse(hooks)).toContain(`deploymentConfiguration.${message}`);
  });

  it('400 for hooks with a ROLLING strategy', () => {
    expect(failure(() => checkLifecycleHooks(config({ lifecycleHooks: [hook()] })))).toContain(
      'deploymentConfiguration.lifecycleHooks: a ROLLING deployment has no lifecycle stages',
    );
    expect(
      failure(() => checkLifecycleHooks(config({ strategy: 'CANARY', lifecycleHooks: [hook()] }))),
    ).toBeUndefined();
  });

  it('takes an http:// target only where Tugboat runs locally', () => {
    const local = config({
      strategy: 'BLUE_GREEN',
      lifecycleHooks: [hook(), hook({ hookTargetArn: 'http://127.0.0.1:9999/hook' })],
    });
    expect(parse(local.lifecycleHooks)).toBeUndefined();
    expect(failure(() => checkLifecycleHooks(local))).toContain(
      'deploymentConfiguration.lifecycleHooks[1].hookTargetArn: must be a Lambda function ARN',
    );
    expect(failure(() => checkLifecycleHooks(local, { localHooks: true }))).toBeUndefined();
  });

  it('is local only with TUGBOAT_LOCAL_HOOKS=1, which only the local stack sets', () => {
    expect(loadConfig({ TUGBOAT_TABLE_NAME: 'tugboat', TUGBOAT_LOCAL_HOOKS: '1' }).localHooks).toBe(true);
    expect(
      loadConfig({ TUGBOAT_TABLE_NAME: 'tugboat', TUGBOAT_LOCAL_HOOKS: '0' }).localHooks,
    ).toBeUndefined();
    expect(loadConfig({ TUGBOAT_TABLE_NAME: 'tugboat' }).localHooks).toBeUndefined();
  });
});
