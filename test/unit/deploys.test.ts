import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lib/errors';
import { parseDeployMessage } from '../../lib/use-cases/deploy-messages';
import { imageAt, imageSource, parseImage } from '../../lib/use-cases/images';
import { rollbackTarget } from '../../lib/use-cases/rollback';
import { matchesTagPattern } from '../../lib/use-cases/tag-pattern';

const ecrPush = (detail: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'b3c0d2e4-0000-4000-8000-000000000001',
  'detail-type': 'ECR Image Action',
  source: 'aws.ecr',
  account: '123456789012',
  time: '2026-11-25T10:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    result: 'SUCCESS',
    'repository-name': 'web',
    'image-digest': 'sha256:0d1e2f',
    'action-type': 'PUSH',
    'image-tag': 'v2',
    ...detail,
  },
  ...extra,
});

describe('tag patterns', () => {
  it.each([
    ['v2', 'v*', true],
    ['v2', '*', true],
    ['', '*', true],
    ['release-1.2.3', 'release-*', true],
    ['release-1.2.3', 'release-*.3', true],
    ['release-1.2.4', 'release-*.3', false],
    ['prod-v1-hotfix', '*-v1-*', true],
    ['v2', 'v1', false],
    ['v1', 'v1', true],
    ['xv1', 'v1', false],
    ['v1x', 'v1', false],
    ['latest', 'v*', false],
    // `.` is literal, not a regular-expression wildcard.
    ['v1x2', 'v1.2', false],
    ['v1.2', 'v1.2', true],
    // `*` is a run of any characters, including dots and none.
    ['main', 'main*', true],
    ['main.20261125.abc', 'main.*', true],
  ])('%j against %j: %s', (tag, pattern, expected) => {
    expect(matchesTagPattern(tag, pattern)).toBe(expected);
  });
});

describe('image references', () => {
  const HUB = 'docker.io';
  const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
  it.each([
    [`${ECR}/web:v1`, ECR, 'web'],
    [`${ECR}/web@sha256:abc`, ECR, 'web'],
    [`${ECR}/team/web:v1`, ECR, 'team/web'],
    // ECR's FIPS endpoint is the same registry.
    ['123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/web:v1', ECR, 'web'],
    [
      '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/web',
      '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn',
      'web',
    ],
    // Docker Hub, however it is spelt: its one-component repositories are under library/.
    ['web:v1', HUB, 'library/web'],
    ['web', HUB, 'library/web'],
    ['web@sha256:abc', HUB, 'library/web'],
    ['nginx:1.27', HUB, 'library/nginx'],
    ['docker.io/library/nginx', HUB, 'library/nginx'],
    ['docker.io/nginx:1.27', HUB, 'library/nginx'],
    ['index.docker.io/library/nginx@sha256:abc', HUB, 'library/nginx'],
    ['team/web:v1', HUB, 'team/web'],
    ['docker.io/team/web:v1', HUB, 'team/web'],
    // Other registries: the first component is a host when it has a dot, a port or a capital, or is localhost.
    ['localhost/web:v1', 'localhost', 'web'],
    ['localhost:5000/web:v1', 'localhost:5000', 'web'],
    ['Registry/web:v1', 'registry', 'web'],
    ['registry.example.com:5000/team/web:v1@sha256:abc', 'registry.example.com:5000', 'team/web'],
    ['public.ecr.aws/nginx/nginx:1.27', 'public.ecr.aws', 'nginx/nginx'],
  ])('%s comes from registry %s, repository %s', (image, registry, repository) => {
    expect(imageSource(image)).toEqual({ registry, repository });
  });

  it('tells a registry with a port from a tag', () => {
    expect(parseImage('localhost:5000/web')).toEqual({
      registryPrefix: 'localhost:5000/',
      repository: 'web',
    });
    expect(parseImage('web:5000')).toEqual({ registryPrefix: '', repository: 'web', tag: '5000' });
  });

  it('moves an image to a new tag or digest, keeping its registry', () => {
    const ecr = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1';
    expect(imageAt(ecr, { tag: 'v2' })).toBe('123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v2');
    expect(imageAt(ecr, { digest: 'sha256:0d1e' })).toBe(
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:0d1e',
    );
    expect(imageAt('web@sha256:old', { tag: 'v3' })).toBe('web:v3');
    expect(imageAt('web:v1', { tag: 'v2' })).toBe('web:v2');
  });
});

describe('deploy messages', () => {
  it('reads a successful ECR push', () => {
    expect(parseDeployMessage(ecrPush())).toEqual({
      kind: 'image-push',
      eventId: 'b3c0d2e4-0000-4000-8000-000000000001',
      eventAt: '2026-11-25T10:00:00.000Z',
      registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
      repository: 'web',
      tag: 'v2',
      digest: 'sha256:0d1e2f',
    });
  });

  it("reads when the deploy's source event happened: ECR's time, or the message's sentAt", () => {
    const explicit = { type: 'deploy', cluster: 'default', serviceName: 'web' };
    expect(parseDeployMessage({ ...explicit, sentAt: '2026-11-25T11:00:00+01:00' })).toMatchObject({
      sentAt: '2026-11-25T10:00:00.000Z',
    });
    expect(() => parseDeployMessage({ ...explicit, sentAt: 'yesterday' })).toThrow(/sentAt/);
    expect(parseDeployMessage(explicit)).not.toHaveProperty('sentAt');
    expect(parseDeployMessage(ecrPush({}, { time: 'not a time' }))).not.toHaveProperty('eventAt');
  });

  it('marks pushes that failed and other actions as ignored, without failing them', () => {
    expect(parseDeployMessage(ecrPush({ result: 'FAILURE' }))).toMatchObject({
      kind: 'image-push',
      ignored: 'PUSH FAILURE is not a successful PUSH',
    });
    expect(parseDeployMessage(ecrPush({ 'action-type': 'DELETE' }))).toMatchObject({
      ignored: 'DELETE SUCCESS is not a successful PUSH',
    });
  });

  it('reads an untagged push (digest only)', () => {
    const { 'image-tag': _tag, ...detail } = ecrPush().detail;
    const message = parseDeployMessage({ ...ecrPush(), detail });
    expect(message).toMatchObject({ kind: 'image-push', digest: 'sha256:0d1e2f' });
    expect(message).not.toHaveProperty('tag');
  });

  it('rejects an event from another source or of another type, naming the field', () => {
    expect(() => parseDeployMessage(ecrPush({}, { source: 'aws.ecs' }))).toThrow(/source/);
    expect(() => parseDeployMessage(ecrPush({}, { 'detail-type': 'ECR Image Scan' }))).toThrow(/detail-type/);
    expect(() => parseDeployMessage(ecrPush({ 'repository-name': undefined }))).toThrow(
      /detail\.repository-name/,
    );
    // Without its account and region, a repository name does not say which image was pushed.
    expect(() => parseDeployMessage(ecrPush({}, { account: undefined }))).toThrow(/account/);
    expect(() => parseDeployMessage(ecrPush({}, { region: 'nowhere' }))).toThrow(/region/);
  });

  it('reads an explicit deploy', () => {
    expect(
      parseDeployMessage({
        type: 'deploy',
        cluster: 'default',
        serviceName: 'web',
        image: 'web:v3',
        containerName: 'app',
        idempotencyKey: 'ci-run-42',
      }),
    ).toEqual({
      kind: 'deploy',
      cluster: 'default',
      serviceName: 'web',
      spec: { image: 'web:v3', containerName: 'app' },
      idempotencyKey: 'ci-run-42',
    });
    expect(
      parseDeployMessage({ type: 'deploy', cluster: 'default', serviceName: 'web', taskDefinition: 'web:3' }),
    ).toEqual({ kind: 'deploy', cluster: 'default', serviceName: 'web', spec: { taskDefinition: 'web:3' } });
  });

  it.each([
    [{ type: 'deploy', serviceName: 'web' }, /cluster/],
    [{ type: 'deploy', cluster: 'default', serviceName: 'web', image: 'not an image' }, /image/],
    [{ type: 'deploy', cluster: 'default', serviceName: 'web', containerName: 'app' }, /containerName/],
    [{ type: 'deploy', cluster: 'default', serviceName: 'web', taskDefinition: 'web:0' }, /taskDefinition/],
    [{ type: 'deploy', cluster: 'default', serviceName: 'web', colour: 'blue' }, /colour: unknown field/],
    [{ type: 'deploy', cluster: 'default', serviceName: 'we#b' }, /serviceName/],
    [{ type: 'redeploy', cluster: 'default', serviceName: 'web' }, /type/],
    [{ hello: 'world' }, /Unknown message/],
    [[1, 2], /Unknown message/],
    ['deploy', /Unknown message/],
  ])('rejects %j', (body, message) => {
    expect(() => parseDeployMessage(body)).toThrow(ValidationError);
    expect(() => parseDeployMessage(body)).toThrow(message);
  });
});

describe('rollback targets', () => {
  const service = { taskDefinition: 'web:3' };

  it("a bare revision number names a revision of the service's own family", () => {
    expect(rollbackTarget(service, '1')).toBe('web:1');
    expect(rollbackTarget(service, 'web:2')).toBe('web:2');
    expect(rollbackTarget(service, 'web')).toBe('web');
  });

  it('refuses another family with a 400 naming taskDefinition', () => {
    const refuse = () => rollbackTarget(service, 'hello:1');
    expect(refuse).toThrow(ValidationError);
    expect(refuse).toThrow(/^taskDefinition: .*own family web, not hello:1/);
    // A family whose name merely begins with the service's is another family.
    expect(() => rollbackTarget(service, 'web-canary:1')).toThrow(/^taskDefinition:/);
  });
});
