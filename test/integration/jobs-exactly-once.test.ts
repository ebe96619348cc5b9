import { describe, expect, it } from 'vitest';
import type { JobRun } from '../../lib/domain';
import { jobStartedBy, runClientToken } from '../../lib/use-cases/job-launch';
import { type JobsPassReport, runJobsPass } from '../../lib/use-cases/job-ticks';
import { runTasks } from '../../lib/use-cases/tasks';
import { registerTaskDefinition } from '../support/api';
import { useTestStack } from '../support/stack';

const MIN = 60_000;
const network = { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } };

/**
 * Each tick launches at most once against the real local endpoints (DynamoDB Local, the local ECS):
 * passes at once, a pass repeated, a pass that dies between its claim and its RunTask or between the
 * RunTask and its record, and an ECS that fails calls after applying them.
 */
describe('scheduled jobs: each tick launches once', () => {
  const local = useTestStack({ timing: 'fast', ecs: { faultRate: 0.2 } });

  /** Every task ECS ever made for the job, from the endpoint itself (no injected faults there). */
  const tasksOf = (jobName: string) => {
    const ecs = local.stack.ecs.ecs;
    return ['RUNNING', 'STOPPED'].flatMap(
      (desiredStatus) =>
        (
          ecs.handle('ListTasks', {
            cluster: 'default',
            desiredStatus,
            startedBy: `tugboat-local_${jobStartedBy(jobName)}`,
            maxResults: 100,
          }) as { taskArns: string[] }
        ).taskArns,
    );
  };

  const createJob = async (jobName: string, extra: Record<string, unknown> = {}, image = 'batch:exit0') => {
    const taskDefinition = await registerTaskDefinition(local.api, `batch-${jobName}`, image);
    for (;;) {
      const response = await local.api.post('/clusters/default/jobs', {
        jobName,
        taskDefinition,
        schedule: 'cron(* * * * ? *)',
        networkConfiguration: network,
        ...extra,
      });
      // The API asks ECS whether the cluster exists: an injected fault is a 503, retried as a client would.
      if (response.status === 503) continue;
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return response.body as { createdAt: string };
    }
  };

  /**
   * `ticks` minutes after the job was created, `offset` ms past its last tick: a job created at 12:00:59.5
   * plus 61 s would have two ticks behind it.
   */
  const afterTicks = (createdAt: string, ticks: number, offset = 1_000) =>
    Math.floor(Date.parse(createdAt) / MIN) * MIN + ticks * MIN + offset;

  const pass = (now: number, hooks: Parameters<typeof runJobsPass>[0]['hooks'] = {}) =>
    runJobsPass({ context: local.runtime.useCases, now, hooks });

  /**
   * A pass that dies after its RunTask (with the run's token, retried through injected faults), before
   * recording it. Only for `jobName`'s run: the earlier tests' jobs tick every minute too, and a pass whose
   * `now` is in a later minute than theirs claims their runs as well (the pass goes on for those).
   */
  const passDyingAfterRunTask = async (jobName: string, now: number) => {
    const job = (await local.runtime.jobs.getJob('default', jobName))!;
    return pass(now, {
      afterClaim: async (run) => {
        if (run.jobName !== jobName) return;
        for (;;) {
          try {
            await runTasks(local.runtime.useCases, 'default', {
              taskDefinition: job.taskDefinition,
              networkConfiguration: job.networkConfiguration,
              clientToken: runClientToken('local', run),
              startedBy: jobStartedBy(job.jobName),
            });
            break;
          } catch {}
        }
        throw new Error('injected crash after RunTask');
      },
    });
  };

  const runsOf = async (jobName: string): Promise<JobRun[]> =>
    (await local.runtime.jobs.listJobRuns('default', jobName, { limit: 100 })).items;

  /**
   * Passes until no run is PENDING (an injected fault leaves a launch for the next pass), each a
   * millisecond after the one before and no tick further: a pass at the instant of the one that claimed a
   * run is the same schedule event delivered again, which leaves the claimer to launch it.
   */
  const settle = async (now: number) => {
    for (let attempt = 0; attempt < 20; attempt++) {
      await pass(now + attempt + 1);
      const open = (await local.runtime.jobs.listAllJobs()).map((job) =>
        local.runtime.jobs.listOpenJobRuns(job.cluster, job.jobName),
      );
      if ((await Promise.all(open)).flat().every((run) => run.status !== 'PENDING')) return;
    }
    throw new Error('runs still PENDING after 20 passes');
  };

  it('two passes at once, then the same pass again: one task per tick', async () => {
    const job = await createJob('twice');
    const now = afterTicks(job.createdAt, 3);
    const reports: JobsPassReport[] = await Promise.all([pass(now), pass(now), pass(now)]);
    await pass(now);
    await settle(now);
    const runs = await runsOf('twice');
    expect(runs.map((run) => [run.scheduledAt, run.attempt])).toHaveLength(3);
    expect(new Set(runs.map((run) => run.scheduledAt)).size).toBe(3);
    expect(runs.every((run) => run.status === 'RUNNING' || run.status === 'DONE')).toBe(true);
    expect(tasksOf('twice').sort()).toEqual(runs.map((run) => run.taskArn).sort());
    // The passes raced for the same ticks: all but one of each claim were lost.
    expect(reports.reduce((sum, report) => sum + report.lostClaims, 0)).toBeGreaterThan(0);
  }, 60_000);

  it('a pass that dies between its claim and RunTask: the next pass launches the tick, once', async () => {
    const job = await createJob('crash-before');
    const now = afterTicks(job.createdAt, 1);
    const crashed = await pass(now, {
      afterClaim: async (run) => {
        if (run.jobName === 'crash-before') throw new Error('injected crash after the claim');
      },
    });
    expect(crashed.failedJobs.map((failed) => failed.jobName)).toContain('crash-before');
    expect(tasksOf('crash-before')).toEqual([]);
    expect((await runsOf('crash-before')).map((run) => run.status)).toEqual(['PENDING']);
    await settle(now);
    const runs = await runsOf('crash-before');
    expect(runs).toHaveLength(1);
    expect(tasksOf('crash-before')).toEqual([runs[0]!.taskArn]);
  }, 60_000);

  it('a pass that dies after RunTask, before recording the task: the next pass finds the same task', async () => {
    const created = await createJob('crash-after');
    const now = afterTicks(created.createdAt, 1);
    const crashed = await passDyingAfterRunTask('crash-after', now);
    expect(crashed.failedJobs).toHaveLength(1);
    expect(tasksOf('crash-after')).toHaveLength(1);
    await settle(now);
    const runs = await runsOf('crash-after');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'RUNNING' });
    expect(tasksOf('crash-after')).toEqual([runs[0]!.taskArn]);
  }, 60_000);

  it('a job edited between a launch and its retry: the run keeps the task its token launched', async () => {
    const created = await createJob('edited');
    const now = afterTicks(created.createdAt, 1);
    await passDyingAfterRunTask('edited', now);
    // The retry's RunTask differs (another revision): ECS answers ConflictException naming the task.
    const other = await registerTaskDefinition(local.api, 'batch-edited-later', 'batch:exit0');
    const edited = await local.api.patch('/clusters/default/jobs/edited', { taskDefinition: other });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    await settle(now);
    const runs = await runsOf('edited');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'RUNNING' });
    expect(tasksOf('edited')).toEqual([runs[0]!.taskArn]);
  }, 60_000);

  it('Forbid over doubled passes and faults: never two runs live, every tick accounted for', async () => {
    // A task that runs until stopped: the first run stays live through every later tick.
    const job = await createJob('forbid', { concurrencyPolicy: 'Forbid' }, 'worker:1');
    for (let minute = 1; minute <= 5; minute++) {
      const now = afterTicks(job.createdAt, minute, 500);
      await Promise.all([pass(now), pass(now)]);
    }
    await settle(afterTicks(job.createdAt, 5, 500));
    const runs = await runsOf('forbid');
    expect(new Set(runs.map((run) => run.scheduledAt)).size).toBe(5);
    expect(runs).toHaveLength(5);
    const launched = runs.filter((run) => run.taskArn !== undefined);
    expect(launched).toHaveLength(1);
    expect(runs.filter((run) => run.verdict === 'SKIPPED')).toHaveLength(4);
    expect(tasksOf('forbid')).toEqual(launched.map((run) => run.taskArn));
  }, 60_000);
});
