/**
 * replace: reaction time in real time against the local stack (local/stack.ts: fauxqs queues, the local
 * ECS endpoint, the real handlers). N services of one task each; their tasks are stopped one at a time,
 * one every 500 ms, with StopTask. Per task: from the ECS stop event (the event ECS emits when StopTask
 * sets desiredStatus STOPPED, stamped at that instant) to the replacement's RunTask answer (its
 * createdAt, the instant the endpoint answered) and to its RUNNING (startedAt). The schedule runs at
 * serverless.yml's rate(1 minute), so replacements come through the event path: ECS event -> task-events
 * handler -> reconcile queue -> reconcile worker.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import {
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { freePort } from '../local/ports';
import { startLocalStack } from '../local/stack';

const CLUSTER = 'default';
const STOP_EVERY_MS = 500;
const RUN_TASK_P99_LIMIT_MS = 1000;
const SCHEDULE_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const quantiles = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  return { p50: Math.round(at(0.5)), p99: Math.round(at(0.99)), max: Math.round(sorted.at(-1) ?? 0) };
};

/** Every task of the cluster with the given desired status, described (100 to a call). */
const describeAll = async (ecs: ECSClient, desiredStatus: 'RUNNING' | 'STOPPED'): Promise<Task[]> => {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListTasksCommand({ cluster: CLUSTER, desiredStatus, nextToken }));
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const tasks: Task[] = [];
  for (let start = 0; start < arns.length; start += 100) {
    const described = await ecs.send(
      new DescribeTasksCommand({ cluster: CLUSTER, tasks: arns.slice(start, start + 100) }),
    );
    tasks.push(...(described.tasks ?? []));
  }
  return tasks;
};

/** Retries a read the endpoint throttled (the benchmark's own reads share ECS's read budget). */
const patiently = async <T>(read: () => Promise<T>): Promise<T> => {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= 20 || (error as { name?: string }).name !== 'ThrottlingException') throw error;
      await sleep(500);
    }
  }
};

export const runReplace = async (options: { stops: number }) => {
  const stack = await startLocalStack({
    apiPort: 0,
    dynamoDbPort: await freePort(),
    sqsPort: 0,
    ecsPort: 0,
    reconcileIntervalMs: SCHEDULE_MS,
    tableName: 'tugboat-bench-replace',
  });
  const ecs = new ECSClient({ endpoint: stack.ecsUrl, region: process.env.AWS_REGION ?? 'us-east-1' });
  try {
    const call = async (method: string, path: string, body: unknown) => {
      const response = await fetch(`${stack.apiUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (response.status >= 300)
        throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    };
    // A family of its own: the process-wide cache of ECS task definition ARNs remembers 'web' from the
    // pipeline benchmarks' ECS endpoint.
    await call('POST', '/task-definitions', {
      family: 'replace',
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'web', image: 'nginx:1.27', portMappings: [{ containerPort: 80 }] }],
    });
    const names = Array.from({ length: options.stops }, (_, index) => `svc-${index}`);
    for (const serviceName of names) {
      await call('POST', `/clusters/${CLUSTER}/services`, {
        serviceName,
        taskDefinition: 'replace',
        desiredCount: 1,
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
      });
    }
    const runningByService = async () => {
      const tasks = await patiently(() => describeAll(ecs, 'RUNNING'));
      const byService = new Map<string, Task[]>();
      for (const task of tasks) {
        const service = task.group?.replace(/^service:/, '') ?? '';
        byService.set(service, [...(byService.get(service) ?? []), task]);
      }
      return byService;
    };
    const convergeUntil = Date.now() + 5 * 60_000;
    let victims: Task[] = [];
    for (;;) {
      const byService = await runningByService();
      victims = names.flatMap((name) =>
        (byService.get(name) ?? []).filter((task) => task.lastStatus === 'RUNNING'),
      );
      if (victims.length === names.length && names.every((name) => byService.get(name)?.length === 1)) break;
      if (Date.now() > convergeUntil)
        throw new Error(`replace: ${victims.length}/${names.length} running after 5 min`);
      await sleep(1000);
    }
    // Let the pipeline go quiet (the RUNNING events' reconciles) before the first stop.
    await sleep(3000);

    const stopEventAt = new Map<string, number>();
    const started = Date.now();
    for (const [index, task] of victims.entries()) {
      await sleep(Math.max(0, started + index * STOP_EVERY_MS - Date.now()));
      const stopped = await ecs.send(
        new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn!, reason: 'replace benchmark' }),
      );
      const service = task.group!.replace(/^service:/, '');
      stopEventAt.set(service, stopped.task?.stoppingAt?.getTime() ?? Date.now());
    }
    // Every replacement RUNNING, found once the stops are over (reads here would compete with Tugboat's).
    const waitUntil = Date.now() + 3 * 60_000;
    const replacements = new Map<string, Task>();
    while (replacements.size < names.length && Date.now() < waitUntil) {
      await sleep(2000);
      const byService = await runningByService();
      for (const [service, at] of stopEventAt) {
        const replacement = (byService.get(service) ?? [])
          .filter((task) => (task.createdAt?.getTime() ?? 0) >= at && task.lastStatus === 'RUNNING')
          .sort((a, b) => a.createdAt!.getTime() - b.createdAt!.getTime())[0];
        if (replacement) replacements.set(service, replacement);
      }
    }
    const toRunTask: number[] = [];
    const toRunning: number[] = [];
    for (const [service, replacement] of replacements) {
      const at = stopEventAt.get(service)!;
      toRunTask.push(replacement.createdAt!.getTime() - at);
      toRunning.push(replacement.startedAt!.getTime() - at);
    }
    const stopEventToRunTaskMs = quantiles(toRunTask);
    return {
      name: 'replace',
      time: 'real',
      stops: names.length,
      stopEveryMs: STOP_EVERY_MS,
      replaced: replacements.size,
      stopEventToRunTaskMs,
      stopEventToRunningMs: quantiles(toRunning),
      localTaskStartMs: 2000,
      scheduleMs: SCHEDULE_MS,
      target: { stopEventToRunTaskP99MsAtMost: RUN_TASK_P99_LIMIT_MS },
      pass: replacements.size === names.length && stopEventToRunTaskMs.p99 <= RUN_TASK_P99_LIMIT_MS,
    };
  } finally {
    ecs.destroy();
    await stack.stop();
  }
};

/**
 * runReplace in a child process: the handlers build their AWS clients once per process, as a Lambda
 * instance does, against the endpoints of the first local stack started in it (the api benchmark's).
 */
export const runReplaceInChild = (options: { stops: number }): Promise<Record<string, unknown>> =>
  new Promise((resolveRun, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', resolve(import.meta.dirname, 'replace-main.ts'), String(options.stops)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`replace exited with ${code}`));
      else resolveRun(JSON.parse(output.trim().split('\n').at(-1)!) as Record<string, unknown>);
    });
  });
