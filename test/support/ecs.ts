import { DescribeTasksCommand, ECSClient, ListTasksCommand, type Task } from '@aws-sdk/client-ecs';

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
