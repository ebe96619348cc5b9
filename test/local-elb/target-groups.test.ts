import {
  CreateTargetGroupCommand,
  type CreateTargetGroupCommandInput,
  DeleteTargetGroupCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ElbHarness, failure, startElbHarness } from './helpers';

let h: ElbHarness;
beforeEach(async () => {
  h = await startElbHarness({ maxTargetGroups: 5 });
});
afterEach(() => h.close());

const create = async (input: Partial<CreateTargetGroupCommandInput> = {}) => {
  const output = await h.client.send(
    new CreateTargetGroupCommand({
      Name: 'web',
      Protocol: 'HTTP',
      Port: 80,
      TargetType: 'ip',
      VpcId: 'vpc-1',
      ...input,
    }),
  );
  return output.TargetGroups![0]!;
};

describe('CreateTargetGroup', () => {
  it('fills in the reference defaults for an HTTP ip target group', async () => {
    const group = await create();
    expect(group.TargetGroupArn).toMatch(
      /^arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup\/web\/[0-9a-f]{16}$/,
    );
    expect(group).toMatchObject({
      TargetGroupName: 'web',
      Protocol: 'HTTP',
      Port: 80,
      VpcId: 'vpc-1',
      TargetType: 'ip',
      HealthCheckProtocol: 'HTTP',
      HealthCheckPort: 'traffic-port',
      HealthCheckEnabled: true,
      HealthCheckPath: '/',
      HealthCheckIntervalSeconds: 30,
      HealthCheckTimeoutSeconds: 6,
      HealthyThresholdCount: 5,
      UnhealthyThresholdCount: 2,
      Matcher: { HttpCode: '200' },
      ProtocolVersion: 'HTTP1',
      IpAddressType: 'ipv4',
      LoadBalancerArns: [],
    });
  });

  it('gives a TCP target group TCP health checks with a 10 s timeout and no path', async () => {
    const group = await create({ Name: 'tcp', Protocol: 'TCP', Port: 5432 });
    expect(group).toMatchObject({ HealthCheckProtocol: 'TCP', HealthCheckTimeoutSeconds: 10 });
    expect(group.HealthCheckPath).toBeUndefined();
    expect(group.Matcher).toBeUndefined();
  });

  it('is idempotent for the same settings and answers DuplicateTargetGroupName for others', async () => {
    const first = await create();
    expect((await create()).TargetGroupArn).toBe(first.TargetGroupArn);
    expect(await failure(create({ Port: 8080 }))).toMatchObject({
      code: 'DuplicateTargetGroupName',
      status: 400,
    });
  });

  it('answers ValidationError for names, ranges and a timeout not below the interval', async () => {
    for (const input of [
      { Name: '-web' },
      { Name: 'a'.repeat(33) },
      { Name: 'web_1' },
      { HealthCheckIntervalSeconds: 4 },
      { HealthyThresholdCount: 11 },
      { Port: 0 },
      { Port: undefined },
      { HealthCheckIntervalSeconds: 10, HealthCheckTimeoutSeconds: 10 },
    ]) {
      expect(await failure(create(input)), JSON.stringify(input)).toMatchObject({
        code: 'ValidationError',
        status: 400,
      });
    }
    expect((await failure(create({ HealthCheckIntervalSeconds: 4 }))).message).toBe(
      "1 validation error detected: Value '4' at 'healthCheckIntervalSeconds' failed to satisfy constraint: Member must have value greater than or equal to 5",
    );
  });

  it('answers InvalidConfigurationRequest for a path on TCP checks, TooManyTags and TooManyTargetGroups', async () => {
    expect(await failure(create({ Protocol: 'TCP', HealthCheckPath: '/health' }))).toMatchObject({
      code: 'InvalidConfigurationRequest',
    });
    const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    expect(await failure(create({ Tags: tags }))).toMatchObject({ code: 'TooManyTags' });
    for (let i = 0; i < 5; i++) await create({ Name: `web-${i}` });
    expect(await failure(create({ Name: 'one-more' }))).toMatchObject({ code: 'TooManyTargetGroups' });
  });
});

describe('DescribeTargetGroups', () => {
  it('finds by names or ARNs and pages with Marker and PageSize', async () => {
    const arns: string[] = [];
    for (const name of ['a', 'b', 'c', 'd', 'e']) arns.push((await create({ Name: name })).TargetGroupArn!);
    const byName = await h.client.send(new DescribeTargetGroupsCommand({ Names: ['c', 'a'] }));
    expect(byName.TargetGroups?.map((group) => group.TargetGroupName).sort()).toEqual(['a', 'c']);
    const byArn = await h.client.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [arns[3]!] }));
    expect(byArn.TargetGroups?.map((group) => group.TargetGroupName)).toEqual(['d']);

    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await h.client.send(new DescribeTargetGroupsCommand({ PageSize: 2, Marker: marker }));
      seen.push(...(page.TargetGroups ?? []).map((group) => group.TargetGroupName!));
      marker = page.NextMarker;
      pages++;
    } while (marker);
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(pages).toBe(3);
  });

  it('answers TargetGroupNotFound, LoadBalancerNotFound and ValidationError as the reference does', async () => {
    await create();
    expect(
      await failure(h.client.send(new DescribeTargetGroupsCommand({ Names: ['web', 'nope'] }))),
    ).toMatchObject({
      code: 'TargetGroupNotFound',
      status: 400,
    });
    expect(
      await failure(
        h.client.send(
          new DescribeTargetGroupsCommand({
            LoadBalancerArn:
              'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/x/0123456789abcdef',
          }),
        ),
      ),
    ).toMatchObject({ code: 'LoadBalancerNotFound' });
    expect(await failure(h.client.send(new DescribeTargetGroupsCommand({ PageSize: 401 })))).toMatchObject({
      code: 'ValidationError',
    });
  });
});

describe('ModifyTargetGroup, attributes and DeleteTargetGroup', () => {
  it('changes health check settings and keeps the rest', async () => {
    const group = await create();
    const modified = await h.client.send(
      new ModifyTargetGroupCommand({
        TargetGroupArn: group.TargetGroupArn,
        HealthCheckPath: '/ready',
        HealthCheckIntervalSeconds: 10,
        HealthCheckTimeoutSeconds: 5,
        HealthyThresholdCount: 3,
        Matcher: { HttpCode: '200-299' },
      }),
    );
    expect(modified.TargetGroups?.[0]).toMatchObject({
      HealthCheckPath: '/ready',
      HealthCheckIntervalSeconds: 10,
      HealthCheckTimeoutSeconds: 5,
      HealthyThresholdCount: 3,
      UnhealthyThresholdCount: 2,
      Matcher: { HttpCode: '200-299' },
      Port: 80,
    });
    expect(
      await failure(
        h.client.send(
          new ModifyTargetGroupCommand({
            TargetGroupArn: group.TargetGroupArn,
            HealthCheckTimeoutSeconds: 10,
          }),
        ),
      ),
    ).toMatchObject({ code: 'ValidationError' });
  });

  it('lists the default attributes and modifies them within their ranges', async () => {
    const group = await create();
    const arn = group.TargetGroupArn!;
    const attributes = await h.client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }));
    const map = Object.fromEntries((attributes.Attributes ?? []).map((a) => [a.Key, a.Value]));
    expect(map).toMatchObject({
      'deregistration_delay.timeout_seconds': '300',
      'stickiness.enabled': 'false',
      'stickiness.type': 'lb_cookie',
      'slow_start.duration_seconds': '0',
      'load_balancing.algorithm.type': 'round_robin',
    });
    const modified = await h.client.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: arn,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '5' }],
      }),
    );
    expect(modified.Attributes).toContainEqual({ Key: 'deregistration_delay.timeout_seconds', Value: '5' });
    expect(
      await failure(
        h.client.send(
          new ModifyTargetGroupAttributesCommand({
            TargetGroupArn: arn,
            Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '3601' }],
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidConfigurationRequest' });
    expect(
      await failure(
        h.client.send(
          new ModifyTargetGroupAttributesCommand({
            TargetGroupArn: arn,
            Attributes: [{ Key: 'no.such', Value: '1' }],
          }),
        ),
      ),
    ).toMatchObject({ code: 'ValidationError' });
  });

  it('deletes a target group, after which it is not found; deleting again succeeds', async () => {
    const arn = (await create()).TargetGroupArn!;
    await h.client.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }));
    await h.client.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }));
    for (const command of [
      new DescribeTargetHealthCommand({ TargetGroupArn: arn }),
      new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }),
      new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] }),
    ]) {
      expect(await failure(h.client.send(command as DescribeTargetHealthCommand))).toMatchObject({
        code: 'TargetGroupNotFound',
      });
    }
    expect(
      await failure(h.client.send(new DeleteTargetGroupCommand({ TargetGroupArn: 'not-an-arn' }))),
    ).toMatchObject({
      code: 'ValidationError',
    });
  });
});
