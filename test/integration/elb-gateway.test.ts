import {
  CreateTargetGroupCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createElbClientForGateway, createElbGateway, type ElbGateway } from '../../lib/elb/gateway';
import { DependencyError } from '../../lib/errors';
import { createDefaultWebTargetGroup } from '../../local/elb';
import { type ElbHarness, launchTask, startElbHarness } from '../local-elb/helpers';

let h: ElbHarness;
let client: ElasticLoadBalancingV2Client;
let gateway: ElbGateway;
let calls: string[];
let now: number;

beforeEach(async () => {
  h = await startElbHarness();
  client = createElbClientForGateway({
    endpoint: h.server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  calls = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      calls.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize' },
  );
  now = 0;
  gateway = createElbGateway({ client, now: () => now });
});
afterEach(async () => {
  client.destroy();
  await h.close();
});

/** Two target groups through the same code `npm start` uses (`default-web` and a copy by another name). */
const twoGroups = async () => {
  const web = await createDefaultWebTargetGroup(h.client);
  const other = await h.client.send(
    new CreateTargetGroupCommand({
      Name: 'admin',
      Protocol: 'HTTP',
      Port: 8080,
      TargetType: 'ip',
      HealthCheckIntervalSeconds: 5,
      HealthyThresholdCount: 2,
    }),
  );
  return { web, admin: other.TargetGroups![0]!.TargetGroupArn! };
};

describe('ELB gateway against the local endpoint', () => {
  it('registers with one call per target group and reads health with one call per target group', async () => {
    const { web, admin } = await twoGroups();
    const tasks = [await launchTask(h, 'a', 'nginx:1'), await launchTask(h, 'b', 'nginx:1')];
    h.advance(2000);
    await gateway.registerTargets([
      { targetGroupArn: web, target: { id: tasks[0]!.address, port: 80 } },
      { targetGroupArn: admin, target: { id: tasks[0]!.address, port: 8080 } },
      { targetGroupArn: web, target: { id: tasks[1]!.address, port: 80 } },
      { targetGroupArn: web, target: { id: tasks[1]!.address, port: 80 } },
    ]);
    expect(calls).toEqual(['RegisterTargetsCommand', 'RegisterTargetsCommand']);
    h.advance(10_000);
    const health = await gateway.describeTargetHealth(web);
    expect(health.map((d) => [d.Target?.Id, d.Target?.Port, d.TargetHealth?.State])).toEqual([
      [tasks[0]!.address, 80, 'healthy'],
      [tasks[1]!.address, 80, 'healthy'],
    ]);
    expect(calls.filter((call) => call === 'DescribeTargetHealthCommand')).toHaveLength(1);
    const both = await gateway.describeTargetHealthOf([web, admin, web]);
    expect([...both].map(([arn, targets]) => [arn, targets.length])).toEqual([
      [web, 2],
      [admin, 1],
    ]);
    expect(calls.filter((call) => call === 'DescribeTargetHealthCommand')).toHaveLength(3);

    calls.length = 0;
    await gateway.deregisterTargets([
      { targetGroupArn: web, target: { id: tasks[0]!.address, port: 80 } },
      { targetGroupArn: web, target: { id: tasks[1]!.address, port: 80 } },
    ]);
    expect(calls).toEqual(['DeregisterTargetsCommand']);
    expect((await gateway.describeTargetHealth(web)).map((d) => d.TargetHealth?.State)).toEqual([
      'draining',
      'draining',
    ]);
    h.advance(5000);
    expect(await gateway.describeTargetHealth(web)).toEqual([]);
  });

  it('reads the deregistration delay once and serves it from the cache until it expires', async () => {
    const { web, admin } = await twoGroups();
    expect(await gateway.deregistrationDelaySeconds(web)).toBe(5);
    expect(await gateway.deregistrationDelaySeconds(admin)).toBe(300);
    await h.client.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: web,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }],
      }),
    );
    expect(await gateway.deregistrationDelaySeconds(web)).toBe(5);
    expect(calls.filter((call) => call === 'DescribeTargetGroupAttributesCommand')).toHaveLength(2);
    now += 300_000;
    expect(await gateway.deregistrationDelaySeconds(web)).toBe(30);
  });

  it('reads a target group health check timing once and serves it from the cache until it expires', async () => {
    const { admin } = await twoGroups();
    expect(await gateway.healthCheckTiming(admin)).toEqual({ intervalSeconds: 5, healthyThreshold: 2 });
    await h.client.send(
      new ModifyTargetGroupCommand({
        TargetGroupArn: admin,
        HealthCheckIntervalSeconds: 30,
        HealthyThresholdCount: 5,
      }),
    );
    expect(await gateway.healthCheckTiming(admin)).toEqual({ intervalSeconds: 5, healthyThreshold: 2 });
    expect(calls.filter((call) => call === 'DescribeTargetGroupsCommand')).toHaveLength(1);
    now += 300_000;
    expect(await gateway.healthCheckTiming(admin)).toEqual({ intervalSeconds: 30, healthyThreshold: 5 });
    expect(calls.filter((call) => call === 'DescribeTargetGroupsCommand')).toHaveLength(2);
  });

  it('passes on the endpoint errors it does not retry', async () => {
    const { web } = await twoGroups();
    await expect(
      gateway.registerTargets([{ targetGroupArn: web, target: { id: '8.8.8.8', port: 80 } }]),
    ).rejects.toThrow(/not in the target group VPC CIDR/);
    expect(calls).toEqual(['RegisterTargetsCommand']);
  });
});

describe('ELB gateway retries', () => {
  const throttling = () =>
    Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $fault: 'client' });

  it('retries throttling and server faults with jittered back-off, then gives up with a DependencyError', async () => {
    const mocked = createElbClientForGateway({ region: 'us-east-1' });
    const mock = mockClient(mocked);
    const sleeps: number[] = [];
    const retrying = createElbGateway({
      client: mocked,
      retry: { maxAttempts: 3, baseDelayMs: 100 },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
    });
    mock
      .on(DescribeTargetHealthCommand)
      .rejectsOnce(throttling())
      .rejectsOnce(Object.assign(new Error('internal'), { name: 'HealthUnavailable', $fault: 'server' }))
      .resolves({ TargetHealthDescriptions: [{ Target: { Id: '10.0.0.1' } }] });
    expect(await retrying.describeTargetHealth('arn')).toHaveLength(1);
    expect(sleeps).toEqual([50, 100]);

    mock.on(RegisterTargetsCommand).rejects(throttling());
    await expect(
      retrying.registerTargets([{ targetGroupArn: 'arn', target: { id: '10.0.0.1', port: 80 } }]),
    ).rejects.toBeInstanceOf(DependencyError);
    expect(mock.commandCalls(RegisterTargetsCommand)).toHaveLength(3);

    mock
      .on(DescribeTargetGroupAttributesCommand)
      .rejects(
        Object.assign(new Error('not found'), { name: 'TargetGroupNotFoundException', $fault: 'client' }),
      );
    await expect(retrying.deregistrationDelaySeconds('arn')).rejects.toThrow('not found');
    expect(mock.commandCalls(DescribeTargetGroupAttributesCommand)).toHaveLength(1);
    mocked.destroy();
  });
});
