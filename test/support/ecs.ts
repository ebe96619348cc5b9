import { DescribeTasksCommand, ECSClient, ListTasksCommand, type Task } from '@aws-sdk/client-ecs';
import { eventually } from './waiting';

export const ecsClient = (endpoint: string) =>
  new ECSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

/** Every task of a service group that ECS still shows, with its details. */
export const serviceTasks = async (
  client: ECSClient,
  serviceName: string,
  cluster = 'default',
): Promise<Task[]> => {
  const arns: string[] = [];
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new ListTasksCommand({ cluster, desiredStatus, nextToken, maxResults: 100 }),
      );
      arns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  }
  const tasks: Task[] = [];
  for (let start = 0; start < arns.length; start += 100) {
    const page = await client.send(
      new DescribeTasksCommand({ cluster, tasks: arns.slice(start, start + 100) }),
    );
    tasks.push(...(page.tasks ?? []));
  }
  return tasks.filter((task) => task.group === `service:${serviceName}`);
};

export const isLive = (task: Task) =>
  task.desiredStatus === 'RUNNING' &&
  ['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING'].includes(task.lastStatus ?? '');

export const revisionOf = (task: Task, ecsArnToRevision: (arn: string) => string | undefined) =>
  ecsArnToRevision(task.taskDefinitionArn ?? '');

/** The image of the task's first container. */
export const image = (task: Task) => task.containers?.[0]?.image;

/** Waits until ECS runs exactly `count` RUNNING tasks of the image for the service, and nothing else live. */
export const runningOf = (
  client: ECSClient,
  serviceName: string,
  containerImage: string,
  count: number,
  timeoutMs = 30_000,
) =>
  eventually(
    `${count} RUNNING ${containerImage} tasks of ${serviceName}`,
    async () => {
      const live = (await serviceTasks(client, serviceName)).filter(isLive);
      const ok =
        live.length === count &&
        live.every((task) => task.lastStatus === 'RUNNING' && image(task) === containerImage);
      return ok ? live : undefined;
    },
    { timeoutMs },
  );
