/**
 * A canary through the HTTP API against the local stack's own Application Load Balancer whose image
 * answers 20 % errors: analysis judges the first whole minute of canary traffic (read from the local load
 * balancer's AWS/ApplicationELB figures) and rolls back, the production rule's weight back on the old group.
 * The weights are read as a user reads them: the AWS CLI's `elbv2 describe-rules`.
 */
import { expect, it } from 'vitest';
import { awsCli } from '../support/aws-cli';
import { createCanaryGroups, createCanaryService } from '../support/canary';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

const local = useTestStack({ timing: 'fast', reconcileIntervalMs: 1_000, contract: true });

it('a canary answering 20 % errors rolls back on analysis: weight 0 on the new group, FAILED with the figures', async (context) => {
  const elbv2 = await awsCli(context, local.stack.elbUrl, 'elbv2');
  if (!elbv2) return;
  /** `aws elbv2 describe-rules --rule-arns <rule>`: the forward action's weight per target group. */
  const weights = async (ruleArn: string): Promise<Record<string, number>> => {
    const answer = await elbv2('describe-rules', '--rule-arns', ruleArn);
    const forward = answer.Rules[0].Actions.find((a: { Type: string }) => a.Type === 'forward');
    return Object.fromEntries(
      forward.ForwardConfig.TargetGroups.map((g: { TargetGroupArn: string; Weight: number }) => [
        g.TargetGroupArn,
        g.Weight,
      ]),
    );
  };
  const greenShare = async (ruleArn: string, green: string) => {
    const byGroup = await weights(ruleArn);
    const total = Object.values(byGroup).reduce((sum, weight) => sum + weight, 0);
    return ((byGroup[green] ?? 0) * 100) / total;
  };
  const { blue, green, listenerArn, ruleArn } = await createCanaryGroups(local.elb, 'e2e-a', {
    defaultRule: true,
  });
  await createCanaryService(local.api, {
    serviceName: 'e2e-analysis',
    images: ['nginx:1', 'nginx:errors20'],
    groups: { blue, green, ruleArn },
    deploymentConfiguration: {
      canaryConfiguration: { canaryPercent: 50, canaryBakeTimeInMinutes: 10 },
      analysis: { maxErrorRatePercent: 1, minimumRequests: 10 },
    },
  });
  const state = async () => (await local.api.get('/clusters/default/services/e2e-analysis')).body;
  await eventually('the first deployment COMPLETED', async () =>
    (await state()).deployments[0].rolloutState === 'COMPLETED' ? true : undefined,
  );
  expect(await greenShare(ruleArn, green)).toBe(0);
  const traffic = await fetch(`${local.stack.elbUrl}/__local/traffic`, {
    method: 'POST',
    body: JSON.stringify({ listenerArn, requestsPerSecond: 50 }),
  });
  expect(traffic.status).toBe(200);
  await local.api.patch('/clusters/default/services/e2e-analysis', { taskDefinition: 'e2e-analysis:2' });
  await eventually('the canary took production traffic', async () =>
    (await greenShare(ruleArn, green)) === 50 ? true : undefined,
  );
  // The first whole minute of canary traffic is judged: 20 % errors against a bound of 1 %.
  const failed = await eventually(
    'the canary FAILED on analysis',
    async () => {
      const body = await state();
      const canary = body.deployments.find((d: { taskDefinition: string }) =>
        d.taskDefinition.endsWith(':2'),
      );
      return canary?.rolloutState === 'FAILED' ? canary : undefined;
    },
    { timeoutMs: 150_000, intervalMs: 500 },
  );
  expect(failed.rolloutStateReason).toMatch(/analysis failed/);
  expect(failed.analysis.intervals.at(-1)).toMatchObject({ verdict: 'FAIL' });
  const after = await weights(ruleArn);
  expect(after[green]).toBe(0);
  expect(after[blue]).toBeGreaterThan(0);
}, 240_000);
