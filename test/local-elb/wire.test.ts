import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ElbHarness, launchTask, startElbHarness } from './helpers';

const run = promisify(execFile);
const namespace = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';

let h: ElbHarness;
beforeEach(async () => {
  h = await startElbHarness();
});
afterEach(() => h.close());

const post = async (form: Record<string, string>) => {
  const response = await fetch(h.server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
};

describe('the query protocol on the wire', () => {
  it('answers in the 2015-12-01 namespace with the result wrapper, member lists and a RequestId', async () => {
    const created = await post({
      Action: 'CreateTargetGroup',
      Version: '2015-12-01',
      Name: 'web',
      Protocol: 'HTTP',
      Port: '80',
      TargetType: 'ip',
      VpcId: 'vpc-1',
    });
    expect(created.status).toBe(200);
    expect(created.type).toBe('text/xml');
    expect(created.body).toContain(
      `<CreateTargetGroupResponse xmlns="${namespace}"><CreateTargetGroupResult>`,
    );
    expect(created.body).toMatch(/<TargetGroups><member><TargetGroupArn>arn:aws:elasticloadbalancing:/);
    expect(created.body).toMatch(
      /<\/CreateTargetGroupResult><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/CreateTargetGroupResponse>$/,
    );
    const arn = /<TargetGroupArn>([^<]+)</.exec(created.body)![1]!;
    const registered = await post({
      Action: 'RegisterTargets',
      Version: '2015-12-01',
      TargetGroupArn: arn,
      'Targets.member.1.Id': '10.0.0.7',
      'Targets.member.2.Id': '10.0.0.8',
      'Targets.member.2.Port': '8080',
    });
    expect(registered.body).toContain('<RegisterTargetsResult></RegisterTargetsResult>');
    const health = await post({ Action: 'DescribeTargetHealth', Version: '2015-12-01', TargetGroupArn: arn });
    expect(health.body).toContain(
      '<TargetHealthDescriptions><member><Target><Id>10.0.0.7</Id><Port>80</Port></Target><HealthCheckPort>80</HealthCheckPort>',
    );
    expect(health.body).toContain('<Target><Id>10.0.0.8</Id><Port>8080</Port></Target>');
  });

  it('answers errors as <ErrorResponse> with Type, Code, Message and RequestId, and the status of the code', async () => {
    const missing = await post({
      Action: 'DescribeTargetHealth',
      Version: '2015-12-01',
      TargetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/none/0123456789abcdef',
    });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatch(
      new RegExp(
        `<ErrorResponse xmlns="${namespace}"><Error><Type>Sender</Type><Code>TargetGroupNotFound</Code><Message>[^<]+</Message></Error><RequestId>[0-9a-f-]{36}</RequestId></ErrorResponse>$`,
      ),
    );
    expect((await post({ Action: 'CreateTrustStore', Version: '2015-12-01' })).body).toContain(
      '<Code>InvalidAction</Code>',
    );
    expect((await post({ Version: '2015-12-01' })).body).toContain('<Code>MissingAction</Code>');
    expect((await post({ Action: 'DescribeTargetGroups', Version: '2012-06-01' })).body).toContain(
      '<Code>NoSuchVersion</Code>',
    );
  });
});

const hasAwsCli = await run('aws', ['--version']).then(
  () => true,
  () => false,
);

describe.skipIf(!hasAwsCli)('the AWS CLI', () => {
  const aws = async (...args: string[]) => {
    const { stdout } = await run(
      'aws',
      ['elbv2', ...args, '--endpoint-url', h.server.url, '--output', 'json'],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'x',
          AWS_SECRET_ACCESS_KEY: 'x',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_REGION: 'us-east-1',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        },
      },
    );
    return stdout.trim() === '' ? {} : JSON.parse(stdout);
  };

  it('creates a target group, registers a task and watches describe-target-health turn healthy', async () => {
    const created = await aws(
      'create-target-group',
      ...['--name', 'cli-web', '--protocol', 'HTTP', '--port', '80', '--target-type', 'ip'],
      ...['--vpc-id', 'vpc-1', '--health-check-interval-seconds', '5', '--healthy-threshold-count', '2'],
    );
    const arn = created.TargetGroups[0].TargetGroupArn as string;
    const task = await launchTask(h, 'web', 'nginx:1.27');
    h.advance(2000);
    await aws('register-targets', '--target-group-arn', arn, '--targets', `Id=${task.address}`);
    const initial = await aws('describe-target-health', '--target-group-arn', arn);
    expect(initial.TargetHealthDescriptions).toEqual([
      {
        Target: { Id: task.address, Port: 80 },
        HealthCheckPort: '80',
        TargetHealth: {
          State: 'initial',
          Reason: 'Elb.RegistrationInProgress',
          Description: 'Target registration is in progress',
        },
        AdministrativeOverride: {
          State: 'no_override',
          Reason: 'AdministrativeOverride.NoOverride',
          Description: 'No override is currently active on target',
        },
      },
    ]);
    h.advance(10_000);
    const healthy = await aws('describe-target-health', '--target-group-arn', arn);
    expect(healthy.TargetHealthDescriptions[0].TargetHealth).toEqual({ State: 'healthy' });
    await expect(
      aws('describe-target-health', '--target-group-arn', arn.replace(/\/[0-9a-f]+$/, '/0000000000000000')),
    ).rejects.toThrow(/TargetGroupNotFound/);
  }, 60_000);

  it('creates a load balancer, a listener and a weighted rule, and sees modify-rule move the weights', async () => {
    const blue = await aws(
      'create-target-group',
      '--name',
      'blue',
      '--protocol',
      'HTTP',
      '--port',
      '80',
      '--target-type',
      'ip',
      '--vpc-id',
      'vpc-1',
    );
    const green = await aws(
      'create-target-group',
      '--name',
      'green',
      '--protocol',
      'HTTP',
      '--port',
      '80',
      '--target-type',
      'ip',
      '--vpc-id',
      'vpc-1',
    );
    const [blueArn, greenArn] = [blue.TargetGroups[0].TargetGroupArn, green.TargetGroups[0].TargetGroupArn];
    const balancer = await aws('create-load-balancer', '--name', 'cli-alb');
    const listener = await aws(
      'create-listener',
      ...[
        '--load-balancer-arn',
        balancer.LoadBalancers[0].LoadBalancerArn,
        '--protocol',
        'HTTP',
        '--port',
        '80',
      ],
      ...['--default-actions', `Type=forward,TargetGroupArn=${blueArn}`],
    );
    const forward = (blueWeight: number, greenWeight: number) =>
      JSON.stringify([
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: blueArn, Weight: blueWeight },
              { TargetGroupArn: greenArn, Weight: greenWeight },
            ],
          },
        },
      ]);
    const created = await aws(
      'create-rule',
      ...['--listener-arn', listener.Listeners[0].ListenerArn, '--priority', '10'],
      ...['--conditions', 'Field=path-pattern,Values=/api/*', '--actions', forward(90, 10)],
    );
    await aws('modify-rule', '--rule-arn', created.Rules[0].RuleArn, '--actions', forward(0, 100));
    const rules = await aws('describe-rules', '--listener-arn', listener.Listeners[0].ListenerArn);
    expect(rules.Rules.map((rule: { Priority: string }) => rule.Priority)).toEqual(['10', 'default']);
    expect(rules.Rules[0].Actions[0].ForwardConfig).toEqual({
      TargetGroups: [
        { TargetGroupArn: blueArn, Weight: 0 },
        { TargetGroupArn: greenArn, Weight: 100 },
      ],
      TargetGroupStickinessConfig: { Enabled: false },
    });
    await expect(aws('delete-rule', '--rule-arn', rules.Rules[1].RuleArn)).rejects.toThrow(
      /OperationNotPermitted/,
    );
  }, 90_000);
});
