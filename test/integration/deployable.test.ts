/**
 * The deployable itself: packages the service (`osls package`, into a temporary directory) and reads
 * the CloudFormation template it would deploy. A widened permission, a route the router serves without
 * an API Gateway route, or a dropped alarm fails here.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../lib/api/routes';
import type { UseCaseContext } from '../../lib/use-cases/context';

interface Resource {
  Type: string;
  Properties: Record<string, any>;
  DependsOn?: string[];
}
interface Template {
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: unknown }>;
  Parameters?: Record<string, { Default?: string }>;
}

let template: Template;
let packageDir: string;

beforeAll(async () => {
  packageDir = await mkdtemp(join(tmpdir(), 'tugboat-package-'));
  await promisify(execFile)(
    join('node_modules', '.bin', 'osls'),
    ['package', '--stage', 'dev', '--region', 'us-east-1', '--package', packageDir],
    { cwd: join(import.meta.dirname, '..', '..'), env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' } },
  );
  template = JSON.parse(
    await readFile(join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
}, 180_000);
afterAll(async () => {
  if (packageDir) await rm(packageDir, { recursive: true, force: true });
});

const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const CONSUME = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'];

/** Every action each function's role allows: nothing more, nothing less. */
const EXPECTED_ACTIONS: Record<string, string[]> = {
  ApiLambdaFunction: [
    ...LOGS,
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:Query',
    'dynamodb:BatchGetItem',
    'sqs:SendMessage',
    'ecs:RunTask',
    'ecs:TagResource',
    'ecs:StopTask',
    'ecs:DescribeTasks',
    'ecs:DescribeClusters',
    'ecs:RegisterTaskDefinition',
    'ecs:DeregisterTaskDefinition',
    'iam:PassRole',
    'elasticloadbalancing:DescribeTargetHealth',
    'elasticloadbalancing:DescribeTargetGroupAttributes',
  ],
  // No RunTask, no StopTask: it lists and describes, and deregisters the ECS copies of retired revisions.
  ReconcileSchedulerLambdaFunction: [
    ...LOGS,
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:Query',
    'dynamodb:BatchGetItem',
    'sqs:SendMessage',
    'ecs:ListTasks',
    'ecs:DescribeTasks',
    'ecs:DeregisterTaskDefinition',
    'elasticloadbalancing:DescribeTargetHealth',
  ],
  ReconcileWorkerLambdaFunction: [
    ...LOGS,
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:Query',
    'dynamodb:BatchGetItem',
    ...CONSUME,
    'sqs:SendMessage',
    'ecs:RunTask',
    'ecs:TagResource',
    'ecs:StopTask',
    'ecs:RegisterTaskDefinition',
    'iam:PassRole',
    'elasticloadbalancing:RegisterTargets',
    'elasticloadbalancing:DeregisterTargets',
    'elasticloadbalancing:DescribeTargetHealth',
    'elasticloadbalancing:DescribeTargetGroupAttributes',
    'elasticloadbalancing:DescribeRules',
    'elasticloadbalancing:DescribeListeners',
    'elasticloadbalancing:ModifyRule',
    'elasticloadbalancing:ModifyListener',
    'cloudwatch:DescribeAlarms',
    'cloudwatch:GetMetricData',
    // A traffic shift's lifecycle hooks.
    'lambda:InvokeFunction',
  ],
  // Scheduled jobs: one-off tasks on a schedule, stopped on a timeout or by Replace.
  JobsSchedulerLambdaFunction: [
    ...LOGS,
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:Query',
    'dynamodb:BatchGetItem',
    'ecs:RunTask',
    'ecs:TagResource',
    'ecs:StopTask',
    'ecs:DescribeTasks',
    'ecs:RegisterTaskDefinition',
    'iam:PassRole',
  ],
  // No ECS: it reads metrics and queue backlogs, and writes desired counts.
  ScalingEvaluatorLambdaFunction: [
    ...LOGS,
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:Query',
    'dynamodb:BatchGetItem',
    'sqs:SendMessage',
    'sqs:GetQueueAttributes',
    'cloudwatch:GetMetricData',
    'cloudwatch:PutMetricAlarm',
    'cloudwatch:DescribeAlarms',
    'cloudwatch:DeleteAlarms',
    // Request-count scaling counts the healthy targets that served the requests.
    'elasticloadbalancing:DescribeTargetHealth',
  ],
  // No ECS at all.
  TaskEventsLambdaFunction: [
    ...LOGS,
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    ...CONSUME,
    'sqs:SendMessage',
  ],
  DeployEventsLambdaFunction: [
    ...LOGS,
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:Query',
    ...CONSUME,
    'sqs:SendMessage',
  ],
};

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

const statementsOf = (functionId: string): Array<Record<string, any>> => {
  const role = template.Resources[functionId]!.Properties.Role as { 'Fn::GetAtt': [string, string] };
  const roleId = role['Fn::GetAtt'][0];
  const policies = template.Resources[roleId]!.Properties.Policies as Array<{
    PolicyDocument: { Statement: Array<Record<string, any>> };
  }>;
  expect(template.Resources[roleId]!.Properties.ManagedPolicyArns).toBeUndefined();
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
};

const subText = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const sub = (value as { 'Fn::Sub'?: unknown })['Fn::Sub'];
  return typeof sub === 'string' ? sub : JSON.stringify(value);
};

describe('the packaged CloudFormation template', () => {
  it('gives every function a role of its own, allowing exactly the actions it calls', () => {
    const functions = Object.entries(template.Resources).filter(
      ([, resource]) => resource.Type === 'AWS::Lambda::Function',
    );
    expect(functions.map(([id]) => id).sort()).toEqual(Object.keys(EXPECTED_ACTIONS).sort());
    const roles = new Set<string>();
    for (const [id] of functions) {
      roles.add(template.Resources[id]!.Properties.Role['Fn::GetAtt'][0]);
      const statements = statementsOf(id);
      expect(statements.every((statement) => statement.Effect === 'Allow')).toBe(true);
      const actions = new Set(statements.flatMap((statement) => asList(statement.Action as string)));
      expect([...actions].sort(), id).toEqual([...EXPECTED_ACTIONS[id]!].sort());
    }
    expect(roles.size).toBe(functions.length);
    // The framework's shared role (the union of every function's needs) is gone.
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('scopes ECS calls to the installation’s families and clusters, and PassRole to ECS tasks', () => {
    const passable: Record<string, string[]> = {};
    for (const id of Object.keys(EXPECTED_ACTIONS)) {
      for (const statement of statementsOf(id)) {
        const actions = asList(statement.Action as string);
        const resources = asList(statement.Resource).map(subText);
        if (actions.includes('ecs:RunTask')) {
          expect(resources).toEqual([
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
            'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-definition/tugboat-dev-*',
          ]);
          expect(statement.Condition?.ArnEquals?.['ecs:cluster']).toBeDefined();
        }
        if (
          actions.some((action) => ['ecs:StopTask', 'ecs:DescribeTasks', 'ecs:ListTasks'].includes(action))
        ) {
          expect(statement.Condition?.ArnEquals?.['ecs:cluster']).toBeDefined();
        }
        if (actions.includes('ecs:StopTask') || actions.includes('ecs:DescribeTasks')) {
          expect(resources.every((resource) => resource.includes(':task/default/'))).toBe(true);
        }
        if (actions.includes('iam:PassRole')) {
          expect(statement.Condition).toEqual({
            StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
          });
          passable[id] = [...(passable[id] ?? []), ...resources];
        }
        if (actions.includes('cloudwatch:PutMetricAlarm')) {
          expect(resources.every((resource) => /:alarm:tugboat-.+-scale-out\/\*$/.test(resource))).toBe(true);
        }
        // "*" only where AWS accepts no narrower resource (each such statement says why).
        if (resources.includes('*')) {
          expect(
            actions.every((action) =>
              [
                'ecs:ListTasks',
                'ecs:RegisterTaskDefinition',
                'ecs:DeregisterTaskDefinition',
                'elasticloadbalancing:DescribeTargetHealth',
                'elasticloadbalancing:DescribeTargetGroupAttributes',
                'elasticloadbalancing:DescribeRules',
                'elasticloadbalancing:DescribeListeners',
                'cloudwatch:GetMetricData',
              ].includes(action),
            ),
          ).toBe(true);
        }
      }
    }
    // Exactly the roles of custom.taskRoleArns and custom.executionRoleArns (this installation's by
    // default), the same lists the functions hold task definitions to.
    const roles = [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
      'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/tugboat-dev-execution-*',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
      'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/tugboat-dev-task-*',
    ];
    expect(Object.keys(passable).sort()).toEqual([
      'ApiLambdaFunction',
      'JobsSchedulerLambdaFunction',
      'ReconcileWorkerLambdaFunction',
    ]);
    for (const resources of Object.values(passable)) expect(resources.sort()).toEqual(roles);
    for (const id of Object.keys(EXPECTED_ACTIONS)) {
      const variables = template.Resources[id]!.Properties.Environment.Variables;
      expect(variables.TUGBOAT_EXECUTION_ROLE_ARNS).toEqual({ 'Fn::Join': [',', [{ 'Fn::Sub': roles[0] }]] });
      expect(variables.TUGBOAT_TASK_ROLE_ARNS).toEqual({ 'Fn::Join': [',', [{ 'Fn::Sub': roles[1] }]] });
    }
  });

  it('lets an installation register into and deregister from only the target groups tagged with its id', () => {
    const writes = Object.keys(EXPECTED_ACTIONS).flatMap((id) =>
      statementsOf(id).filter((statement) =>
        asList(statement.Action as string).some((action) =>
          ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'].includes(action),
        ),
      ),
    );
    expect(writes).toHaveLength(1);
    for (const statement of writes) {
      expect(statement.Condition).toEqual({
        StringEquals: { 'aws:ResourceTag/tugboat:installation': 'dev' },
      });
      expect(asList(statement.Resource).map(subText)).toEqual([
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
        'arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:targetgroup/*/*',
      ]);
    }
  });

  it('passes the installation to every function and filters task events on its startedBy prefix', () => {
    for (const id of Object.keys(EXPECTED_ACTIONS)) {
      expect(template.Resources[id]!.Properties.Environment.Variables.TUGBOAT_INSTALLATION).toBe('dev');
    }
    expect(template.Resources.TaskStateChangeRule!.Properties.EventPattern.detail).toEqual({
      startedBy: [{ prefix: 'tugboat-dev_' }],
    });
  });

  it('has one IAM-authorized API Gateway route per route the router serves, and exposes the API ARN', () => {
    const routeKeys = Object.values(template.Resources)
      .filter((resource) => resource.Type === 'AWS::ApiGatewayV2::Route')
      .map((resource) => {
        expect(resource.Properties.AuthorizationType).toBe('AWS_IAM');
        return resource.Properties.RouteKey as string;
      });
    const served = apiRoutes({} as UseCaseContext).map((route) => `${route.method} ${route.path}`);
    expect(routeKeys.sort()).toEqual(served.sort());
    expect(routeKeys.some((key) => key.includes('{proxy+}'))).toBe(false);
    expect(template.Outputs.HttpApiArn?.Value).toEqual({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
      'Fn::Sub': 'arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}',
    });
  });

  it('alarms on dead letters, the reconcile queue’s age, each function’s errors and throttles, and failed passes', () => {
    const alarms = Object.values(template.Resources)
      .filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm')
      .map((resource) => resource.Properties);
    const find = (metric: string, dimension: unknown) =>
      alarms.filter(
        (alarm) =>
          alarm.MetricName === metric &&
          JSON.stringify(alarm.Dimensions[0].Value) === JSON.stringify(dimension),
      );
    for (const queue of ['ReconcileDeadLetterQueue', 'TaskEventsDeadLetterQueue', 'DeploysDeadLetterQueue']) {
      const [alarm] = find('ApproximateNumberOfMessagesVisible', { 'Fn::GetAtt': [queue, 'QueueName'] });
      expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    }
    const [age] = find('ApproximateAgeOfOldestMessage', { 'Fn::GetAtt': ['ReconcileQueue', 'QueueName'] });
    expect(age).toMatchObject({ Threshold: 300, ComparisonOperator: 'GreaterThanThreshold' });
    for (const id of Object.keys(EXPECTED_ACTIONS)) {
      expect(find('Errors', { Ref: id })).toHaveLength(1);
      expect(find('Throttles', { Ref: id })).toHaveLength(1);
    }
    const [failures] = find('ReconcileFailures', 'tugboat-reconcile-worker');
    expect(failures).toMatchObject({ Namespace: 'Tugboat', Threshold: 0 });
    // Every alarm notifies the optional SNS topic (custom.alarmTopicArn) when one is set.
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual({
        'Fn::If': ['HasAlarmTopic', [{ Ref: 'AlarmTopicArn' }], { Ref: 'AWS::NoValue' }],
      });
    }
    expect(template.Parameters?.AlarmTopicArn?.Default).toBe('');
  });
});
