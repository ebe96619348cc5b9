import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors';
import {
  ecsFamily,
  isValidDeploymentId,
  isValidInstallation,
  MAX_DEPLOYMENT_ID_LENGTH,
  MAX_INSTALLATION_LENGTH,
  parseStartedBy,
  serviceKey,
  startedBy,
  startedByInstallation,
  startedByPrefix,
  startedByService,
  taskGroup,
} from '../../../lib/inventory/naming';
import { clientToken, deriveDeploymentId } from '../../../lib/reconcile/plan/tokens';

const ARN = 'arn:aws:ecs:us-east-1:000000000000:service/default/web';
const base = { serviceArn: ARN, deploymentId: 'dep-1', launchSlot: 0, attempt: 0 };

describe('clientToken', () => {
  it('is deterministic, at most 64 chars of printable ASCII', () => {
    const token = clientToken(base);
    expect(clientToken({ ...base })).toBe(token);
    expect(token.length).toBeLessThanOrEqual(64);
    expect(token).toMatch(/^[\x21-\x7e]+$/);
  });

  it.each([
    { change: { serviceArn: `${ARN}2` } },
    { change: { deploymentId: 'dep-2' } },
    { change: { launchSlot: 1 } },
    { change: { attempt: 1 } },
    // The parts are separated, so shifting digits between them gives another token.
    { change: { launchSlot: 11, attempt: 1 }, against: { launchSlot: 1, attempt: 11 } },
  ])('changes when $change changes', ({ change, against }) => {
    expect(clientToken({ ...base, ...change })).not.toBe(clientToken({ ...base, ...against }));
  });
});

describe('startedBy', () => {
  it.each([
    'dep-1',
    '0d3c6a1e-2f4b-4c9a-9f51-0b8e2d7c4a10',
    'd-0123456789abcdef0123456789abcdef',
    'A_b-9',
    'x'.repeat(66),
  ])('round-trips deployment id %s within 128 allowed chars', (deploymentId) => {
    const value = startedBy(ARN, deploymentId);
    expect(value.length).toBeLessThanOrEqual(128);
    expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(parseStartedBy(value)).toEqual({
      installation: 'local',
      serviceKey: serviceKey(ARN),
      deploymentId,
    });
    expect(startedByService(value, ARN)).toBe(true);
    expect(startedByService(value, `${ARN}-other`)).toBe(false);
  });

  it.each(['', 'ecs-svc/123', 'dep 1', 'dép', 'x'.repeat(67)])('rejects deployment id %j', (deploymentId) => {
    expect(isValidDeploymentId(deploymentId)).toBe(false);
    expect(() => startedBy(ARN, deploymentId)).toThrow(ValidationError);
  });

  it.each([
    undefined,
    '',
    'ecs-svc/1234567890',
    'tugboat-xyz-dep-1',
    'tugboat-0123456789ab',
    'tugboat-0123456789ab-dep-1',
    'tugboat-local_run',
    'someone-else',
  ])('does not attribute %j', (value) => {
    expect(parseStartedBy(value)).toBeUndefined();
  });

  it('carries the installation, and the longest installation with the longest deployment id fits 128', () => {
    const longest = 'i'.repeat(MAX_INSTALLATION_LENGTH);
    const value = startedBy(ARN, 'x'.repeat(MAX_DEPLOYMENT_ID_LENGTH), longest);
    expect(value).toHaveLength(128);
    expect(parseStartedBy(value)?.installation).toBe(longest);
    expect(startedBy(ARN, 'dep-1', 'prod')).toMatch(/^tugboat-prod_[0-9a-f]{12}-dep-1$/);
  });

  it.each([
    ['tugboat-dev_0123456789ab-dep-1', 'dev', true],
    ['tugboat-dev_run', 'dev', true],
    ['tugboat-dev2_0123456789ab-dep-1', 'dev', false],
    ['tugboat-dev_0123456789ab-dep-1', 'dev2', false],
    ['tugboat-dev-2_0123456789ab-dep-1', 'dev', false],
    ['tugboat-0123456789ab-dep-1', 'dev', false],
    ['ecs-svc/1234567890', 'dev', false],
    [undefined, 'dev', false],
  ])('startedBy %j belongs to installation %s: %s', (value, installation, expected) => {
    expect(startedByInstallation(value, installation)).toBe(expected);
  });

  it('names ECS families after the installation', () => {
    expect(ecsFamily('dev', 'web')).toBe('tugboat-dev-web');
    expect(startedByPrefix('local')).toBe('tugboat-local_');
    expect(isValidInstallation('dev2')).toBe(true);
    expect(isValidInstallation('tugboat-dev')).toBe(false);
    expect(isValidInstallation('dev_2')).toBe(false);
    expect(isValidInstallation('x'.repeat(MAX_INSTALLATION_LENGTH + 1))).toBe(false);
  });

  it('gives the service group and derived deployment ids that startedBy accepts', () => {
    expect(taskGroup('web')).toBe('service:web');
    const id = deriveDeploymentId('rollback\ndep-2');
    expect(id).toBe(deriveDeploymentId('rollback\ndep-2'));
    expect(id).not.toBe(deriveDeploymentId('rollback\ndep-3'));
    expect(isValidDeploymentId(id)).toBe(true);
  });
});

describe('deployment ids', () => {
  it('have the one format the API uses, rollbacks included', () => {
    expect(deriveDeploymentId('rollback\necs-svc-0123')).toMatch(/^ecs-svc-[0-9a-f]{32}$/);
  });
});
