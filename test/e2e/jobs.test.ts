import { describe, expect, it, vi } from 'vitest';
import { useTestStack } from '../support/stack';
import { eventually } from '../support/waiting';

const MIN = 60_000;
const network = { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } };
const JOBS = '/clusters/default/jobs';

/** Scheduled jobs through the HTTP API, on the local ECS endpoint's virtual clock. */
vi.setConfig({ testTimeout: 90_000 });
// The local stack keeps Powertools' metrics off; this file reads the jobs scheduler's.
process.env.POWERTOOLS_METRICS_DISABLED = 'false';

const local = useTestStack({
  timing: 'virtual',
  ecs: { startMs: 2_000, stopMs: 1_000, crashAfterMs: 1_000 },
  contract: true,
});

/** Moves the virtual clock (delivering ECS's events), then runs one jobs scheduler pass. */
const advance = async (ms: number) => {
  local.stack.ecs.ecs.advance(ms);
  await local.stack.ecs.drainEvents();
  await local.stack.runJobsScheduler();
};

/** To just after the next minute's tick, then a pass. */
const toNextTick = async () => {
  const now = local.stack.ecs.ecs.now();
  await advance(MIN - (now % MIN) + 500);
};

const runsOf = async (jobName: string) => {
  const response = await local.api.get(`${JOBS}/${jobName}/runs`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.items as Array<Record<string, unknown>>;
};

/** Waits until the task events reached the inventory (SQS between), then passes again. */
const settled = (jobName: string, predicate: (runs: Array<Record<string, unknown>>) => boolean) =>
  eventually(`${jobName}'s runs`, async () => {
    await local.stack.runJobsScheduler();
    const runs = await runsOf(jobName);
    return predicate(runs) ? runs : undefined;
  });

const register = async (family: string, image: string) => {
  const response = await local.api.post('/task-definitions', {
    family,
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name: 'app', image }],
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
};

const create = async (body: Record<string, unknown>) => {
  const response = await local.api.post(JOBS, {
    schedule: 'cron(* * * * ? *)',
    networkConfiguration: network,
    ...body,
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response;
};

describe('scheduled jobs through the API', () => {
  it('refuses an unknown cluster, a bad schedule or time zone and anything finer than a minute, naming the field', async () => {
    await register('report', 'report:exit0');
    const body = {
      jobName: 'bad',
      taskDefinition: 'report',
      schedule: 'cron(0 3 * * ? *)',
      networkConfiguration: network,
    };
    const unknown = await local.api.post('/clusters/nowhere/jobs', body);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe('Cluster nowhere not found');
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ schedule: 'cron(0 3 * * *)' }, /^Invalid request body: schedule: cron\(\) takes six fields/],
      [{ schedule: 'cron(0 25 * * ? *)' }, /^Invalid request body: schedule: /],
      [{ schedule: 'rate(30 seconds)' }, /^Invalid request body: schedule: more frequent than once a minute/],
      [{ timezone: 'Europe/Atlantis' }, /^Invalid request body: timezone: /],
      [{ concurrencyPolicy: 'Sometimes' }, /concurrencyPolicy: /],
      [{ retry: { attempts: 11 } }, /retry\.attempts: must be between 0 and 10/],
      [{ taskDefinition: 'missing' }, /taskDefinition: /],
    ];
    for (const [change, message] of cases) {
      const response = await local.api.post(JOBS, { ...body, ...change });
      expect(response.status, JSON.stringify(change)).toBe(400);
      expect(response.body.error.message).toMatch(message);
    }
  });

  it('creates a job with the defaults and its next five ticks, runs each tick once and records its verdict', async () => {
    const response = await create({ jobName: 'report', taskDefinition: 'report' });
    expect(response.headers.get('etag')).toBe('"1"');
    expect(response.body).toMatchObject({
      jobName: 'report',
      timezone: 'UTC',
      concurrencyPolicy: 'Allow',
      suspend: false,
      retry: { attempts: 0, backoffSeconds: 30 },
      successfulRunsHistoryLimit: 100,
      failedRunsHistoryLimit: 100,
      consecutiveFailures: 0,
    });
    const next = (response.body.nextRuns as string[]).map(Date.parse);
    expect(next).toHaveLength(5);
    expect(next.every((at, index) => index === 0 || at - next[index - 1]! === MIN)).toBe(true);

    await toNextTick();
    await local.stack.runJobsScheduler();
    const [launched] = await runsOf('report');
    expect(launched).toMatchObject({ trigger: 'SCHEDULE', attempt: 1, taskDefinition: 'report:1' });
    expect(launched!.scheduledAt).toBe(new Date(next[0]!).toISOString());
    expect(launched!.taskId).toMatch(/^[0-9a-f]{32}$/);

    await advance(10_000);
    const [done] = await settled('report', (runs) => runs[0]?.status === 'DONE');
    expect(done).toMatchObject({ verdict: 'SUCCEEDED', exitCode: 0, taskId: launched!.taskId });
    const job = await local.api.get(`${JOBS}/report`);
    expect(job.body).toMatchObject({ lastVerdict: 'SUCCEEDED', consecutiveFailures: 0 });
  });

  it('changes a job with If-Match; suspended, its ticks are recorded SKIPPED', async () => {
    const stale = await local.api.patch(`${JOBS}/report`, { suspend: true }, { 'if-match': '"7"' });
    expect(stale.status).toBe(412);
    const patched = await local.api.patch(`${JOBS}/report`, { suspend: true }, { 'if-match': '"1"' });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.headers.get('etag')).toBe('"2"');
    expect(patched.body).toMatchObject({ suspend: true, nextRuns: [] });
    await toNextTick();
    const [skipped] = await runsOf('report');
    expect(skipped).toMatchObject({ verdict: 'SKIPPED', reason: 'the job is suspended' });
    // Out of the way of the next tests' hours of virtual time.
    expect((await local.api.delete(`${JOBS}/report`)).status).toBe(200);
  });

  it('records a non-zero exit FAILED, retries it after its backoff, and says the job is failing', async () => {
    // The scheduler's metrics (embedded metric format) go to stdout: JobRunsFailed, by job name.
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk, ...rest) => {
      written.push(String(chunk));
      return write(chunk as string, ...(rest as []));
    });
    await register('flaky', 'flaky:exit3');
    await create({
      jobName: 'flaky',
      taskDefinition: 'flaky',
      schedule: 'rate(1 hour)',
      retry: { attempts: 1, backoffSeconds: 20 },
    });
    await advance(61 * MIN);
    await advance(10_000);
    const [failed] = await settled('flaky', (runs) => runs[0]?.verdict === 'FAILED');
    expect(failed).toMatchObject({ attempt: 1, exitCode: 3, reason: expect.stringMatching(/^exit code 3/) });
    expect(failed!.retryAt).toBeDefined();
    await advance(30_000);
    const retried = await runsOf('flaky');
    expect(retried.map((run) => run.attempt)).toEqual([2, 1]);
    expect(retried[0]!.scheduledAt).toBe(failed!.scheduledAt);
    await advance(10_000);
    await settled('flaky', (runs) => runs[0]?.verdict === 'FAILED' && runs[0]?.attempt === 2);
    const job = await local.api.get(`${JOBS}/flaky`);
    expect(job.body).toMatchObject({
      lastVerdict: 'FAILED',
      consecutiveFailures: 2,
      failing: 'the last 2 finished runs failed',
    });
    const events = await local.runtime.jobs.listJobEvents('default', 'flaky', { limit: 10 });
    expect(events.items.map((event) => event.verdict)).toEqual(['FAILED', 'FAILED']);
    spy.mockRestore();
    const failures = written
      .flatMap((text) => text.split('\n'))
      .filter((line) => line.includes('"JobRunsFailed"'))
      .map((line) => JSON.parse(line) as { JobName?: string; JobRunsFailed?: number; _aws: unknown });
    expect(failures.map((metric) => [metric.JobName, metric.JobRunsFailed])).toEqual([
      ['flaky', 1],
      ['flaky', 1],
    ]);
  });

  it('shows the jobs on the console Jobs page, their runs coloured by verdict', async () => {
    const page = await fetch(`${local.stack.apiUrl}/console/jobs`);
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toMatch(/data-job="flaky"[\s\S]*every hour/);
    expect(text).toMatch(/class="run FAILED"[^>]*href="\/console\/clusters\/default\/tasks\/[0-9a-f]{32}"/);
  });

  it('runs a job now, outside its schedule', async () => {
    const response = await local.api.post(`${JOBS}/flaky/runs`, {});
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({ trigger: 'MANUAL', attempt: 1, status: 'RUNNING' });
    expect((await runsOf('flaky'))[0]).toMatchObject({ trigger: 'MANUAL', taskId: response.body.taskId });
  });

  it('stops a run past timeoutSeconds as TIMED_OUT, and DELETE ?stopRuns=true stops the live ones', async () => {
    await register('forever', 'worker:1');
    await create({
      jobName: 'slow',
      taskDefinition: 'forever',
      schedule: 'rate(5 minutes)',
      timeoutSeconds: 90,
    });
    await advance(5 * MIN + 1_000);
    await advance(10_000);
    expect((await runsOf('slow'))[0]).toMatchObject({ status: 'RUNNING' });
    await advance(2 * MIN);
    const [timedOut] = await runsOf('slow');
    expect(timedOut).toMatchObject({ verdict: 'TIMED_OUT', reason: 'ran longer than timeoutSeconds (90 s)' });
    const task = await local.api.get(`/clusters/default/tasks/${timedOut!.taskId}`);
    expect(task.body.desiredStatus).toBe('STOPPED');

    await create({ jobName: 'live', taskDefinition: 'forever', schedule: 'rate(1 day)' });
    const run = await local.api.post(`${JOBS}/live/runs`, {});
    expect(run.status).toBe(201);
    const listed = await local.api.get(JOBS);
    expect(listed.body.items.map((job: { jobName: string }) => job.jobName)).toEqual([
      'flaky',
      'live',
      'slow',
    ]);
    const deleted = await local.api.delete(`${JOBS}/live?stopRuns=true`);
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect((await local.api.get(`/clusters/default/tasks/${run.body.taskId}`)).body.desiredStatus).toBe(
      'STOPPED',
    );
    expect((await local.api.get(`${JOBS}/live`)).status).toBe(404);
    expect(local.checkedCount()).toBeGreaterThan(20);
  });
});
