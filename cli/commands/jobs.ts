import type { Command } from 'commander';
import type { JobRun, JobView, Page, RunVerdict } from '../../client/api-types';
import type { ApiClient } from '../../client/client';
import { CliError, EXIT } from '../../client/errors';
import { listAll } from '../../client/queries';
import {
  apiFor,
  clusterOption,
  examples,
  exitWith,
  outputOption,
  timeoutOption,
  wantsJson,
} from '../context';
import { colours as c, printJson, table, time } from '../render';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const jobsPath = (cluster: string) => `/clusters/${encodeURIComponent(cluster)}/jobs`;
const jobPath = (cluster: string, jobName: string) => `${jobsPath(cluster)}/${encodeURIComponent(jobName)}`;

/** A verdict in its colour: green done, red failed, yellow passed over. */
export const verdictText = (verdict: RunVerdict | undefined, status?: string): string => {
  if (!verdict) return status ?? '-';
  if (verdict === 'SUCCEEDED') return c.green(verdict);
  if (verdict === 'SKIPPED' || verdict === 'REPLACED') return c.yellow(verdict);
  return c.red(verdict);
};

const registerList = (program: Command) => {
  const command = program
    .command('jobs')
    .description("the cluster's scheduled jobs, with their last verdict and next run")
    .option(...clusterOption)
    .option(...outputOption)
    .action(
      exitWith(async (options, cmd: Command) => {
        const jobs = await listAll<JobView>(apiFor(cmd), jobsPath(options.cluster));
        if (wantsJson(options)) {
          printJson(jobs);
          return EXIT.ok;
        }
        if (jobs.length === 0) {
          console.log(`no jobs in cluster ${options.cluster}`);
          return EXIT.ok;
        }
        console.log(
          table([
            ['JOB', 'SCHEDULE', 'TIMEZONE', 'TASK DEFINITION', 'POLICY', 'LAST', 'NEXT RUN'],
            ...jobs.map((job) => [
              job.jobName,
              job.schedule,
              job.timezone,
              job.taskDefinition,
              job.concurrencyPolicy,
              job.consecutiveFailures > 1
                ? `${verdictText(job.lastVerdict)} (${job.consecutiveFailures} in a row)`
                : verdictText(job.lastVerdict),
              job.suspend ? c.yellow('suspended') : job.nextRuns[0] ? time(job.nextRuns[0]) : '-',
            ]),
          ]),
        );
        return EXIT.ok;
      }),
    );
  examples(command, 'tugboat jobs', 'tugboat jobs --cluster batch --output json');
};

const runsTable = (runs: JobRun[]) =>
  table([
    ['SCHEDULED', 'ATTEMPT', 'TRIGGER', 'VERDICT', 'EXIT', 'TASK', 'STARTED', 'STOPPED', 'REASON'],
    ...runs.map((run) => [
      run.scheduledAt,
      String(run.attempt),
      run.trigger,
      verdictText(run.verdict, run.status),
      run.exitCode === undefined ? '-' : String(run.exitCode),
      run.taskId ?? '-',
      run.startedAt ? time(run.startedAt) : '-',
      run.stoppedAt ? time(run.stoppedAt) : '-',
      run.reason ?? '',
    ]),
  ]);

/** Follows a run until it has its verdict: its exit code, as `tugboat run --wait`. */
const waitForRun = async (api: ApiClient, cluster: string, run: JobRun, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const { body } = await api.get<Page<JobRun>>(`${jobPath(cluster, run.jobName)}/runs?maxResults=100`);
    const current =
      body.items.find(
        (item) =>
          item.scheduledAt === run.scheduledAt &&
          item.attempt === run.attempt &&
          item.trigger === run.trigger,
      ) ?? run;
    const line = `${current.status}${current.taskId ? ` task ${current.taskId}` : ''}`;
    if (line !== last) {
      last = line;
      console.log(`${time(new Date().toISOString())} run ${line}`);
    }
    if (current.status === 'DONE') {
      const why = current.reason ? ` (${current.reason})` : '';
      console.log(`run ${verdictText(current.verdict)}${why}`);
      if (typeof current.exitCode === 'number') return current.exitCode;
      return current.verdict === 'SUCCEEDED' ? EXIT.ok : EXIT.failed;
    }
    if (Date.now() >= deadline) {
      console.error(c.red(`timed out waiting for the run (still ${current.status})`));
      return EXIT.timeout;
    }
    await sleep(1000);
  }
};

const setSuspend = (program: Command, verb: 'suspend' | 'resume') =>
  program
    .command(verb)
    .description(verb === 'suspend' ? 'record its ticks SKIPPED until resumed' : 'run its ticks again')
    .argument('<name>', 'the job')
    .option(...clusterOption)
    .action(
      exitWith(async (jobName: string, options, cmd: Command) => {
        const { body } = await apiFor(cmd).patch<JobView>(jobPath(options.cluster, jobName), {
          suspend: verb === 'suspend',
        });
        console.log(
          `job ${c.bold(body.jobName)} ${verb === 'suspend' ? 'suspended' : `resumed; next run ${body.nextRuns[0] ? time(body.nextRuns[0]) : '-'}`}`,
        );
        return EXIT.ok;
      }),
    );

const registerJob = (program: Command) => {
  const command = program
    .command('job')
    .description('a scheduled job: its runs with verdicts and exit codes (or run, suspend, resume)')
    .argument('[name]', 'the job')
    .option(...clusterOption)
    .option(...outputOption)
    .action(
      exitWith(async (jobName: string | undefined, options, cmd: Command) => {
        if (!jobName) throw new CliError('name a job: tugboat job <name> (tugboat jobs lists them)');
        const api = apiFor(cmd);
        const { body: job } = await api.get<JobView>(jobPath(options.cluster, jobName));
        const { body: runs } = await api.get<Page<JobRun>>(
          `${jobPath(options.cluster, jobName)}/runs?maxResults=20`,
        );
        if (wantsJson(options)) {
          printJson({ job, runs: runs.items });
          return EXIT.ok;
        }
        console.log(
          `${c.bold(job.jobName)}  ${job.schedule} ${job.timezone}  ${job.taskDefinition}  ${job.concurrencyPolicy}${job.suspend ? c.yellow('  suspended') : ''}`,
        );
        if (job.failing) console.log(c.red(job.failing));
        console.log(`next runs: ${job.nextRuns.map(time).join(', ') || '-'}`);
        console.log(runs.items.length > 0 ? runsTable(runs.items) : 'no runs yet');
        return EXIT.ok;
      }),
    );
  command
    .command('run')
    .description("run the job now, outside its schedule; with --wait, exit with its task's exit code")
    .argument('<name>', 'the job')
    .option(...clusterOption)
    .option('--wait', 'follow the run until it has its verdict')
    .addOption(timeoutOption())
    .action(
      exitWith(async (jobName: string, options, cmd: Command) => {
        const api = apiFor(cmd);
        const { body: run } = await api.post<JobRun>(`${jobPath(options.cluster, jobName)}/runs`, {});
        console.log(`run of ${c.bold(jobName)} ${run.status}${run.taskId ? ` task ${run.taskId}` : ''}`);
        if (run.status === 'DONE') {
          console.error(c.red(`${run.verdict}: ${run.reason ?? ''}`));
          return EXIT.failed;
        }
        return options.wait ? waitForRun(api, options.cluster, run, options.timeout) : EXIT.ok;
      }),
    );
  setSuspend(command, 'suspend');
  setSuspend(command, 'resume');
  examples(
    command,
    'tugboat job nightly-report',
    'tugboat job run nightly-report --wait',
    'tugboat job suspend nightly-report',
  );
};

export const registerJobs = (program: Command) => {
  registerList(program);
  registerJob(program);
};
