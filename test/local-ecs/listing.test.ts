import {
  DescribeClustersCommand,
  ListClustersCommand,
  ListTagsForResourceCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  type ListTasksCommandInput,
  paginateListTasks,
  StopTaskCommand,
  TagResourceCommand,
} from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCluster, type Harness, registerFargate, runFargate, startHarness } from './helpers';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
  await createCluster(h.client);
  await registerFargate(h.client, 'web', 'nginx');
  await registerFargate(h.client, 'worker', 'busybox');
});
afterEach(() => h.close());

const listAll = async (input: Omit<ListTasksCommandInput, 'cluster'>) => {
  const arns: string[] = [];
  for await (const page of paginateListTasks({ client: h.client }, { cluster: 'apps', ...input })) {
    arns.push(...(page.taskArns ?? []));
  }
  return arns;
};

describe('ListTasks', () => {
  it('filters by family, startedBy, serviceName and desiredStatus', async () => {
    const web = await runFargate(h.client, { taskDefinition: 'web', count: 3, startedBy: 'tugboat' });
    const worker = await runFargate(h.client, { taskDefinition: 'worker', count: 2, group: 'service:jobs' });
    const other = await runFargate(h.client, { taskDefinition: 'web', startedBy: 'someone-else' });
    const arns = (tasks: typeof web) => tasks.map((task) => task.taskArn!);

    expect(await listAll({ family: 'web' })).toEqual([...arns(web), ...arns(other)]);
    expect(await listAll({ startedBy: 'tugboat' })).toEqual(arns(web));
    expect(await listAll({ serviceName: 'jobs' })).toEqual(arns(worker));
    expect(await listAll({ family: 'worker', startedBy: 'tugboat' })).toEqual([]);
    expect(await listAll({})).toHaveLength(6);

    await h.client.send(new StopTaskCommand({ cluster: 'apps', task: web[1]!.taskArn! }));
    expect(await listAll({ desiredStatus: 'STOPPED' })).toEqual([web[1]!.taskArn]);
    expect(await listAll({ desiredStatus: 'RUNNING', startedBy: 'tugboat' })).toEqual([
      web[0]!.taskArn,
      web[2]!.taskArn,
    ]);
    expect(await listAll({ desiredStatus: 'PENDING' })).toEqual([]);
  });

  it('pages with nextToken, each task exactly once, in launch order', async () => {
    const launched: string[] = [];
    for (let i = 0; i < 25; i++)
      launched.push(...(await runFargate(h.client, { count: 10 })).map((t) => t.taskArn!));
    const first = await h.client.send(new ListTasksCommand({ cluster: 'apps', maxResults: 100 }));
    expect(first.taskArns).toHaveLength(100);
    expect(first.nextToken).toBeTruthy();
    const pages: string[][] = [first.taskArns!];
    let token = first.nextToken;
    while (token) {
      const page = await h.client.send(
        new ListTasksCommand({ cluster: 'apps', maxResults: 100, nextToken: token }),
      );
      pages.push(page.taskArns!);
      token = page.nextToken;
    }
    expect(pages.map((page) => page.length)).toEqual([100, 100, 50]);
    expect(pages.flat()).toEqual(launched);
  });

  it('ends without nextToken when a page is exactly full', async () => {
    await runFargate(h.client, { count: 5 });
    const page = await h.client.send(new ListTasksCommand({ cluster: 'apps', maxResults: 5 }));
    expect(page.taskArns).toHaveLength(5);
    expect(page.nextToken).toBeUndefined();
  });

  it('keeps paging stable when tasks stop between pages', async () => {
    const launched = (await runFargate(h.client, { count: 10 })).map((task) => task.taskArn!);
    const first = await h.client.send(new ListTasksCommand({ cluster: 'apps', maxResults: 4 }));
    await h.client.send(new StopTaskCommand({ cluster: 'apps', task: launched[1]! }));
    await h.client.send(new StopTaskCommand({ cluster: 'apps', task: launched[6]! }));
    const rest = await h.client.send(
      new ListTasksCommand({ cluster: 'apps', maxResults: 100, nextToken: first.nextToken }),
    );
    expect(first.taskArns).toEqual(launched.slice(0, 4));
    expect(rest.taskArns).toEqual([launched[4], launched[5], launched[7], launched[8], launched[9]]);
  });
});

describe('clusters, task definitions and tags', () => {
  it('lists and describes clusters with task counts', async () => {
    await createCluster(h.client, { clusterName: 'batch', tags: [{ key: 'env', value: 'dev' }] });
    await runFargate(h.client, { count: 3 });
    h.server.ecs.advance(2000);
    await runFargate(h.client, { count: 2 });
    const described = await h.client.send(
      new DescribeClustersCommand({
        clusters: ['apps', 'arn:aws:ecs:us-east-1:000000000000:cluster/batch', 'nope'],
        include: ['TAGS'],
      }),
    );
    expect(described.clusters?.map((c) => [c.clusterName, c.runningTasksCount, c.pendingTasksCount])).toEqual(
      [
        ['apps', 3, 2],
        ['batch', 0, 0],
      ],
    );
    expect(described.clusters?.[1]?.tags).toEqual([{ key: 'env', value: 'dev' }]);
    expect(described.failures).toEqual([
      { arn: 'arn:aws:ecs:us-east-1:000000000000:cluster/nope', reason: 'MISSING' },
    ]);
    const listed = await h.client.send(new ListClustersCommand({ maxResults: 1 }));
    expect(listed.clusterArns).toEqual(['arn:aws:ecs:us-east-1:000000000000:cluster/apps']);
    const next = await h.client.send(new ListClustersCommand({ nextToken: listed.nextToken }));
    expect(next.clusterArns).toEqual(['arn:aws:ecs:us-east-1:000000000000:cluster/batch']);
  });

  it('lists task definitions by prefix, status and sort order', async () => {
    await registerFargate(h.client, 'web', 'nginx:2');
    const asc = await h.client.send(new ListTaskDefinitionsCommand({ familyPrefix: 'we' }));
    expect(asc.taskDefinitionArns?.map((arn) => arn.split('/')[1])).toEqual(['web:1', 'web:2']);
    const desc = await h.client.send(new ListTaskDefinitionsCommand({ sort: 'DESC', maxResults: 2 }));
    expect(desc.taskDefinitionArns?.map((arn) => arn.split('/')[1])).toEqual(['worker:1', 'web:2']);
    expect(desc.nextToken).toBeTruthy();
  });

  it('tags and lists tags of clusters, task definitions and tasks', async () => {
    const [task] = await runFargate(h.client, { tags: [{ key: 'a', value: '1' }] });
    const resources = [
      'arn:aws:ecs:us-east-1:000000000000:cluster/apps',
      'arn:aws:ecs:us-east-1:000000000000:task-definition/web:1',
      task!.taskArn!,
    ];
    for (const resourceArn of resources) {
      await h.client.send(
        new TagResourceCommand({ resourceArn, tags: [{ key: 'owner', value: 'tugboat' }] }),
      );
      const { tags } = await h.client.send(new ListTagsForResourceCommand({ resourceArn }));
      expect(tags).toContainEqual({ key: 'owner', value: 'tugboat' });
    }
    const { tags } = await h.client.send(new ListTagsForResourceCommand({ resourceArn: task!.taskArn! }));
    expect(tags).toEqual([
      { key: 'a', value: '1' },
      { key: 'owner', value: 'tugboat' },
    ]);
  });
});
