import type {
  DeployRequest,
  Page,
  Service,
  ServiceEvent,
  TaskDefinition,
  TaskLoadBalancing,
  TaskRecord,
} from '../domain';

export interface PageRequest {
  limit: number;
  nextToken?: string;
  /**
   * false: an eventually consistent read, at half the read units, for a reader that looks again soon
   * anyway (the scheduler's level check); strongly consistent by default.
   */
  consistentRead?: boolean;
}

/** A page of tasks, optionally only those with this desiredStatus and/or lastStatus. */
export interface TaskPageRequest extends PageRequest {
  desiredStatus?: string;
  lastStatus?: string;
}

/**
 * The storage port. Use cases depend on this, never on DynamoDB. Creates fail with ConflictError when
 * the item exists; updates take the version the caller read and fail with VersionConflictError when
 * somebody else wrote in between.
 */
export interface TugboatStore {
  createTaskDefinition(taskDefinition: TaskDefinition): Promise<void>;
  getTaskDefinition(family: string, revision: number): Promise<TaskDefinition | undefined>;
  /** The highest revision of the family, whatever its status. */
  getLatestTaskDefinition(family: string): Promise<TaskDefinition | undefined>;
  getLatestActiveTaskDefinition(family: string): Promise<TaskDefinition | undefined>;
  /** Newest first. */
  listTaskDefinitions(family: string, page: PageRequest): Promise<Page<TaskDefinition>>;
  /** Every family that has a revision, by name (the registry is written with each revision). */
  listTaskDefinitionFamilies(page: PageRequest): Promise<Page<{ family: string }>>;
  /** Writes `next` if the stored version is still `next.version - 1`. */
  updateTaskDefinition(next: TaskDefinition): Promise<void>;
  /**
   * The INACTIVE revisions whose ECS copy is not deregistered yet (awaitsEcsDeregistration), from a sparse
   * index (eventually consistent); usually none, so one small Query.
   */
  listRevisionsAwaitingEcsDeregistration(): Promise<TaskDefinition[]>;
  /**
   * Reserves the family's next revision number with an atomic counter (racing callers get distinct
   * numbers, none loses). Also answers when the previous number was reserved, so a caller can tell a
   * reservation whose writer died (the revision never written) from one still in flight.
   */
  reserveTaskDefinitionRevision(family: string, nowMs: number): Promise<RevisionReservation>;
  /** Moves the counter up to at least `revision` (revisions written without it, or filled). */
  advanceTaskDefinitionCounter(family: string, revision: number): Promise<void>;
  /** Records that every revision up to `revision` exists (never lowers the mark). */
  advanceDenseThrough(family: string, revision: number): Promise<void>;
  /** Revision numbers and registration instants of the revisions strictly between `above` and `below`. */
  listTaskDefinitionStamps(family: string, above: number, below: number): Promise<RevisionStamp[]>;

  /**
   * Creates the service; an existing INACTIVE one of the same name is replaced. The target groups of its
   * load balancers are claimed in the same write: ConflictError naming the service that uses one.
   */
  createService(service: Service): Promise<void>;
  getService(cluster: string, serviceName: string): Promise<Service | undefined>;
  listServices(cluster: string, page: PageRequest): Promise<Page<Service>>;
  /**
   * Writes `next` if the stored service still has `previous`'s version and statusVersion. Target groups
   * `next` uses and `previous` did not are claimed in the same write, as by createService.
   */
  updateService(next: Service, previous: StoredServiceVersion): Promise<void>;

  addServiceEvents(cluster: string, serviceName: string, events: ServiceEvent[]): Promise<void>;
  /** Newest first. */
  listServiceEvents(cluster: string, serviceName: string, page: PageRequest): Promise<Page<ServiceEvent>>;

  /** Remembers that a cluster has services, so the scheduler can enumerate clusters without a Scan. */
  registerCluster(cluster: string): Promise<void>;
  listClusters(): Promise<string[]>;

  /**
   * Stores a task snapshot unless the stored one is as new or newer (by `eventVersion`): events arrive
   * at least once and out of order. Returns whether it was applied.
   */
  recordTask(record: TaskRecord): Promise<boolean>;
  getTask(cluster: string, serviceName: string, taskId: string): Promise<TaskRecord | undefined>;
  /**
   * Sets (or, with `at` undefined, clears) the scheduler's mark that ECS no longer knew the task, on the
   * stored snapshot of `record.eventVersion` only. Returns whether that snapshot was still the stored one.
   */
  markTaskMissing(record: TaskRecord, at: string | undefined): Promise<boolean>;
  /**
   * Replaces the reconciler's load-balancing bookkeeping of an existing task item (whatever its event
   * version: ECS's writes never touch it). Returns false if the item is gone.
   */
  setTaskLoadBalancing(record: TaskRecord, loadBalancing: TaskLoadBalancing): Promise<boolean>;
  /** Every task the inventory holds for the service, STOPPED ones included. */
  listServiceTasks(cluster: string, serviceName: string): Promise<TaskRecord[]>;
  /**
   * What a reconcile pass reads: the service's live tasks (consistently) and its newest stopped ones
   * (RECENT_STOPPED_TASKS, in recent-tasks.ts), in task id order; its read units do not grow with the
   * rest of its history.
   */
  listRecentServiceTasks(cluster: string, serviceName: string): Promise<TaskRecord[]>;
  /**
   * getService and listRecentServiceTasks as a pass starts, the service read consistently in the same
   * BatchGetItem as the live tasks (one call fewer than the two).
   */
  getServiceWithRecentTasks(
    cluster: string,
    serviceName: string,
  ): Promise<{ service: Service | undefined; tasks: TaskRecord[] }>;
  /** Every task of the cluster that is not STOPPED, from the sparse index. */
  listAliveTasks(cluster: string): Promise<TaskRecord[]>;
  /** A task by id alone (through its locator item), whichever partition holds it. */
  findTask(cluster: string, taskId: string): Promise<TaskRecord | undefined>;
  /** One page of a service's task partition (`-` holds tasks no service claims), in task id order. */
  listTaskPage(cluster: string, serviceName: string, page: TaskPageRequest): Promise<Page<TaskRecord>>;
  /** One page of the cluster's tasks that are not STOPPED, from the sparse index. */
  listAliveTaskPage(cluster: string, page: TaskPageRequest): Promise<Page<TaskRecord>>;

  /**
   * A short lease so that one reconciler at a time acts on a service. Given `requestedAfter`, a free
   * lease whose last completed pass started later than that instant answers `superseded` instead: that
   * pass already read everything the request was about (the workqueue de-duplication of a controller).
   */
  acquireLease(
    cluster: string,
    serviceName: string,
    owner: string,
    ttlMs: number,
    nowMs: number,
    requestedAfter?: number,
  ): Promise<LeaseResult>;
  /**
   * What the lease items of these services say: when the scheduler last asked for a pass, and when the
   * last completed pass started (eventually consistent, 100 to a BatchGetItem).
   */
  reconcileMarks(cluster: string, serviceNames: string[]): Promise<Map<string, ReconcileMark>>;
  /** Records that the scheduler asked for a pass of the service at `scheduledAt`. */
  markScheduled(cluster: string, serviceName: string, scheduledAt: number): Promise<void>;
  /** Ends the lease; `completedPassStartedAt` records that the holder's pass completed. */
  releaseLease(
    cluster: string,
    serviceName: string,
    owner: string,
    completedPassStartedAt?: number,
  ): Promise<void>;

  /**
   * A rate budget every process shares, kept as one instant (GCRA's theoretical arrival time, `tat`):
   * reserves `costMs` of the budget's timeline, and answers when the reservation conforms, that is when
   * the caller may spend it. `toleranceMs` is the burst: how far past now the timeline may run before
   * callers wait. Reservations are committed, so callers are served in the order they reserved.
   */
  reserveRate(bucket: string, costMs: number, toleranceMs: number, nowMs: number): Promise<number>;
  /** The real bucket turned out empty (the service throttled us): no budget before now + toleranceMs. */
  drainRate(bucket: string, toleranceMs: number, nowMs: number): Promise<void>;

  /** ACTIVE services with autoDeploy, from a sparse index (eventually consistent), for ECR push events. */
  listAutoDeployServices(): Promise<Service[]>;
  /**
   * Creates the deploy request, or takes over a PENDING one whose lease ended before `nowMs` (keeping
   * its revision and deployment id, with the caller's owner and lease). `claimed` says whether the
   * caller now owns `request`; otherwise it is the stored one (DONE, or PENDING with a live lease).
   */
  claimDeployRequest(
    request: DeployRequest,
    nowMs: number,
  ): Promise<{ claimed: boolean; request: DeployRequest }>;
  /** Writes the owner's progress; VersionConflictError when another worker has taken it over. */
  saveDeployRequest(request: DeployRequest): Promise<void>;
}

/** The service as the writer read it: its versions, and the target groups it used. */
export type StoredServiceVersion = Pick<Service, 'version' | 'statusVersion' | 'status' | 'loadBalancers'>;

/** `held`: another reconciler has the service; `superseded`: a later completed pass answered the request. */
export type LeaseResult = 'acquired' | 'held' | 'superseded';

export interface ReconcileMark {
  /** When the scheduler last asked for a pass of the service (epoch ms). */
  scheduledAt?: number;
  /** When the last pass that ran to its end started (epoch ms). */
  passStartedAt?: number;
}

export interface RevisionReservation {
  revision: number;
  /** When `revision - 1` was reserved (epoch ms); 0 for the first reservation through the counter. */
  previousReservedAt: number;
  /** Every revision up to this one is known to exist (a mark registrations raise as they check). */
  denseThrough: number;
}

export interface RevisionStamp {
  revision: number;
  registeredAt: string;
}
