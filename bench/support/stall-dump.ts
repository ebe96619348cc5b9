/**
 * A diagnostic of a converge that stops moving (BENCH_STALL_DUMP=1): for a few services short of their
 * tasks, what the store, the lease item and the reconcile queue hold about them.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../lib/store/keys';
import type { Fleet } from './fleet';

export const dumpStall = async (
  fleet: Fleet,
  tasksPerService: number,
  clusterOf: (serviceName: string) => string,
  services: number,
) => {
  const live = fleet.liveByService();
  const short: string[] = [];
  for (let index = 0; index < services; index++) {
    const name = `svc-${index}`;
    if ((live.get(name) ?? 0) < tasksPerService) short.push(name);
  }
  const queued = fleet.reconcileQueue.inspect();
  const byState: Record<string, number> = {};
  for (const message of queued) byState[message.state] = (byState[message.state] ?? 0) + 1;
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: fleet.dynamoDbEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  const lines: string[] = [
    `STALL at ${fleet.time.now()}: ${short.length} services short; queue ${JSON.stringify(byState)}; ` +
      `short by cluster ${JSON.stringify(countBy(short.map(clusterOf)))}; killed ${JSON.stringify(fleet.killedAtTimeout())}`,
  ];
  for (const name of short.slice(0, 6)) {
    const cluster = clusterOf(name);
    const service = await fleet.store.getService(cluster, name);
    const lease = (
      await client.send(
        new GetCommand({ TableName: fleet.tableName, Key: keys.reconcileLease(cluster, name) }),
      )
    ).Item;
    const tasks = await fleet.store.listServiceTasks(cluster, name);
    const messages = queued.filter((message) => message.body.includes(`"${name}"`));
    lines.push(
      JSON.stringify({
        name,
        cluster,
        live: live.get(name) ?? 0,
        service: service && {
          status: service.status,
          runningCount: service.runningCount,
          pendingCount: service.pendingCount,
          desiredCount: service.desiredCount,
          wakeAt: service.wakeAt,
          inflightLaunches: service.inflightLaunches,
          version: service.version,
          deployments: service.deployments.map((d) => ({
            id: d.id,
            status: d.status,
            rolloutState: d.rolloutState,
            runningCount: d.runningCount,
            failedTasks: d.failedTasks,
          })),
        },
        lease,
        tasks: tasks.map((t) => ({
          id: t.taskId,
          last: t.lastStatus,
          desired: t.desiredStatus,
          missing: t.missingFromEcsAt,
          stopCode: t.stopCode,
        })),
        messages,
      }),
    );
  }
  client.destroy();
  process.stderr.write(`${lines.join('\n')}\n`);
};

const countBy = (values: string[]) => {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
};
