import { ValidationError } from '../errors';

/** The roles an installation's task definitions may name; a list that is absent allows any role. */
export interface AllowedRoles {
  taskRoleArns?: string[];
  executionRoleArns?: string[];
}

const REGEX_SPECIALS = /[.+^${}()|[\]\\/]/g;

/** An IAM resource pattern as a regular expression: `*` is any run of characters, `?` any one. */
const iamPattern = (pattern: string): RegExp =>
  new RegExp(
    `^${[...pattern]
      .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(REGEX_SPECIALS, '\\$&')))
      .join('')}$`,
  );

/** Whether an ARN is one that a policy's Resource list names, wildcards read as IAM reads them. */
export const matchesIamResources = (arn: string, patterns: string[]): boolean =>
  patterns.some((pattern) => iamPattern(pattern).test(arn));

const SETTINGS = {
  taskRoleArn: 'custom.taskRoleArns in serverless.yml; TUGBOAT_TASK_ROLE_ARNS locally',
  executionRoleArn: 'custom.executionRoleArns in serverless.yml; TUGBOAT_EXECUTION_ROLE_ARNS locally',
} as const;

/**
 * Refuses a task definition that names a role the installation does not grant its tasks. iam:PassRole is
 * scoped to the same lists (resources/iam.yml), so a role outside them would fail at launch anyway; the
 * 400 says so at registration, naming the field and what is allowed.
 */
export const assertAllowedRoles = (
  input: { taskRoleArn?: string; executionRoleArn?: string },
  allowed: AllowedRoles,
): void => {
  const checks = [
    ['taskRoleArn', input.taskRoleArn, allowed.taskRoleArns],
    ['executionRoleArn', input.executionRoleArn, allowed.executionRoleArns],
  ] as const;
  for (const [field, arn, patterns] of checks) {
    if (arn === undefined || patterns === undefined || matchesIamResources(arn, patterns)) continue;
    throw new ValidationError(
      `${field}: ${arn} is not a role this installation's tasks may use; allowed: ${
        patterns.length > 0 ? patterns.join(', ') : 'none'
      } (${SETTINGS[field]})`,
      { issues: [{ field, message: 'role not allowed' }], allowed: patterns },
    );
  }
};
