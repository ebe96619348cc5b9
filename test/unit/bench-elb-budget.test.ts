import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { ELB_DESCRIBE_BUDGET, trackDescribeBudget } from '../../bench/support/load-balancing';

type Middleware = (
  next: (args: unknown) => Promise<unknown>,
  context: { commandName?: string },
) => (args: unknown) => Promise<unknown>;

/** A client whose middleware stack keeps the one middleware added, to call it by hand. */
const stubClient = () => {
  let added: Middleware | undefined;
  const client = { middlewareStack: { add: (m: Middleware) => (added = m) } };
  const call = (commandName: string) => added!(async () => ({ output: {} }), { commandName })({ input: {} });
  return { client: client as unknown as ElasticLoadBalancingV2Client, call };
};

describe("the benchmark's count of Describe* calls past ELB's published bucket", () => {
  it('counts the calls past 40 at once, refills 10 a second, and leaves mutating calls alone', async () => {
    let now = 0;
    const { client, call } = stubClient();
    const budget = trackDescribeBudget(client, () => now);
    for (let i = 0; i < ELB_DESCRIBE_BUDGET.burst + 5; i++) await call('DescribeTargetHealthCommand');
    for (let i = 0; i < 100; i++) await call('ModifyRuleCommand');
    expect(budget.snapshot()).toEqual({ calls: 45, overBudget: 5 });
    now += 1_000;
    for (let i = 0; i < 11; i++) await call('DescribeRulesCommand');
    expect(budget.snapshot()).toEqual({ calls: 56, overBudget: 6 });
    now += 60_000;
    for (let i = 0; i < 40; i++) await call('DescribeTargetGroupsCommand');
    expect(budget.snapshot()).toEqual({ calls: 96, overBudget: 6 });
  });
});
