/**
 * A CANARY deploy through the HTTP API against the local stack's own Application Load Balancer: the
 * production rule's weights, read with DescribeRules, move 0 -> canaryPercent -> 100, and an alarm
 * rollback puts them back.
 *
 * The analysis rollback is in traffic-analysis.test.ts, a file of its own so the two minute-long
 * deployments run side by side.
 */
import { expect, it } from 'vitest';
import { createCanaryGroups, createCanaryService, greenShare as shareOn } from '../support/canary';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

const local = useTestStack({ timing: 'fast', reconcileIntervalMs: 1_000, contract: true });

const greenShare = (ruleArn: string, green: string) => shareOn(local.elb, ruleArn, green);

it('a canary deploy moves the production rule 10 % then 100 % (DescribeRules), then the groups swap', async () => {
  const { blue, green, ruleArn } = await createCanaryGroups(local.elb, 'e2e');
  await createCanaryService(local.api, {
    serviceName: 'e2e-canary',
    images: ['nginx:1', 'nginx:2'],
    groups: { blue, green, ruleArn },
    // A canary step with no bake lasts one reconcile pass, which a busy machine's polling can miss.
    deploymentConfiguration: { canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 } },
  });
  const state = async () => (await local.api.get('/clusters/default/services/e2e-canary')).body;
  await eventually('the first deployment COMPLETED', async () =>
    (await state()).deployments[0].rolloutState === 'COMPLETED' ? true : undefined,
  );
  await local.api.patch('/clusters/default/services/e2e-canary', { taskDefinition: 'e2e-canary:2' });
  const seen: number[] = [];
  await eventually(
    'the canary COMPLETED',
    async () => {
      const share = await greenShare(ruleArn, green);
      if (seen.at(-1) !== share) seen.push(share);
      return (await state()).deployments[0].rolloutState === 'COMPLETED' ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 200 },
  );
  expect(seen).toEqual(expect.arrayContaining([10, 100]));
  expect((await state()).servingTargetGroups).toEqual({ [blue]: green });
}, 180_000);
