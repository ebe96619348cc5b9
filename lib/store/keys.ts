/**
 * Every DynamoDB key Tugboat builds, in one place. One table holds all item types:
 *   task definition revision  PK TASKDEF#<family>             SK REV#<revision, zero-padded>
 *                             GSI1 ECSCOPY_RETIRING / <family>#<revision>   while INACTIVE with an ECS
 *                                  copy not yet deregistered (the scheduler deregisters it once unused)
 *   revision counter          PK TASKDEF#<family>             SK COUNTER   (next revision, by ADD)
 *   service                   PK CLUSTER#<cluster>            SK SERVICE#<serviceName>
 *   service event             PK EVENTS#<cluster>#<service>   SK EVENT#<createdAt>#<id>
 *   task (inventory)          PK TASKS#<cluster>#<service>    SK TASK#<taskId>
 *                             GSI1 ALIVE#<cluster> / <taskArn>   only while the task is not STOPPED
 *                             GSI2 TASKS#<cluster>#<service> / <stoppedAt>#<taskId>   only once STOPPED
 *   live task (its pointer)   PK TASKS#<cluster>#<service>    SK LIVE#<taskId>   (see recent-tasks.ts)
 *   live index complete       PK TASKS#<cluster>#<service>    SK LIVE#
 *   task locator              PK TASKID#<cluster>#<taskId>    SK TASKID  -> the task's service partition
 *   cluster registry          PK CLUSTERS                     SK CLUSTER#<cluster>
 *   task definition families  PK TASKDEF_FAMILIES             SK FAMILY#<family>
 *   reconcile lease           PK LEASE#<cluster>#<service>    SK LEASE
 *   deploy request            PK DEPLOYREQ#<cluster>#<service> SK REQUEST#<requestKey>   (idempotency)
 *   service with autoDeploy   GSI1 AUTODEPLOY / <cluster>#<service>   only while ACTIVE with autoDeploy
 *   shared rate budget        PK RATE#<bucket>                SK RATE   (ECS rates across processes)
 *   scaling state             PK SCALING#<cluster>#<service>  SK STATE
 *                             GSI1 AUTOSCALING#<shard> / <cluster>#<service>   while the service scales
 *   scaling activity          PK SCALINGACT#<cluster>#<service> SK ACT#<startedAt>#<id>
 *   policy metric history     PK SCALINGHIST#<cluster>#<service> SK HOUR#<yyyy-mm-ddThh>   (one an hour)
 *   target group claim        PK TARGETGROUP#<targetGroupArn> SK CLAIM  (the one service using the group)
 *   job                       PK JOBS#<cluster>               SK JOB#<jobName>
 *                             GSI1 JOBS / <cluster>#<jobName>   (every job, for the jobs scheduler)
 *   job cursor                PK JOBCURSOR#<cluster>#<jobName> SK CURSOR   (ticks recorded through)
 *   job run                   PK JOBRUNS#<cluster>#<jobName>  SK RUN#<scheduledAt>#<attempt>#<S|M>
 *   open job run (pointer)    PK JOBRUNS#<cluster>#<jobName>  SK OPEN#<scheduledAt>#<attempt>#<S|M>
 *   job event                 PK JOBEVENTS#<cluster>#<jobName> SK EVENT#<createdAt>#<id>
 * Names cannot contain '#' (validated at the API), so the keys cannot collide.
 */
export interface ItemKey {
  PK: string;
  SK: string;
}

const REVISION_DIGITS = 10;

/** A service's history partition (its events, its scaling activities): entries by instant, then id. */
export interface ServiceLogKeys {
  partition: (cluster: string, serviceName: string) => string;
  sortPrefix: string;
  entry: (cluster: string, serviceName: string, at: string, id: string) => ItemKey;
}

const serviceLog = (partitionPrefix: string, sortPrefix: string): ServiceLogKeys => {
  const partition = (cluster: string, serviceName: string) => `${partitionPrefix}#${cluster}#${serviceName}`;
  return {
    partition,
    sortPrefix,
    entry: (cluster, serviceName, at, id) => ({
      PK: partition(cluster, serviceName),
      SK: `${sortPrefix}${at}#${id}`,
    }),
  };
};
const serviceEvents = serviceLog('EVENTS', 'EVENT#');
const jobEvents = serviceLog('JOBEVENTS', 'EVENT#');
const ATTEMPT_DIGITS = 2;
/** A run's place in its job's partition: by tick, then attempt; S a scheduled run, M a manual one. */
const jobRunSuffix = (scheduledAt: string, attempt: number, trigger: 'SCHEDULE' | 'MANUAL') =>
  `${scheduledAt}#${String(attempt).padStart(ATTEMPT_DIGITS, '0')}#${trigger === 'MANUAL' ? 'M' : 'S'}`;
const scalingActivities = serviceLog('SCALINGACT', 'ACT#');

export const keys = {
  taskDefinitionPartition: (family: string) => `TASKDEF#${family}`,
  taskDefinition: (family: string, revision: number): ItemKey => ({
    PK: keys.taskDefinitionPartition(family),
    SK: `REV#${String(revision).padStart(REVISION_DIGITS, '0')}`,
  }),
  taskDefinitionSortPrefix: 'REV#',
  /** The sparse index of INACTIVE revisions whose ECS copy is still to be deregistered. */
  retiringEcsCopyPartition: 'ECSCOPY_RETIRING',
  retiringEcsCopySortKey: (family: string, revision: number) =>
    `${family}#${String(revision).padStart(REVISION_DIGITS, '0')}`,
  taskDefinitionCounter: (family: string): ItemKey => ({
    PK: keys.taskDefinitionPartition(family),
    SK: 'COUNTER',
  }),

  clusterPartition: (cluster: string) => `CLUSTER#${cluster}`,
  service: (cluster: string, serviceName: string): ItemKey => ({
    PK: keys.clusterPartition(cluster),
    SK: `SERVICE#${serviceName}`,
  }),
  serviceSortPrefix: 'SERVICE#',

  serviceEvents,
  serviceEvent: serviceEvents.entry,

  serviceTasksPartition: (cluster: string, serviceName: string) => `TASKS#${cluster}#${serviceName}`,
  task: (cluster: string, serviceName: string, taskId: string): ItemKey => ({
    PK: keys.serviceTasksPartition(cluster, serviceName),
    SK: `TASK#${taskId}`,
  }),
  taskSortPrefix: 'TASK#',
  /**
   * A pointer to a task that is (or was, a moment ago) not STOPPED: the live tasks of a service are
   * read consistently from these, not from its whole history.
   */
  liveTask: (cluster: string, serviceName: string, taskId: string): ItemKey => ({
    PK: keys.serviceTasksPartition(cluster, serviceName),
    SK: `${keys.liveTaskSortPrefix}${taskId}`,
  }),
  liveTaskSortPrefix: 'LIVE#',
  /** Says every live task of the partition has its pointer; read with them (its SK is the bare prefix). */
  liveIndexComplete: (cluster: string, serviceName: string): ItemKey => ({
    PK: keys.serviceTasksPartition(cluster, serviceName),
    SK: keys.liveTaskSortPrefix,
  }),
  /** The sparse index of stopped tasks by service partition (the table's PK), newest stop last. */
  stoppedTasksIndex: 'GSI2',
  stoppedTaskSortKey: (stoppedAt: string, taskId: string) => `${stoppedAt}#${taskId}`,
  /** Tasks no service claims (one-off tasks, or a group Tugboat does not know) share this partition. */
  unattributedService: '-',
  /** The sparse index: live tasks by cluster, and services with autoDeploy. */
  sparseIndex: 'GSI1',
  aliveTasksPartition: (cluster: string) => `ALIVE#${cluster}`,
  /** Finds a task's item by id alone: it names the service partition the task lives in. */
  taskLocator: (cluster: string, taskId: string): ItemKey => ({
    PK: `TASKID#${cluster}#${taskId}`,
    SK: 'TASKID',
  }),

  clusterRegistryPartition: 'CLUSTERS',
  clusterRegistration: (cluster: string): ItemKey => ({ PK: 'CLUSTERS', SK: `CLUSTER#${cluster}` }),
  clusterRegistrySortPrefix: 'CLUSTER#',

  familyRegistryPartition: 'TASKDEF_FAMILIES',
  familyRegistration: (family: string): ItemKey => ({ PK: 'TASKDEF_FAMILIES', SK: `FAMILY#${family}` }),
  familyRegistrySortPrefix: 'FAMILY#',

  reconcileLease: (cluster: string, serviceName: string): ItemKey => ({
    PK: `LEASE#${cluster}#${serviceName}`,
    SK: 'LEASE',
  }),

  deployRequest: (cluster: string, serviceName: string, requestKey: string): ItemKey => ({
    PK: `DEPLOYREQ#${cluster}#${serviceName}`,
    SK: `REQUEST#${requestKey}`,
  }),
  rateBucket: (bucket: string): ItemKey => ({ PK: `RATE#${bucket}`, SK: 'RATE' }),

  scalingState: (cluster: string, serviceName: string): ItemKey => ({
    PK: `SCALING#${cluster}#${serviceName}`,
    SK: 'STATE',
  }),
  /** The sparse index of scaled services, spread over a few partitions (each evaluation reads them all). */
  autoScalingPartition: (shard: number) => `AUTOSCALING#${shard}`,
  autoScalingShards: 8,
  scalingActivities,
  /** A scaled service's policy metrics of one hour (its start, epoch ms): see scaling-history.ts. */
  scalingHistoryPartition: (cluster: string, serviceName: string) => `SCALINGHIST#${cluster}#${serviceName}`,
  scalingHistoryHour: (hourStart: number) => `HOUR#${new Date(hourStart).toISOString().slice(0, 13)}`,
  /** Sorts after every hour's key. */
  scalingHistoryEnd: 'HOUR#~',

  /** Names the service that uses the target group: a target group serves one service. */
  targetGroupClaim: (targetGroupArn: string): ItemKey => ({
    PK: `TARGETGROUP#${targetGroupArn}`,
    SK: 'CLAIM',
  }),

  jobPartition: (cluster: string) => `JOBS#${cluster}`,
  job: (cluster: string, jobName: string): ItemKey => ({ PK: `JOBS#${cluster}`, SK: `JOB#${jobName}` }),
  jobSortPrefix: 'JOB#',
  /** Every job, in the sparse index: the jobs scheduler's one Query. */
  allJobsPartition: 'JOBS',
  allJobsSortKey: (cluster: string, jobName: string) => `${cluster}#${jobName}`,
  jobCursor: (cluster: string, jobName: string): ItemKey => ({
    PK: `JOBCURSOR#${cluster}#${jobName}`,
    SK: 'CURSOR',
  }),
  jobRunsPartition: (cluster: string, jobName: string) => `JOBRUNS#${cluster}#${jobName}`,
  jobRun: (
    cluster: string,
    jobName: string,
    scheduledAt: string,
    attempt: number,
    trigger: 'SCHEDULE' | 'MANUAL',
  ): ItemKey => ({
    PK: keys.jobRunsPartition(cluster, jobName),
    SK: `${keys.jobRunSortPrefix}${jobRunSuffix(scheduledAt, attempt, trigger)}`,
  }),
  jobRunSortPrefix: 'RUN#',
  /** Points at a run that is not DONE, or waits for its retry: a pass reads these, not the history. */
  openJobRun: (
    cluster: string,
    jobName: string,
    scheduledAt: string,
    attempt: number,
    trigger: 'SCHEDULE' | 'MANUAL',
  ): ItemKey => ({
    PK: keys.jobRunsPartition(cluster, jobName),
    SK: `${keys.openJobRunSortPrefix}${jobRunSuffix(scheduledAt, attempt, trigger)}`,
  }),
  openJobRunSortPrefix: 'OPEN#',
  jobEvents,

  autoDeployPartition: 'AUTODEPLOY',
  autoDeploySortKey: (cluster: string, serviceName: string) => `${cluster}#${serviceName}`,
} as const;

export const ITEM_TYPE = {
  taskDefinition: 'TaskDefinition',
  revisionCounter: 'RevisionCounter',
  service: 'Service',
  serviceEvent: 'ServiceEvent',
  task: 'Task',
  liveTask: 'LiveTask',
  liveIndexComplete: 'LiveTaskIndexComplete',
  taskLocator: 'TaskLocator',
  cluster: 'Cluster',
  taskDefinitionFamily: 'TaskDefinitionFamily',
  lease: 'ReconcileLease',
  deployRequest: 'DeployRequest',
  rateBucket: 'RateBucket',
  scalingState: 'ScalingState',
  scalingActivity: 'ScalingActivity',
  scalingHistory: 'ScalingPolicyHistory',
  targetGroupClaim: 'TargetGroupClaim',
  job: 'Job',
  jobCursor: 'JobCursor',
  jobRun: 'JobRun',
  openJobRun: 'OpenJobRun',
  jobEvent: 'JobEvent',
} as const;
