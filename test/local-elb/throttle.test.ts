import {
  CreateTargetGroupCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterEach, describe, expect, it } from 'vitest';
import { createElbClientForGateway, createElbGateway } from '../../lib/elb/gateway';
import { type ElbHarness, failure, startElbHarness } from './helpers';

let h: ElbHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const describeGroups = () => h!.client.send(new DescribeTargetGroupsCommand({}));

describe("the local ELB's request throttling (ELB user guide: Describe* 40 tokens, 10 a second)", () => {
  it('refuses the 41st Describe* call at one instant with Throttling, and refills 10 a second', async () => {
    h = await startElbHarness({ throttle: 1 });
    for (let i = 0; i < 40; i++) await describeGroups();
    expect(await failure(describeGroups())).toMatchObject({ code: 'Throttling', status: 400 });
    expect(String((await failure(describeGroups())).message)).toBe('Rate exceeded');
    h.advance(1_000);
    for (let i = 0; i < 10; i++) await describeGroups();
    expect(await failure(describeGroups())).toMatchObject({ code: 'Throttling' });
  });

  it('leaves mutating actions alone, whose buckets it does not model', async () => {
    h = await startElbHarness({ throttle: 1 });
    for (let i = 0; i < 41; i++) await describeGroups().catch(() => undefined);
    const created = await h.client.send(
      new CreateTargetGroupCommand({ Name: 'after', Protocol: 'HTTP', Port: 80, TargetType: 'ip' }),
    );
    expect(created.TargetGroups).toHaveLength(1);
  });

  it('throttles nothing by default', async () => {
    h = await startElbHarness();
    for (let i = 0; i < 100; i++) await describeGroups();
  });

  it("is backed off from and retried by Tugboat's ELB gateway", async () => {
    h = await startElbHarness({ throttle: 1 });
    const { TargetGroups } = await h.client.send(
      new CreateTargetGroupCommand({ Name: 'web', Protocol: 'HTTP', Port: 80, TargetType: 'ip' }),
    );
    for (let i = 0; i < 40; i++) await describeGroups();
    const client = createElbClientForGateway({
      endpoint: h.server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const sleeps: number[] = [];
    const harness = h;
    const gateway = createElbGateway({
      client,
      sleep: async (ms) => {
        sleeps.push(ms);
        harness.advance(ms);
      },
      random: () => 1,
    });
    try {
      const health = await gateway.describeTargetHealth(TargetGroups![0]!.TargetGroupArn!);
      expect(health).toEqual([]);
      expect(sleeps.length).toBeGreaterThan(0);
    } finally {
      client.destroy();
    }
  });
});

describe('TUGBOAT_LOCAL_ELB_THROTTLE', () => {
  it('reads off, 0 and unset as none, a positive factor as itself, and refuses anything else naming it', async () => {
    const { elbThrottleFromEnv } = await import('../../local/elb/throttle');
    for (const raw of [undefined, '', 'off', '0']) expect(elbThrottleFromEnv(raw)).toBe('off');
    expect(elbThrottleFromEnv('1')).toBe(1);
    expect(elbThrottleFromEnv('0.5')).toBe(0.5);
    for (const raw of ['-1', 'fast'])
      expect(() => elbThrottleFromEnv(raw)).toThrow(/TUGBOAT_LOCAL_ELB_THROTTLE/);
  });
});
