import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DeployRequest } from '../../lib/domain';
import { NotFoundError, ValidationError } from '../../lib/errors';
import type { UseCaseContext } from '../../lib/use-cases/context';
import {
  type DeployOutcome,
  processDeployBatch,
  processDeployMessage,
} from '../../lib/use-cases/deploy-queue';
import { rollbackService } from '../../lib/use-cases/rollback';
import { createService, getService } from '../../lib/use-cases/services';
import { registerTaskDefinition } from '../../lib/use-cases/task-definitions';
import { ecrPushEvent } from '../support/events';
import { useTestTable } from '../support/stack';

/** The deploy use cases against DynamoDB Local, driven directly: races and crashes on demand. */
const { store, tableName } = useTestTable('tugboat-deploys');
const context: UseCaseContext = {
  store,
  config: { tableName, region: 'us-east-1', accountId: '123456789012' },
  now: () => new Date(),
  newId: randomUUID,
};

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

const newService = async (name: string, autoDeploy?: { tagPattern: string; pinDigest?: boolean }) => {
  const taskDefinition = await registerTaskDefinition(context, {
    family: name,
    cpu: '256',
    memory: '512',
    containerDefinitions: [
      { name: 'app', image: `${ECR}/${name}:v1` },
      { name: 'log-router', image: 'fluent-bit:3' },
    ],
  });
  await createService(context, 'default', {
    serviceName: name,
    taskDefinition: `${name}:${taskDefinition.revision}`,
    desiredCount: 1,
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
    ...(autoDeploy ? { autoDeploy } : {}),
  });
};

const push = (repository: string, tag: string, id = randomUUID()) =>
  JSON.stringify(ecrPushEvent(repository, tag, { id }));

const record = (body: string) => ({ messageId: randomUUID(), body });

const revisionsOf = async (family: string) =>
  (await store.listTaskDefinitions(family, { limit: 100 })).items.map((item) => item.revision);

describe('deploy idempotency against DynamoDB Local', () => {
  it('five workers handling one push at once make one revision and one deployment', async () => {
    await newService('race', { tagPattern: 'v*' });
    const body = push('race', 'v2');
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => processDeployMessage(context, record(body))),
    );
    const deployed = outcomes.flatMap((outcome) => (outcome.kind === 'deployed' ? outcome.deployments : []));
    expect(deployed).toHaveLength(5);
    expect(new Set(deployed.map((deployment) => deployment.deploymentId)).size).toBe(1);
    expect(deployed.filter((deployment) => !deployment.duplicate)).toHaveLength(1);
    expect(await revisionsOf('race')).toEqual([2, 1]);
    const service = await getService(context, 'default', 'race');
    expect(service.deployments.map((deployment) => deployment.taskDefinition)).toEqual(['race:2', 'race:1']);
    // Only the container from the pushed repository changed.
    const revision = await store.getTaskDefinition('race', 2);
    expect(revision?.containerDefinitions.map((container) => container.image)).toEqual([
      `${ECR}/race:v2`,
      'fluent-bit:3',
    ]);
  });

  it('a worker taking over from a crashed one reuses its revision and deployment id', async () => {
    await newService('crashed', { tagPattern: 'v*' });
    const eventId = randomUUID();
    // The crashed worker registered revision 2 and recorded it, then died before deploying.
    const orphan = await registerTaskDefinition(context, {
      family: 'crashed',
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        { name: 'app', image: `${ECR}/crashed:v2` },
        { name: 'log-router', image: 'fluent-bit:3' },
      ],
    });
    const crashed: DeployRequest = {
      cluster: 'default',
      serviceName: 'crashed',
      requestKey: `event:${eventId}`,
      status: 'PENDING',
      owner: 'crashed-worker',
      leaseUntil: Date.now() - 1,
      taskDefinition: `crashed:${orphan.revision}`,
      deploymentId: 'ecs-svc-fromthecrashedworker',
      createdAt: new Date().toISOString(),
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    };
    expect((await store.claimDeployRequest(crashed, Date.now())).claimed).toBe(true);

    const outcome = await processDeployMessage(context, record(push('crashed', 'v2', eventId)));
    expect(outcome).toMatchObject({
      kind: 'deployed',
      deployments: [{ deploymentId: 'ecs-svc-fromthecrashedworker', taskDefinition: 'crashed:2' }],
    });
    expect(await revisionsOf('crashed')).toEqual([2, 1]);
    // A crash after the deployment was written but before DONE: the retry adds nothing.
    const again = await processDeployMessage(context, record(push('crashed', 'v2', eventId)));
    expect(again).toMatchObject({ kind: 'deployed', deployments: [{ duplicate: true }] });
    expect((await getService(context, 'default', 'crashed')).deployments).toHaveLength(2);
  });

  it('does not take over a request whose owner still holds its lease', async () => {
    const live: DeployRequest = {
      cluster: 'default',
      serviceName: 'whatever',
      requestKey: `key:${randomUUID()}`,
      status: 'PENDING',
      owner: 'worker-a',
      leaseUntil: Date.now() + 60_000,
      deploymentId: 'ecs-svc-a',
      createdAt: new Date().toISOString(),
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    };
    expect((await store.claimDeployRequest(live, Date.now())).claimed).toBe(true);
    const { expiresAt: _ttl, ...stored } = live;
    const second = await store.claimDeployRequest({ ...live, owner: 'worker-b' }, Date.now());
    expect(second).toEqual({ claimed: false, request: stored });
    // A lapsed lease is taken over, keeping what the first owner recorded, with a TTL again.
    const later = Date.now() + 120_000;
    const takeover = await store.claimDeployRequest(
      { ...live, owner: 'worker-b', leaseUntil: later + 1, deploymentId: 'ecs-svc-b', expiresAt: 42 },
      later,
    );
    expect(takeover).toEqual({
      claimed: true,
      request: { ...stored, owner: 'worker-b', leaseUntil: later + 1, expiresAt: 42 },
    });
  });
});

describe('an image push deploys the services whose image is that registry and repository', () => {
  const serviceOn = async (serviceName: string, image: string) => {
    const taskDefinition = await registerTaskDefinition(context, {
      family: serviceName,
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image }],
    });
    await createService(context, 'default', {
      serviceName,
      taskDefinition: `${serviceName}:${taskDefinition.revision}`,
      desiredCount: 1,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
      autoDeploy: { tagPattern: '*' },
    });
  };

  it("a push to this account's nginx repository redeploys its ECR image, not Docker Hub's nginx nor another account's", async () => {
    await serviceOn('nginx-ecr', `${ECR}/nginx:1.26`);
    await serviceOn('nginx-hub', 'nginx:1.27');
    await serviceOn('nginx-hub-full', 'docker.io/library/nginx:1.27');
    await serviceOn('nginx-hub-index', 'index.docker.io/nginx@sha256:0123');
    await serviceOn('nginx-other-account', '210987654321.dkr.ecr.us-east-1.amazonaws.com/nginx:1.26');
    await serviceOn('nginx-other-region', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/nginx:1.26');

    const outcome = await processDeployMessage(context, record(push('nginx', '1.28')));
    expect(outcome).toMatchObject({
      kind: 'deployed',
      deployments: [{ serviceName: 'nginx-ecr', taskDefinition: 'nginx-ecr:2' }],
    });
    expect(outcome.kind === 'deployed' && outcome.deployments).toHaveLength(1);
    expect((await store.getTaskDefinition('nginx-ecr', 2))?.containerDefinitions[0]?.image).toBe(
      `${ECR}/nginx:1.28`,
    );
    for (const untouched of [
      'nginx-hub',
      'nginx-hub-full',
      'nginx-hub-index',
      'nginx-other-account',
      'nginx-other-region',
    ]) {
      expect(await revisionsOf(untouched), untouched).toEqual([1]);
      expect((await getService(context, 'default', untouched)).deployments, untouched).toHaveLength(1);
    }
  });
});

describe('a batch of the deploys queue', () => {
  it('fails poison messages with a reason, goes on behind them, and applies deploys in order', async () => {
    await newService('ordered');
    const processed: Array<[string, DeployOutcome]> = [];
    const failures: Array<[string, unknown]> = [];
    const explicit = (image: string) =>
      record(
        JSON.stringify({
          type: 'deploy',
          cluster: 'default',
          serviceName: 'ordered',
          image,
          containerName: 'app',
        }),
      );
    const malformed = record('{"type": "deploy"');
    const unknown = record(JSON.stringify({ type: 'deploy', cluster: 'default', serviceName: 'ghost' }));
    const first = explicit('ordered:v2');
    const second = explicit('ordered:v3');
    const noMatch = record(push('ordered', 'v9'));
    const failed = await processDeployBatch(context, [malformed, first, unknown, second, noMatch], {
      processed: (messageId, outcome) => processed.push([messageId, outcome]),
      failed: (messageId, error) => failures.push([messageId, error]),
    });
    expect(failed).toEqual([malformed.messageId, unknown.messageId]);
    expect(failures[0]?.[1]).toBeInstanceOf(ValidationError);
    expect(String(failures[0]?.[1])).toMatch(/not valid JSON/);
    expect(failures[1]?.[1]).toBeInstanceOf(NotFoundError);
    expect(String(failures[1]?.[1])).toMatch(/Service ghost not found/);
    // The service has no autoDeploy: the push is acknowledged with the reason.
    expect(processed.find(([id]) => id === noMatch.messageId)?.[1]).toEqual({
      kind: 'ignored',
      skipped: 'NoMatchingService',
      reason: `no ACTIVE autoDeploy service matches ${ECR}/ordered:v9`,
    });
    const service = await getService(context, 'default', 'ordered');
    expect(service.taskDefinition).toBe('ordered:3');
    expect(service.deployments.map((deployment) => [deployment.taskDefinition, deployment.status])).toEqual([
      ['ordered:3', 'PRIMARY'],
      ['ordered:2', 'ACTIVE'],
      ['ordered:1', 'ACTIVE'],
    ]);
    expect((await store.getTaskDefinition('ordered', 3))?.containerDefinitions[0]?.image).toBe('ordered:v3');
  });

  it('refuses an image without containerName when the task definition has several containers', async () => {
    await newService('two');
    const failures: unknown[] = [];
    await processDeployBatch(
      context,
      [record(JSON.stringify({ type: 'deploy', cluster: 'default', serviceName: 'two', image: 'x:1' }))],
      { processed: () => undefined, failed: (_id, error) => failures.push(error) },
    );
    expect(String(failures[0])).toMatch(/has 2 containers; name the one to give the image/);
    expect(await revisionsOf('two')).toEqual([1]);
  });
});

describe('deploys apply in the order of their source events', () => {
  /** The deploy use cases on a clock the test moves. */
  const clocked = (start: number) => {
    let now = start;
    return {
      context: { ...context, now: () => new Date(now) },
      advance: (ms: number) => {
        now += ms;
      },
    };
  };
  const T0 = Date.parse('2030-01-01T00:00:00.000Z');
  const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
  const releaseMessage = (serviceName: string, release: string, sentAt: string) =>
    record(
      JSON.stringify({
        type: 'deploy',
        cluster: 'default',
        serviceName,
        image: `${ECR}/${serviceName}:${release}`,
        containerName: 'app',
        sentAt,
      }),
    );
  const eventsOf = async (serviceName: string) =>
    (await store.listServiceEvents('default', serviceName, { limit: 10 })).items.map(
      (event) => event.message,
    );

  it('skips a retried release-2 message older than release-3, with a service event; the service stays on release-3', async () => {
    const clock = clocked(T0);
    const ordered = clock.context;
    const taskDefinition = await registerTaskDefinition(ordered, {
      family: 'inorder',
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: `${ECR}/inorder:release-1` }],
    });
    await createService(ordered, 'default', {
      serviceName: 'inorder',
      taskDefinition: `inorder:${taskDefinition.revision}`,
      desiredCount: 1,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
    });
    clock.advance(60_000);
    const release2 = releaseMessage('inorder', 'release-2', at(10));
    const release3 = releaseMessage('inorder', 'release-3', at(20));
    // release-2's first delivery failed (a dependency down, say); release-3 went through meanwhile.
    expect(await processDeployMessage(ordered, release3)).toMatchObject({ kind: 'deployed' });
    clock.advance(1_000);
    const retried = await processDeployMessage(ordered, release2);
    expect(retried).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/older than/) });

    const service = await getService(ordered, 'default', 'inorder');
    const primary = service.deployments.find((deployment) => deployment.status === 'PRIMARY');
    expect(primary?.sourceEventAt).toBe(at(20));
    expect(service.taskDefinition).toBe(primary?.taskDefinition);
    const images = (
      await store.getTaskDefinition('inorder', Number(service.taskDefinition.split(':')[1]))
    )?.containerDefinitions.map((container) => container.image);
    expect(images).toEqual([`${ECR}/inorder:release-3`]);
    expect(service.deployments).toHaveLength(2);
    // No revision was registered for the skipped deploy.
    expect(await revisionsOf('inorder')).toEqual([2, 1]);
    expect((await eventsOf('inorder'))[0]).toMatch(
      new RegExp(`service inorder skipped a deploy whose source event \\(${at(10)}\\) is older than`),
    );

    // An explicit rollback through the API is exempt: it goes back to release-1.
    const rolledBack = await rollbackService(ordered, 'default', 'inorder', { taskDefinition: 'inorder:1' });
    expect(rolledBack).toMatchObject({ taskDefinition: 'inorder:1', status: 'PRIMARY' });
  });

  it('orders image pushes by their event time, and a sender clock ahead of ours cannot hold back later deploys', async () => {
    const clock = clocked(T0 + 3_600_000);
    const ordered = clock.context;
    const taskDefinition = await registerTaskDefinition(ordered, {
      family: 'pushes',
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: `${ECR}/pushes:release-1` }],
    });
    await createService(ordered, 'default', {
      serviceName: 'pushes',
      taskDefinition: `pushes:${taskDefinition.revision}`,
      desiredCount: 1,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
      autoDeploy: { tagPattern: 'release-*' },
    });
    clock.advance(60_000);
    const pushAt = (tag: string, seconds: number) =>
      record(JSON.stringify(ecrPushEvent('pushes', tag, { time: at(3600 + seconds) })));
    expect(await processDeployMessage(ordered, pushAt('release-3', 30))).toMatchObject({ kind: 'deployed' });
    expect(await processDeployMessage(ordered, pushAt('release-2', 20))).toMatchObject({ kind: 'ignored' });
    expect((await getService(ordered, 'default', 'pushes')).deployments[0]?.sourceEventAt).toBe(at(3630));

    // sentAt a day ahead is taken as now; a deploy sent a minute later still applies.
    const ahead = releaseMessage('pushes', 'release-4', at(3600 + 86_400));
    expect(await processDeployMessage(ordered, ahead)).toMatchObject({ kind: 'deployed' });
    clock.advance(60_000);
    const next = releaseMessage('pushes', 'release-5', new Date(T0 + 3_600_000 + 120_000).toISOString());
    expect(await processDeployMessage(ordered, next)).toMatchObject({ kind: 'deployed' });
  });
});
