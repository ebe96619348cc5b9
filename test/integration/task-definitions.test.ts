import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { TaskDefinition } from '../../lib/domain';
import { DynamoDbStore } from '../../lib/store/dynamodb';
import type { UseCaseContext } from '../../lib/use-cases/context';
import { ABANDONED_AFTER_MS } from '../../lib/use-cases/revision-gaps';
import { listTaskDefinitionRevisions, registerTaskDefinition } from '../../lib/use-cases/task-definitions';
import { localDynamoDbClient } from '../../local/dynamodb';
import { webService, webTaskDefinition } from '../support/api';
import { useTestStack } from '../support/stack';

const local = useTestStack();
const invoke = local.invoke;

describe('task definitions through the Lambda handler and DynamoDB Local', () => {
  it('registers revisions starting at 1 with ECS-shaped fields and defaults', async () => {
    const created = await invoke('POST', '/task-definitions', {
      body: {
        ...webTaskDefinition('shape'),
        cpu: 1024,
        memory: 2048,
        containerDefinitions: [
          { name: 'app', image: 'app:v1', healthCheck: { command: ['CMD-SHELL', 'true'] } },
          { name: 'sidecar', image: 'envoy:1', essential: false },
        ],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      family: 'shape',
      revision: 1,
      status: 'ACTIVE',
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/shape:1',
      cpu: '1024',
      memory: '2048',
      containerDefinitions: [
        {
          name: 'app',
          essential: true,
          healthCheck: { interval: 30, timeout: 5, retries: 3, startPeriod: 0 },
        },
        { name: 'sidecar', essential: false },
      ],
    });
    expect(Date.parse(created.body.registeredAt)).not.toBeNaN();
    const second = await invoke('POST', '/task-definitions', { body: webTaskDefinition('shape') });
    expect(second.body.revision).toBe(2);
  });

  it('gives 20 parallel registrations of one family revisions 1 to 20 exactly', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        invoke('POST', '/task-definitions', { body: webTaskDefinition('race', `nginx:${index}`) }),
      ),
    );
    expect(results.map((result) => result.status)).toEqual(Array(20).fill(201));
    const revisions = results.map((result) => result.body.revision as number).sort((a, b) => a - b);
    expect(revisions).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    // Each revision holds the body that claimed it.
    const images = new Set(results.map((result) => result.body.containerDefinitions[0].image));
    expect(images.size).toBe(20);
    const listed = await invoke('GET', '/task-definitions/race');
    expect(listed.body.items.map((item: { revision: number }) => item.revision)).toEqual(
      Array.from({ length: 20 }, (_, index) => 20 - index),
    );
  });

  it('lists revisions newest first, paged with nextToken', async () => {
    for (let index = 0; index < 5; index++) {
      expect((await invoke('POST', '/task-definitions', { body: webTaskDefinition('paged') })).status).toBe(
        201,
      );
    }
    const first = await invoke('GET', '/task-definitions/paged', { query: { maxResults: '2' } });
    expect(first.body.items.map((item: { revision: number }) => item.revision)).toEqual([5, 4]);
    expect(first.body.nextToken).toEqual(expect.any(String));
    const second = await invoke('GET', '/task-definitions/paged', {
      query: { maxResults: '2', nextToken: first.body.nextToken },
    });
    expect(second.body.items.map((item: { revision: number }) => item.revision)).toEqual([3, 2]);
    const third = await invoke('GET', '/task-definitions/paged', {
      query: { maxResults: '2', nextToken: second.body.nextToken },
    });
    expect(third.body.items.map((item: { revision: number }) => item.revision)).toEqual([1]);
    expect(third.body.nextToken).toBeUndefined();
    const forged = await invoke('GET', '/task-definitions/paged', {
      query: { nextToken: 'bm90LWEtdG9rZW4' },
    });
    expect(forged.status).toBe(400);
    const otherFamily = await invoke('GET', '/task-definitions/race', {
      query: { nextToken: first.body.nextToken },
    });
    expect(otherFamily.status).toBe(400);
  });

  it('describes one revision or the latest ACTIVE one, and 404s the unknown', async () => {
    await invoke('POST', '/task-definitions', { body: webTaskDefinition('describe', 'nginx:a') });
    await invoke('POST', '/task-definitions', { body: webTaskDefinition('describe', 'nginx:b') });
    expect((await invoke('GET', '/task-definitions/describe/1')).body.containerDefinitions[0].image).toBe(
      'nginx:a',
    );
    expect((await invoke('GET', '/task-definitions/describe/latest')).body.revision).toBe(2);
    expect((await invoke('GET', '/task-definitions/describe/3')).status).toBe(404);
    expect((await invoke('GET', '/task-definitions/nothing-here')).status).toBe(404);
    expect((await invoke('GET', '/task-definitions/nothing-here/latest')).status).toBe(404);
    expect((await invoke('GET', '/task-definitions/describe/zero')).status).toBe(400);
    expect((await invoke('GET', '/task-definitions/describe/0')).status).toBe(400);
  });

  it('deregisters to INACTIVE, which new services cannot use', async () => {
    await invoke('POST', '/task-definitions', { body: webTaskDefinition('retire') });
    await invoke('POST', '/task-definitions', { body: webTaskDefinition('retire') });
    const deregistered = await invoke('DELETE', '/task-definitions/retire/2');
    expect(deregistered.status).toBe(200);
    expect(deregistered.body).toMatchObject({ revision: 2, status: 'INACTIVE' });
    expect((await invoke('DELETE', '/task-definitions/retire/2')).body.status).toBe('INACTIVE');
    expect((await invoke('GET', '/task-definitions/retire/2')).body.status).toBe('INACTIVE');
    expect((await invoke('GET', '/task-definitions/retire/latest')).body.revision).toBe(1);

    const pinned = await invoke('POST', '/clusters/default/services', {
      body: webService('pinned', 'retire:2', 1),
    });
    expect(pinned.status).toBe(400);
    expect(pinned.body.error.message).toMatch(/inactive/i);
    const bare = await invoke('POST', '/clusters/default/services', {
      body: webService('bare', 'retire', 1),
    });
    expect(bare.status).toBe(201);
    expect(bare.body.taskDefinition).toBe('retire:1');

    // Deleting the family's latest revision under a service that named the bare family: it keeps
    // retire:1, which the answer says it still uses.
    const latest = await invoke('DELETE', '/task-definitions/retire/1');
    expect(latest.status).toBe(200);
    expect(latest.body.servicesUsingRevision).toEqual([{ cluster: 'default', serviceName: 'bare' }]);
    expect((await invoke('DELETE', '/task-definitions/retire/2')).body.servicesUsingRevision).toEqual([]);
    const none = await invoke('POST', '/clusters/default/services', {
      body: webService('none', 'retire', 1),
    });
    expect(none.status).toBe(400);
    expect((await invoke('DELETE', '/task-definitions/retire/9')).status).toBe(404);
  });

  it('rejects invalid Fargate sizes, names and health checks with the field and the reason', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...webTaskDefinition(), cpu: 256, memory: 4096 }, /memory: 4096 MiB is not valid with 256 CPU/],
      [{ ...webTaskDefinition(), cpu: 300 }, /not a Fargate size/],
      [{ ...webTaskDefinition(), family: 'has space' }, /family: may contain only/],
      [{ ...webTaskDefinition(), family: 'x'.repeat(256) }, /family: must be at most 255/],
      [
        { ...webTaskDefinition(), containerDefinitions: [{ name: 'a', image: 'x', essential: false }] },
        /at least one container must be essential/,
      ],
      [
        {
          ...webTaskDefinition(),
          containerDefinitions: [
            { name: 'a', image: 'x' },
            { name: 'a', image: 'y' },
          ],
        },
        /duplicate container name/,
      ],
      [
        {
          ...webTaskDefinition(),
          containerDefinitions: [{ name: 'a', image: 'x', healthCheck: { command: ['CMD'], interval: 4 } }],
        },
        /containerDefinitions\[0\]\.healthCheck\.interval: must be between 5 and 300/,
      ],
      [{ ...webTaskDefinition(), surprise: true }, /surprise: unknown field/],
    ];
    for (const [body, message] of cases) {
      const response = await invoke('POST', '/task-definitions', { body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe('ValidationError');
      expect(response.body.error.message).toMatch(message);
    }
    expect((await invoke('GET', '/task-definitions/web')).status).toBe(404);
  });
});

describe('revision numbers from an atomic counter', () => {
  /** The use cases on the stack's table, with a clock the test moves. */
  const contextWithClock = () => {
    const clock = { ms: Date.parse('2026-01-01T00:00:00Z') };
    const documentClient = DynamoDBDocumentClient.from(localDynamoDbClient(local.stack.dynamoDbEndpoint), {
      marshallOptions: { removeUndefinedValues: true },
    });
    const store = new DynamoDbStore(documentClient, local.stack.tableName);
    const context: UseCaseContext = {
      store,
      config: { tableName: local.stack.tableName, region: 'us-east-1', accountId: '000000000000' },
      now: () => new Date(clock.ms),
      newId: () => 'id',
    };
    return { clock, store, context };
  };
  const revisionsOf = async (context: UseCaseContext, family: string) =>
    (await listTaskDefinitionRevisions(context, family, { limit: 100 })).items
      .map((item) => ({ revision: item.revision, status: item.status }))
      .reverse();

  it('gives 48 racing registrations distinct revisions 1 to 48, each after one reservation', async () => {
    const { store, context } = contextWithClock();
    let reservations = 0;
    const reserve = store.reserveTaskDefinitionRevision.bind(store);
    store.reserveTaskDefinitionRevision = (family, nowMs) => {
      reservations++;
      return reserve(family, nowMs);
    };
    const results = await Promise.all(
      Array.from({ length: 48 }, (_, index) =>
        registerTaskDefinition(context, webTaskDefinition('contended', `nginx:${index}`)),
      ),
    );
    expect(results.map((result) => result.revision).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 48 }, (_, index) => index + 1),
    );
    expect(reservations).toBe(48);
    expect((await revisionsOf(context, 'contended')).map((item) => item.revision)).toEqual(
      Array.from({ length: 48 }, (_, index) => index + 1),
    );
  });

  it('fills the number of a registration that died between reserving and writing, once it must be dead', async () => {
    const { clock, store, context } = contextWithClock();
    await registerTaskDefinition(context, webTaskDefinition('crashy'));
    // A registration reserves 2 and dies before its put.
    expect((await store.reserveTaskDefinitionRevision('crashy', clock.ms)).revision).toBe(2);
    clock.ms += 1_000;
    // Within the grace its writer may still be alive: nothing is filled yet.
    expect((await registerTaskDefinition(context, webTaskDefinition('crashy'))).revision).toBe(3);
    expect(await revisionsOf(context, 'crashy')).toEqual([
      { revision: 1, status: 'ACTIVE' },
      { revision: 3, status: 'ACTIVE' },
    ]);
    clock.ms += ABANDONED_AFTER_MS + 1;
    expect((await registerTaskDefinition(context, webTaskDefinition('crashy'))).revision).toBe(4);
    expect(await revisionsOf(context, 'crashy')).toEqual([
      { revision: 1, status: 'ACTIVE' },
      { revision: 2, status: 'INACTIVE' },
      { revision: 3, status: 'ACTIVE' },
      { revision: 4, status: 'ACTIVE' },
    ]);
    // A crash at the top (nothing registered after it) is filled by the next registration after the grace.
    expect((await store.reserveTaskDefinitionRevision('crashy', clock.ms)).revision).toBe(5);
    clock.ms += ABANDONED_AFTER_MS + 1;
    expect((await registerTaskDefinition(context, webTaskDefinition('crashy'))).revision).toBe(6);
    expect((await revisionsOf(context, 'crashy')).map((item) => item.revision)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('loses nothing when a writer judged dead comes back: its number is taken, it registers the next', async () => {
    const { clock, store, context } = contextWithClock();
    const slow: TaskDefinition = await registerTaskDefinition(context, webTaskDefinition('slow', 'slow:1'));
    const reservation = await store.reserveTaskDefinitionRevision('slow', clock.ms);
    clock.ms += ABANDONED_AFTER_MS + 1;
    await registerTaskDefinition(context, webTaskDefinition('slow'));
    // The slow writer's put of its reserved number now fails; the use case would reserve again.
    await expect(
      store.createTaskDefinition({ ...slow, revision: reservation.revision }),
    ).rejects.toMatchObject({ statusCode: 409 });
    expect((await registerTaskDefinition(context, webTaskDefinition('slow', 'slow:1'))).revision).toBe(4);
  });

  it('carries on after revisions written before the family had a counter', async () => {
    const { store, context } = contextWithClock();
    const first = await registerTaskDefinition(context, webTaskDefinition('legacy'));
    for (const revision of [2, 3]) await store.createTaskDefinition({ ...first, revision });
    expect((await registerTaskDefinition(context, webTaskDefinition('legacy'))).revision).toBe(4);
    expect((await revisionsOf(context, 'legacy')).map((item) => item.revision)).toEqual([1, 2, 3, 4]);
  });
});

describe('the roles an installation grants its tasks (custom.taskRoleArns, custom.executionRoleArns)', () => {
  const TASK_ROLES = ['arn:aws:iam::123456789012:role/shop-task-*', 'arn:aws:iam::123456789012:role/batch'];
  const EXECUTION_ROLES = ['arn:aws:iam::123456789012:role/shop-execution'];
  const contextWithRoles = (roles: { taskRoleArns?: string[]; executionRoleArns?: string[] }) => {
    const documentClient = DynamoDBDocumentClient.from(localDynamoDbClient(local.stack.dynamoDbEndpoint), {
      marshallOptions: { removeUndefinedValues: true },
    });
    const context: UseCaseContext = {
      store: new DynamoDbStore(documentClient, local.stack.tableName),
      config: { tableName: local.stack.tableName, region: 'us-east-1', accountId: '000000000000', ...roles },
      now: () => new Date(),
      newId: () => 'id',
    };
    return context;
  };
  const withRoles = (family: string, roles: { taskRoleArn?: string; executionRoleArn?: string }) => ({
    ...webTaskDefinition(family),
    ...roles,
  });

  it('registers a task definition whose roles the lists name, wildcards read as IAM reads them', async () => {
    const context = contextWithRoles({ taskRoleArns: TASK_ROLES, executionRoleArns: EXECUTION_ROLES });
    const registered = await registerTaskDefinition(
      context,
      withRoles('granted', {
        taskRoleArn: 'arn:aws:iam::123456789012:role/shop-task-web',
        executionRoleArn: 'arn:aws:iam::123456789012:role/shop-execution',
      }),
    );
    expect(registered).toMatchObject({
      revision: 1,
      taskRoleArn: 'arn:aws:iam::123456789012:role/shop-task-web',
    });
    const exact = await registerTaskDefinition(
      context,
      withRoles('granted', { taskRoleArn: 'arn:aws:iam::123456789012:role/batch' }),
    );
    expect(exact.revision).toBe(2);
  });

  it('refuses any other role with a 400 naming the field and the allowed list, and writes nothing', async () => {
    const context = contextWithRoles({ taskRoleArns: TASK_ROLES, executionRoleArns: EXECUTION_ROLES });
    const cases: [Record<string, string>, RegExp][] = [
      [
        { taskRoleArn: 'arn:aws:iam::123456789012:role/tugboat-task-other-team' },
        /^taskRoleArn: arn:aws:iam::123456789012:role\/tugboat-task-other-team is not a role this installation's tasks may use; allowed: arn:aws:iam::123456789012:role\/shop-task-\*, arn:aws:iam::123456789012:role\/batch /,
      ],
      // Another account's role of the same name; a name the wildcard does not reach; an exact name's prefix.
      [{ taskRoleArn: 'arn:aws:iam::999999999999:role/shop-task-web' }, /^taskRoleArn: /],
      [{ taskRoleArn: 'arn:aws:iam::123456789012:role/shop-tasks' }, /^taskRoleArn: /],
      [{ taskRoleArn: 'arn:aws:iam::123456789012:role/batch-admin' }, /^taskRoleArn: /],
      [
        { executionRoleArn: 'arn:aws:iam::123456789012:role/shop-task-web' },
        /^executionRoleArn: .* allowed: arn:aws:iam::123456789012:role\/shop-execution \(custom\.executionRoleArns/,
      ],
    ];
    for (const [roles, message] of cases) {
      const refused = registerTaskDefinition(context, withRoles('refused', roles));
      await expect(refused, JSON.stringify(roles)).rejects.toMatchObject({ statusCode: 400 });
      await expect(refused, JSON.stringify(roles)).rejects.toThrow(message);
    }
    await expect(listTaskDefinitionRevisions(context, 'refused', { limit: 10 })).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  it('allows any role without the lists (npm start), and none with an empty list', async () => {
    const role = 'arn:aws:iam::123456789012:role/anything';
    const open = await registerTaskDefinition(contextWithRoles({}), withRoles('open', { taskRoleArn: role }));
    expect(open.taskRoleArn).toBe(role);
    await expect(
      registerTaskDefinition(
        contextWithRoles({ taskRoleArns: [] }),
        withRoles('closed', { taskRoleArn: role }),
      ),
    ).rejects.toThrow(/^taskRoleArn: .* allowed: none /);
    // Without a role the lists do not matter.
    expect(
      (await registerTaskDefinition(contextWithRoles({ taskRoleArns: [] }), webTaskDefinition('closed')))
        .revision,
    ).toBe(1);
  });
});
