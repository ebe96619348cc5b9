import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { readDeploymentYaml, resolveCustom } from '../support/deployment';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const serverless = readDeploymentYaml('serverless.yml');
const custom = serverless.custom as Record<string, unknown>;
const roles = readDeploymentYaml('resources/iam.yml').Resources as Record<
  string,
  { Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] } }
>;

const actionsOf = (statement: Statement) =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

/** Each role's iam:PassRole statements (and any that grant it through a wildcard action). */
const passRoleStatements = (role: string) =>
  (roles[role]?.Properties.Policies ?? [])
    .flatMap((policy) => policy.PolicyDocument.Statement)
    .filter((statement) => actionsOf(statement).some((action) => /^iam:(PassRole|\*)$|^\*$/.test(action)));

describe('iam:PassRole: only the roles the installation names, only to ECS tasks', () => {
  const taskRoles = custom.taskRoleArns as string[];
  const executionRoles = custom.executionRoleArns as string[];

  it('names the task and execution roles in custom settings, by default only this installation’s', () => {
    expect(taskRoles.length).toBeGreaterThan(0);
    expect(executionRoles.length).toBeGreaterThan(0);
    for (const arn of [...taskRoles, ...executionRoles]) {
      expect(arn).toMatch(
        /^arn:\$\{AWS::Partition\}:iam::\$\{AWS::AccountId\}:role\/tugboat-\$\{self:custom\.installation\}-(task|execution)-/,
      );
    }
  });

  it('lets only the API, the reconcile worker and the jobs scheduler pass roles, exactly those lists, with iam:PassedToService', () => {
    const passing = Object.keys(roles).filter((role) => passRoleStatements(role).length > 0);
    expect(passing.sort()).toEqual(['ApiRole', 'JobsSchedulerRole', 'ReconcileWorkerRole']);
    for (const role of passing) {
      const statements = passRoleStatements(role);
      for (const statement of statements) {
        expect(statement.Effect).toBe('Allow');
        expect(actionsOf(statement)).toEqual(['iam:PassRole']);
        expect(statement.NotResource).toBeUndefined();
        expect(statement.Condition).toEqual({
          StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
        });
      }
      const resources = statements.flatMap(
        (statement) => resolveCustom(statement.Resource, custom) as string[],
      );
      expect(resources.sort(), role).toEqual([...taskRoles, ...executionRoles].sort());
    }
  });

  it('gives every function the same lists, which the API holds task definitions to', () => {
    const environment = serverless.provider.environment as Record<string, [string, string]>;
    const joined = (name: string) => [',', `\${self:custom.${name}}`];
    expect(environment.TUGBOAT_TASK_ROLE_ARNS).toEqual(joined('taskRoleArns'));
    expect(environment.TUGBOAT_EXECUTION_ROLE_ARNS).toEqual(joined('executionRoleArns'));
    const config = loadConfig({
      TUGBOAT_TABLE_NAME: 'tugboat',
      TUGBOAT_TASK_ROLE_ARNS: 'arn:aws:iam::123456789012:role/a-task-*, arn:aws:iam::123456789012:role/b',
      TUGBOAT_EXECUTION_ROLE_ARNS: '',
    });
    expect(config.taskRoleArns).toEqual([
      'arn:aws:iam::123456789012:role/a-task-*',
      'arn:aws:iam::123456789012:role/b',
    ]);
    expect(config.executionRoleArns).toEqual([]);
    // npm start sets neither: any role.
    const local = loadConfig({ TUGBOAT_TABLE_NAME: 'tugboat' });
    expect(local.taskRoleArns).toBeUndefined();
    expect(local.executionRoleArns).toBeUndefined();
  });
});
