/**
 * Storage of scheduled jobs, apart from the main port so its users stay small: the job (its spec, with
 * the optimistic-locking version of a PATCH's If-Match), the scheduler's cursor (apart, so the scheduler
 * never bumps the spec's version), the runs (one item per tick and attempt, created conditionally: the
 * one write that decides who launches a tick), a pointer per open run, and the job's events.
 */
import { DeleteCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Job, JobCursor, JobEvent, JobRun, Page } from '../domain';
import { ConflictError, VersionConflictError } from '../errors';
import { TASK_HISTORY_SECONDS } from '../inventory/retention';
import { DAY_SECONDS } from '../time';
import { ITEM_TYPE, keys } from './keys';
import type { PageRequest } from './port';
import { serviceHistory } from './service-history';
import { expiryAfter, type Item, stripKeys, Table, type TransactItem } from './table';

export interface JobStore {
  /** ConflictError when a job of that name exists in the cluster. */
  createJob(job: Job): Promise<void>;
  getJob(cluster: string, jobName: string): Promise<Job | undefined>;
  listJobs(cluster: string, page: PageRequest): Promise<Page<Job>>;
  /** Every job of every cluster (a sparse index, eventually consistent). */
  listAllJobs(): Promise<Job[]>;
  /** Writes `next` if the stored version is still `next.version - 1`; else VersionConflictError. */
  updateJob(next: Job): Promise<void>;
  /** The job, its cursor and its runs. */
  deleteJob(cluster: string, jobName: string): Promise<void>;
  getJobCursor(cluster: string, jobName: string): Promise<JobCursor | undefined>;
  /** Moves the cursor forward (never back: a slower, doubled pass cannot undo a faster one). */
  advanceJobCursor(cluster: string, jobName: string, through: number): Promise<void>;
  /** Creates the run if no run of its tick and attempt exists; false when one does (another writer's). */
  claimJobRun(run: JobRun): Promise<boolean>;
  getJobRun(key: JobRunKey): Promise<JobRun | undefined>;
  /** Writes `run` if the stored version is `run.version - 1`; false when another writer came first. */
  saveJobRun(run: JobRun): Promise<boolean>;
  /** Runs not DONE, or DONE with a retry to come, oldest first (consistent). */
  listOpenJobRuns(cluster: string, jobName: string): Promise<JobRun[]>;
  /** Newest first. */
  listJobRuns(cluster: string, jobName: string, page: PageRequest): Promise<Page<JobRun>>;
  deleteJobRuns(runs: JobRun[]): Promise<void>;
  addJobEvents(cluster: string, jobName: string, events: JobEvent[]): Promise<void>;
  listJobEvents(cluster: string, jobName: string, page: PageRequest): Promise<Page<JobEvent>>;
}

export type JobRunKey = Pick<JobRun, 'cluster' | 'jobName' | 'scheduledAt' | 'attempt' | 'trigger'>;

export const JOB_EVENT_RETENTION_SECONDS = 90 * DAY_SECONDS;

const runKey = (run: JobRunKey) =>
  keys.jobRun(run.cluster, run.jobName, run.scheduledAt, run.attempt, run.trigger);
const openKey = (run: JobRunKey) =>
  keys.openJobRun(run.cluster, run.jobName, run.scheduledAt, run.attempt, run.trigger);
const isOpen = (run: JobRun) => run.status !== 'DONE' || run.retryAt !== undefined;

const jobItem = (job: Job): Item => ({
  ...keys.job(job.cluster, job.jobName),
  itemType: ITEM_TYPE.job,
  GSI1PK: keys.allJobsPartition,
  GSI1SK: keys.allJobsSortKey(job.cluster, job.jobName),
  ...job,
});

/** A DONE run expires with the task history it points at (30 days). */
const runItem = (run: JobRun): Item => ({
  ...runKey(run),
  itemType: ITEM_TYPE.jobRun,
  ...run,
  ...(isOpen(run)
    ? {}
    : { expiresAt: expiryAfter(Date.parse(run.stoppedAt ?? run.createdAt), TASK_HISTORY_SECONDS) }),
});

export class DynamoDbJobStore implements JobStore {
  private readonly table: Table;
  private readonly events;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.table = new Table(client, tableName);
    this.events = serviceHistory<JobEvent>(
      this.table,
      keys.jobEvents,
      ITEM_TYPE.jobEvent,
      (event) => event.createdAt,
      JOB_EVENT_RETENTION_SECONDS,
    );
  }

  async createJob(job: Job): Promise<void> {
    await this.table.put(
      jobItem(job),
      { ConditionExpression: 'attribute_not_exists(PK)' },
      () => new ConflictError(`Job ${job.jobName} already exists in cluster ${job.cluster}`),
    );
  }

  getJob(cluster: string, jobName: string): Promise<Job | undefined> {
    return this.table.get<Job>(keys.job(cluster, jobName));
  }

  listJobs(cluster: string, page: PageRequest): Promise<Page<Job>> {
    return this.table.queryPage<Job>(keys.jobPartition(cluster), keys.jobSortPrefix, page, true);
  }

  listAllJobs(): Promise<Job[]> {
    return this.table.queryIndexPartition<Job>(keys.allJobsPartition);
  }

  async updateJob(next: Job): Promise<void> {
    await this.table.put(
      jobItem(next),
      {
        ConditionExpression: 'attribute_exists(PK) AND #version = :version',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':version': next.version - 1 },
      },
      () => new VersionConflictError(`Job ${next.jobName} was changed concurrently`),
    );
  }

  async deleteJob(cluster: string, jobName: string): Promise<void> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.jobRunsPartition(cluster, jobName) },
      ProjectionExpression: 'PK, SK',
    });
    const doomed = [keys.job(cluster, jobName), keys.jobCursor(cluster, jobName)];
    for (const item of items) doomed.push({ PK: String(item.PK), SK: String(item.SK) });
    await Promise.all(
      doomed.map((key) =>
        this.table.send(new DeleteCommand({ TableName: this.table.name, Key: key }), 'delete'),
      ),
    );
  }

  getJobCursor(cluster: string, jobName: string): Promise<JobCursor | undefined> {
    return this.table.get<JobCursor>(keys.jobCursor(cluster, jobName));
  }

  async advanceJobCursor(cluster: string, jobName: string, through: number): Promise<void> {
    await this.table.sendIfCondition(
      new UpdateCommand({
        TableName: this.table.name,
        Key: keys.jobCursor(cluster, jobName),
        UpdateExpression: 'SET evaluatedThrough = :through, itemType = :type',
        ConditionExpression: 'attribute_not_exists(evaluatedThrough) OR evaluatedThrough < :through',
        ExpressionAttributeValues: { ':through': through, ':type': ITEM_TYPE.jobCursor },
      }),
    );
  }

  async claimJobRun(run: JobRun): Promise<boolean> {
    const writes: TransactItem[] = [
      {
        Put: {
          TableName: this.table.name,
          Item: runItem(run),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
    ];
    if (isOpen(run)) writes.push(this.pointerPut(run));
    const result = await this.table.transactWrite(writes);
    if (result.written) return true;
    if (result.reasons[0] === 'ConditionalCheckFailed') return false;
    throw new VersionConflictError(
      `Run ${run.scheduledAt} of job ${run.jobName}: ${result.reasons.join(', ')}`,
    );
  }

  getJobRun(key: JobRunKey): Promise<JobRun | undefined> {
    return this.table.get<JobRun>(runKey(key));
  }

  async saveJobRun(run: JobRun): Promise<boolean> {
    const result = await this.table.transactWrite([
      {
        Put: {
          TableName: this.table.name,
          Item: runItem(run),
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': run.version - 1 },
        },
      },
      isOpen(run) ? this.pointerPut(run) : { Delete: { TableName: this.table.name, Key: openKey(run) } },
    ]);
    if (result.written) return true;
    if (result.reasons[0] === 'ConditionalCheckFailed') return false;
    throw new VersionConflictError(
      `Run ${run.scheduledAt} of job ${run.jobName}: ${result.reasons.join(', ')}`,
    );
  }

  private pointerPut(run: JobRun): TransactItem {
    return {
      Put: {
        TableName: this.table.name,
        Item: {
          ...openKey(run),
          itemType: ITEM_TYPE.openJobRun,
          scheduledAt: run.scheduledAt,
          attempt: run.attempt,
          trigger: run.trigger,
        },
      },
    };
  }

  async listOpenJobRuns(cluster: string, jobName: string): Promise<JobRun[]> {
    const pointers = await this.table.queryPartition<JobRunKey>(
      keys.jobRunsPartition(cluster, jobName),
      keys.openJobRunSortPrefix,
    );
    if (pointers.length === 0) return [];
    const found = await this.table.batchGet(
      pointers.map((pointer) => runKey({ ...pointer, cluster, jobName })),
      undefined,
      true,
    );
    return found
      .map((item) => stripKeys<JobRun>(item))
      .filter(isOpen)
      .sort((a, b) => a.scheduledAt.localeCompare(b.scheduledAt) || a.attempt - b.attempt);
  }

  listJobRuns(cluster: string, jobName: string, page: PageRequest): Promise<Page<JobRun>> {
    return this.table.queryPage<JobRun>(
      keys.jobRunsPartition(cluster, jobName),
      keys.jobRunSortPrefix,
      page,
      false,
    );
  }

  async deleteJobRuns(runs: JobRun[]): Promise<void> {
    await Promise.all(
      runs.map((run) =>
        this.table.send(new DeleteCommand({ TableName: this.table.name, Key: runKey(run) }), 'delete'),
      ),
    );
  }

  addJobEvents(cluster: string, jobName: string, events: JobEvent[]): Promise<void> {
    return this.events.add(cluster, jobName, events);
  }

  listJobEvents(cluster: string, jobName: string, page: PageRequest): Promise<Page<JobEvent>> {
    return this.events.newestFirst(cluster, jobName, page);
  }
}
