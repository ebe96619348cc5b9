import { StopTaskCommand } from '@aws-sdk/client-ecs';
import {
  CreateTargetGroupCommand,
  type CreateTargetGroupCommandInput,
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ElbHarness, failure, launchTask, startElbHarness } from './helpers';

// ECS defaults here: RUNNING 2000 ms after RunTask, STOPPED 1000 ms after StopTask.
let h: ElbHarness;
beforeEach(async () => {
  h = await startElbHarness({ maxTargetsPerGroup: 3 });
});
afterEach(() => h.close());

/** A target group checked every 5 s, healthy after 2 passes, unhealthy after 3 failures, 20 s drain. */
const targetGroup = async (input: Partial<CreateTargetGroupCommandInput> = {}) => {
  const output = await h.client.send(
    new CreateTargetGroupCommand({
      Name: 'web',
      Protocol: 'HTTP',
      Port: 80,
      TargetType: 'ip',
      VpcId: 'vpc-1',
      HealthCheckIntervalSeconds: 5,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 3,
      ...input,
    }),
  );
  const arn = output.TargetGroups![0]!.TargetGroupArn!;
  await h.client.send(
    new ModifyTargetGroupAttributesCommand({
      TargetGroupArn: arn,
      Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '20' }],
    }),
  );
  return arn;
};

const register = (arn: string, ...ids: string[]) =>
  h.client.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: ids.map((Id) => ({ Id })) }));

/** `state` or `state/reason` of each registered target, in registration order. */
const health = async (arn: string) => {
  const output = await h.client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
  return (output.TargetHealthDescriptions ?? []).map(({ TargetHealth: t }) =>
    t?.Reason ? `${t.State}/${t.Reason}` : String(t?.State),
  );
};

/** The first target's health after each clock step (ms). */
const healthAfter = async (arn: string, steps: number[]) => {
  const seen: string[] = [];
  for (const step of steps) {
    h.advance(step);
    seen.push((await health(arn))[0] ?? 'gone');
  }
  return seen;
};

describe('simulated health checks', () => {
  it('goes initial -> healthy after HealthyThresholdCount passing checks at the interval', async () => {
    const arn = await targetGroup();
    const task = await launchTask(h, 'web', 'nginx:1.27');
    h.advance(2000);
    await register(arn, task.address);
    expect(await healthAfter(arn, [0, 4999, 1, 4999, 1])).toEqual([
      'initial/Elb.RegistrationInProgress',
      'initial/Elb.RegistrationInProgress',
      'initial/Elb.InitialHealthChecking',
      'initial/Elb.InitialHealthChecking',
      'healthy',
    ]);
    const described = await h.client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    expect(described.TargetHealthDescriptions?.[0]).toEqual({
      Target: { Id: task.address, Port: 80 },
      HealthCheckPort: '80',
      TargetHealth: { State: 'healthy' },
      AdministrativeOverride: {
        State: 'no_override',
        Reason: 'AdministrativeOverride.NoOverride',
        Description: 'No override is currently active on target',
      },
    });
  });

  it('fails checks until the task is RUNNING, then passes them', async () => {
    const arn = await targetGroup();
    const task = await launchTask(h, 'web', 'nginx:1.27');
    await register(arn, task.address);
    // RUNNING at 2 s: the check at 5 s passes, 10 s passes.
    expect(await healthAfter(arn, [5000, 5000])).toEqual(['initial/Elb.InitialHealthChecking', 'healthy']);
  });

  it('reports an `unhealthy` image as Target.ResponseCodeMismatch after UnhealthyThresholdCount failures', async () => {
    const arn = await targetGroup();
    const task = await launchTask(h, 'bad', 'registry.local/app:v2-unhealthy');
    h.advance(2000);
    await register(arn, task.address);
    expect(await healthAfter(arn, [10_000, 5000])).toEqual([
      'initial/Elb.InitialHealthChecking',
      'unhealthy/Target.ResponseCodeMismatch',
    ]);
    const described = await h.client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    expect(described.TargetHealthDescriptions?.[0]?.TargetHealth?.Description).toBe(
      'Health checks failed with these codes: [500]',
    );
  });

  it('reports a `noport` image as Target.Timeout, and Target.FailedHealthChecks on a TCP target group', async () => {
    const http = await targetGroup();
    const tcp = await targetGroup({ Name: 'tcp', Protocol: 'TCP', Port: 5432 });
    const task = await launchTask(h, 'quiet', 'app:noport');
    h.advance(2000);
    await register(http, task.address);
    await register(tcp, task.address);
    h.advance(15_000);
    expect(await health(http)).toEqual(['unhealthy/Target.Timeout']);
    expect(await health(tcp)).toEqual(['unhealthy/Target.FailedHealthChecks']);
  });

  it('turns a healthy target whose task stopped unhealthy (Target.FailedHealthChecks) and keeps it registered', async () => {
    const arn = await targetGroup();
    const task = await launchTask(h, 'web', 'nginx:1.27');
    h.advance(2000);
    await register(arn, task.address);
    h.advance(10_000);
    expect(await health(arn)).toEqual(['healthy']);
    await h.ecs.client.send(new StopTaskCommand({ cluster: 'apps', task: task.taskArn }));
    // Checks at +15 s and +20 s fail: still healthy until the third failure at +25 s.
    expect(await healthAfter(arn, [10_000, 4999, 1, 3_600_000])).toEqual([
      'healthy',
      'healthy',
      'unhealthy/Target.FailedHealthChecks',
      'unhealthy/Target.FailedHealthChecks',
    ]);
  });

  it('turns an unhealthy target healthy again after HealthyThresholdCount passes', async () => {
    const arn = await targetGroup();
    await register(arn, '10.0.0.1');
    h.advance(15_000);
    expect(await health(arn)).toEqual(['unhealthy/Target.FailedHealthChecks']);
    // The next task launched gets 10.0.0.1.
    const task = await launchTask(h, 'web', 'nginx:1.27');
    expect(task.address).toBe('10.0.0.1');
    expect(await healthAfter(arn, [5000, 5000])).toEqual(['unhealthy/Target.FailedHealthChecks', 'healthy']);
  });

  it('drains a deregistered target for the deregistration delay, then it disappears', async () => {
    const arn = await targetGroup();
    const task = await launchTask(h, 'web', 'nginx:1.27');
    h.advance(2000);
    await register(arn, task.address);
    h.advance(10_000);
    await h.client.send(
      new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: task.address }] }),
    );
    expect(await healthAfter(arn, [0, 19_999, 1])).toEqual([
      'draining/Target.DeregistrationInProgress',
      'draining/Target.DeregistrationInProgress',
      'gone',
    ]);
    const asked = await h.client.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: arn, Targets: [{ Id: task.address, Port: 80 }] }),
    );
    expect(asked.TargetHealthDescriptions?.[0]?.TargetHealth).toEqual({
      State: 'unused',
      Reason: 'Target.NotRegistered',
      Description: 'Target is not registered to the target group',
    });
  });

  it('drops a draining target as soon as its task has stopped', async () => {
    const arn = await targetGroup();
    const task = await launchTask(h, 'web', 'nginx:1.27');
    h.advance(2000);
    await register(arn, task.address);
    h.advance(10_000);
    await h.client.send(
      new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: task.address }] }),
    );
    await h.ecs.client.send(new StopTaskCommand({ cluster: 'apps', task: task.taskArn }));
    // Containers exit at DEPROVISIONING, 2/3 of the 1000 ms stop.
    expect(await healthAfter(arn, [666, 1])).toEqual(['draining/Target.DeregistrationInProgress', 'gone']);
  });

  it('keeps a target unhealthy once its task has vanished from ECS, and drops it at once when deregistered', async () => {
    const arn = await targetGroup();
    const task = await launchTask(h, 'web', 'nginx:1.27');
    h.advance(2000);
    await register(arn, task.address);
    await h.ecs.client.send(new StopTaskCommand({ cluster: 'apps', task: task.taskArn }));
    // STOPPED tasks stay visible for an hour, then ECS forgets them.
    h.advance(2 * 3_600_000);
    expect(h.ecs.server.ecs.taskByPrivateIpv4(task.address)).toBeUndefined();
    expect(await health(arn)).toEqual(['unhealthy/Target.FailedHealthChecks']);
    await h.client.send(
      new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: task.address }] }),
    );
    expect(await health(arn)).toEqual([]);
  });

  it('registers a draining target afresh, and ignores deregistering a target that is not registered', async () => {
    const arn = await targetGroup();
    const task = await launchTask(h, 'web', 'nginx:1.27');
    h.advance(2000);
    await register(arn, task.address);
    h.advance(10_000);
    await h.client.send(
      new DeregisterTargetsCommand({
        TargetGroupArn: arn,
        Targets: [{ Id: task.address }, { Id: '10.1.1.1' }],
      }),
    );
    await register(arn, task.address);
    expect(await health(arn)).toEqual(['initial/Elb.RegistrationInProgress']);
  });

  it('follows a changed interval from the moment it changes', async () => {
    const arn = await targetGroup();
    const task = await launchTask(h, 'web', 'nginx:1.27');
    h.advance(2000);
    await register(arn, task.address);
    h.advance(5000);
    await h.client.send(
      new ModifyTargetGroupCommand({ TargetGroupArn: arn, HealthCheckIntervalSeconds: 30 }),
    );
    expect(await healthAfter(arn, [29_999, 1])).toEqual(['initial/Elb.InitialHealthChecking', 'healthy']);
  });

  it('reports unavailable when health checks are disabled', async () => {
    const arn = await targetGroup();
    await h.client.send(new ModifyTargetGroupCommand({ TargetGroupArn: arn, HealthCheckEnabled: false }));
    await register(arn, '10.0.0.9');
    expect(await health(arn)).toEqual(['unavailable/Target.HealthCheckDisabled']);
  });
});

describe('target errors', () => {
  it('answers InvalidTarget for addresses outside the private ranges and malformed ones', async () => {
    const arn = await targetGroup();
    expect(await failure(register(arn, '8.8.8.8'))).toMatchObject({ code: 'InvalidTarget', status: 400 });
    expect(await failure(register(arn, 'i-0123456789abcdef0'))).toMatchObject({ code: 'InvalidTarget' });
    expect(
      await failure(
        h.client.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '10.0.0' }] })),
      ),
    ).toMatchObject({ code: 'InvalidTarget' });
    // RFC 1918 and RFC 6598 addresses are fine (three, the quota in this file).
    await register(arn, '172.31.5.5', '192.168.1.1', '100.64.0.1');
  });

  it('answers TooManyTargets past the per-group quota, counting only new targets', async () => {
    const arn = await targetGroup();
    await register(arn, '10.0.0.1', '10.0.0.2');
    await register(arn, '10.0.0.2', '10.0.0.3');
    expect(await failure(register(arn, '10.0.0.4'))).toMatchObject({ code: 'TooManyTargets', status: 400 });
  });

  it('answers TargetGroupNotFound and ValidationError for the target group ARN and targets', async () => {
    const missing = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/none/0123456789abcdef';
    expect(await failure(register(missing, '10.0.0.1'))).toMatchObject({ code: 'TargetGroupNotFound' });
    expect(await failure(register('nonsense', '10.0.0.1'))).toMatchObject({ code: 'ValidationError' });
    const arn = await targetGroup();
    expect(await failure(register(arn))).toMatchObject({ code: 'ValidationError' });
    expect(
      await failure(
        h.client.send(
          new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '10.0.0.1', Port: 70000 }] }),
        ),
      ),
    ).toMatchObject({ code: 'ValidationError' });
  });
});
