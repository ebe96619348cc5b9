/**
 * Tugboat's ECS gateway: the calls the executor makes, on an injected ECSClient, with ECS's per-call limits
 * (RunTask up to 10 tasks, DescribeTasks up to 100) and paging handled here.
 *
 * Throttling: the SDK's standard retry strategy does exponential backoff with full jitter, but it also spends
 * a client-wide retry quota (500 tokens, 5 per retry) and stops retrying once that is drained, which is
 * exactly what a reconciler fanning out thousands of calls hits; and it sleeps on real timers with
 * Math.random, which cannot be tested deterministically. So the gateway retries ThrottlingException itself,
 * with full jitter (delay = random() * min(maxDelay, baseDelay * 2^attempt)) and injectable sleep/random.
 * Build the client with `maxAttempts: 1` (see createEcsClientForGateway) so the two do not stack.
 * Transient failures (5xx, timeouts, connection resets: see errors.ts) are retried the same way; a
 * RunTask made again after one keeps its clientToken, so ECS answers a launch it already made with the
 * same tasks. ECS's refusals (4xx) are not retried.
 */
import {
  type CapacityProviderStrategyItem,
  DeregisterTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  type ECSClientConfig,
  type Failure,
  ListTasksCommand,
  type NetworkConfiguration,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  RunTaskCommand,
  StopTaskCommand,
  type Tag,
  type Task,
  type TaskDefinition,
  type TaskOverride,
} from '@aws-sdk/client-ecs';
import { MAX_TASKS_PER_RUN_TASK } from '../domain';
import { DependencyError, ValidationError } from '../errors';
import { classifyEcsError } from './errors';
import { MAX_ROOM_WAIT_MS, type Pacer, PacingDeadlineError } from './pacer';

export const maxTasksPerDescribe = 100;

export interface RetryPolicy {
  /** Attempts in all, the first included (default 8). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 20_000 };

export interface EcsGatewayOptions {
  client: ECSClient;
  cluster: string;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** The clock deadlines are on (default Date.now). */
  now?: () => number;
  /** Waits for launch room before each RunTask attempt (see pacer.ts). */
  launchPacer?: Pacer;
  /** Waits for read room before each ListTasks and DescribeTasks attempt (see pacer.ts). */
  readPacer?: Pacer;
  /** Waits for room before each RegisterTaskDefinition attempt (see pacer.ts). */
  registrationPacer?: Pacer;
  /**
   * ECS's cluster-resource modify budget, which RunTask and StopTask share: each StopTask attempt waits
   * for room, and each RunTask call ECS answered is charged to it (see pacer.ts).
   */
  modifyPacer?: Pacer;
  /**
   * The longest a call with a deadline waits for room (default MAX_ROOM_WAIT_MS): a longer wait throws
   * PacingDeadlineError, so a pass gives its worker back rather than sleeping on it while other
   * services' passes queue behind it.
   */
  maxRoomWaitMs?: number;
}

export interface RunTasksRequest {
  taskDefinition: string;
  count: number;
  /** Required: the executor's idempotency key (1-64 ASCII characters 33-126). */
  clientToken: string;
  startedBy?: string;
  group?: string;
  launchType?: 'FARGATE';
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  networkConfiguration: NetworkConfiguration;
  overrides?: TaskOverride;
  tags?: Tag[];
  /**
   * Epoch ms: no wait (launch room, back-off) may end after it; such a wait throws PacingDeadlineError
   * (no room) or DependencyError (still failing) instead.
   */
  deadline?: number;
  /**
   * A launch committed earlier, which ECS may already have made: the first attempt goes without a launch
   * reservation (ECS answers a made launch from its clientToken, at no cost to the launch budget), and
   * only tasks ECS launched just now are charged to it.
   */
  replay?: boolean;
}

export interface TaskListFilter {
  family?: string;
  startedBy?: string;
  serviceName?: string;
  desiredStatus?: 'RUNNING' | 'PENDING' | 'STOPPED';
}

export interface EcsGateway {
  runTasks(request: RunTasksRequest): Promise<{ tasks: Task[]; failures: Failure[] }>;
  /**
   * With a `deadline` (epoch ms on the gateway's clock), throws PacingDeadlineError instead of waiting
   * for room in the modify budget past it; no retry back-off ends after it either.
   */
  stopTask(task: string, reason: string, deadline?: number): Promise<Task | undefined>;
  /** Any number of tasks; asks ECS 100 at a time. */
  describeTasks(tasks: string[]): Promise<{ tasks: Task[]; failures: Failure[] }>;
  /** Every page. */
  listTasks(filter?: TaskListFilter): Promise<string[]>;
  /**
   * With a `deadline` (epoch ms on the gateway's clock), throws PacingDeadlineError instead of waiting
   * for registration room past it.
   */
  registerTaskDefinition(
    input: RegisterTaskDefinitionCommandInput,
    deadline?: number,
  ): Promise<TaskDefinition>;
  /**
   * By ARN (`family:revision` of ECS's own numbering); an unknown one is not an error. It spends the same
   * ECS budget as a registration, so it waits for the same room (with a `deadline`, as a registration does).
   */
  deregisterTaskDefinition(taskDefinitionArn: string, deadline?: number): Promise<void>;
}

/** An ECSClient whose own retries leave ThrottlingException to the gateway. */
export const createEcsClientForGateway = (config: ECSClientConfig = {}): ECSClient =>
  new ECSClient({ maxAttempts: 1, ...config });

export const isThrottling = (error: unknown): boolean =>
  error instanceof Error &&
  (error.name === 'ThrottlingException' || error.name === 'TooManyRequestsException');

/** A task created this long before the call was made is one ECS made for an earlier call (clock skew aside). */
const FRESH_LAUNCH_WINDOW_MS = 5_000;

/** Full jitter: uniformly random in [0, min(maxDelay, base * 2^attempt)). */
export const retryDelayMs = (attempt: number, policy: RetryPolicy, random: () => number): number =>
  Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt));

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const createEcsGateway = (options: EcsGatewayOptions): EcsGateway => {
  const { client, cluster } = options;
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.retry };
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;

  interface Pacing {
    pacer: Pacer | undefined;
    tokens: number;
    deadline?: number;
    /** The first attempt reserves nothing (a replay). */
    unpacedFirst?: boolean;
    /** An attempt after a transient failure reserves nothing: ECS may have applied the failed one. */
    idempotent?: boolean;
  }

  /**
   * Retries throttled and transient failures with jittered back-off; with a pacer, each attempt first
   * waits for `tokens`. `paced(attempt)` tells the caller whether that attempt reserved its tokens.
   */
  const withRetry = async <T>(
    operation: string,
    call: (reserved: boolean) => Promise<T>,
    pacing?: Pacing,
  ): Promise<T> => {
    let previous: ReturnType<typeof classifyEcsError> | undefined;
    let sentBefore = false;
    for (let attempt = 0; ; attempt++) {
      try {
        const reserve =
          pacing?.pacer !== undefined &&
          !(attempt === 0 && pacing.unpacedFirst) &&
          !(previous === 'transient' && pacing.idempotent);
        if (reserve) await pacing?.pacer?.reserve(pacing.tokens, roomDeadline(pacing.deadline));
        return await call(reserve);
      } catch (error) {
        if (error instanceof PacingDeadlineError) {
          // Sent before only if an earlier attempt failed transiently (a throttled call is not applied).
          error.mayHaveLaunched = sentBefore;
          throw error;
        }
        const kind = classifyEcsError(error);
        if (kind !== 'throttling' && kind !== 'transient') throw error;
        previous = kind;
        if (kind === 'transient') sentBefore = true;
        if (kind === 'throttling') await pacing?.pacer?.exhausted();
        const what = kind === 'throttling' ? 'throttled' : `failing (${(error as Error).name})`;
        if (attempt + 1 >= policy.maxAttempts) {
          throw new DependencyError(
            `ECS ${operation} still ${what} after ${policy.maxAttempts} attempts`,
            error,
          );
        }
        const delay = retryDelayMs(attempt, policy, random);
        if (pacing?.deadline !== undefined && now() + delay > pacing.deadline) {
          throw new DependencyError(`ECS ${operation} still ${what} at the pass's deadline`, error);
        }
        await sleep(delay);
      }
    }
  };

  const maxRoomWaitMs = options.maxRoomWaitMs ?? MAX_ROOM_WAIT_MS;
  /** A call with a deadline waits for room until the deadline or maxRoomWaitMs from now, whichever is first. */
  const roomDeadline = (deadline: number | undefined) =>
    deadline === undefined ? undefined : Math.min(deadline, now() + maxRoomWaitMs);

  const reads = { pacer: options.readPacer, tokens: 1 };

  /**
   * A call that is not a launch, paced one token an attempt. Held back, it launched nothing, whatever its
   * earlier attempts sent (mayHaveLaunched speaks of RunTask's tasks only).
   */
  const withRoom = <T>(operation: string, call: () => Promise<T>, pacer?: Pacer, deadline?: number) =>
    withRetry(operation, call, { pacer, tokens: 1, ...(deadline === undefined ? {} : { deadline }) }).catch(
      (error: unknown) => {
        if (error instanceof PacingDeadlineError) error.mayHaveLaunched = false;
        throw error;
      },
    );

  return {
    async runTasks(request) {
      if (!Number.isInteger(request.count) || request.count < 1 || request.count > MAX_TASKS_PER_RUN_TASK) {
        throw new ValidationError(
          `RunTask launches 1 to ${MAX_TASKS_PER_RUN_TASK} tasks per call, not ${request.count}`,
        );
      }
      if (!/^[\x21-\x7e]{1,64}$/.test(request.clientToken)) {
        throw new ValidationError('clientToken must be 1-64 ASCII characters in the range 33-126');
      }
      const pacer = options.launchPacer;
      let unreserved = false;
      let sentAt = 0;
      const output = await withRetry(
        'RunTask',
        (reserved) => {
          unreserved = !reserved;
          sentAt = now();
          return client.send(
            new RunTaskCommand({
              cluster,
              taskDefinition: request.taskDefinition,
              count: request.count,
              clientToken: request.clientToken,
              startedBy: request.startedBy,
              group: request.group,
              launchType: request.capacityProviderStrategy ? undefined : (request.launchType ?? 'FARGATE'),
              capacityProviderStrategy: request.capacityProviderStrategy,
              networkConfiguration: request.networkConfiguration,
              overrides: request.overrides,
              tags: request.tags,
            }),
          );
        },
        {
          pacer,
          tokens: request.count,
          ...(request.deadline === undefined ? {} : { deadline: request.deadline }),
          unpacedFirst: request.replay === true,
          idempotent: true,
        },
      );
      const tasks = output.tasks ?? [];
      await options.modifyPacer?.charge(1);
      if (pacer && unreserved) {
        // Made without a reservation: what ECS launched just now still spent launch room.
        const fresh = tasks.filter(
          (task) =>
            task.createdAt === undefined || task.createdAt.getTime() >= sentAt - FRESH_LAUNCH_WINDOW_MS,
        ).length;
        if (fresh > 0) await pacer.charge(fresh);
      }
      return { tasks, failures: output.failures ?? [] };
    },

    async stopTask(task, reason, deadline) {
      const output = await withRoom(
        'StopTask',
        () => client.send(new StopTaskCommand({ cluster, task, reason })),
        options.modifyPacer,
        deadline,
      );
      return output.task;
    },

    async describeTasks(taskArns) {
      const tasks: Task[] = [];
      const failures: Failure[] = [];
      for (let start = 0; start < taskArns.length; start += maxTasksPerDescribe) {
        const batch = taskArns.slice(start, start + maxTasksPerDescribe);
        const output = await withRetry(
          'DescribeTasks',
          () => client.send(new DescribeTasksCommand({ cluster, tasks: batch, include: ['TAGS'] })),
          reads,
        );
        tasks.push(...(output.tasks ?? []));
        failures.push(...(output.failures ?? []));
      }
      return { tasks, failures };
    },

    async listTasks(filter = {}) {
      // Not the SDK's paginateListTasks: each page needs its own throttling retry.
      const arns: string[] = [];
      let nextToken: string | undefined;
      do {
        const token = nextToken;
        const output = await withRetry(
          'ListTasks',
          () => client.send(new ListTasksCommand({ cluster, ...filter, maxResults: 100, nextToken: token })),
          reads,
        );
        arns.push(...(output.taskArns ?? []));
        nextToken = output.nextToken;
      } while (nextToken);
      return arns;
    },

    async registerTaskDefinition(input, deadline) {
      const output = await withRoom(
        'RegisterTaskDefinition',
        () => client.send(new RegisterTaskDefinitionCommand(input)),
        options.registrationPacer,
        deadline,
      );
      if (!output.taskDefinition)
        throw new DependencyError('ECS RegisterTaskDefinition returned no task definition');
      return output.taskDefinition;
    },

    async deregisterTaskDefinition(taskDefinitionArn, deadline) {
      try {
        await withRoom(
          'DeregisterTaskDefinition',
          () => client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: taskDefinitionArn })),
          options.registrationPacer,
          deadline,
        );
      } catch (error) {
        // Already gone from ECS (deregistered, or deleted by hand): nothing left to do.
        if (error instanceof Error && /ClientException|InvalidParameterException/.test(error.name)) return;
        throw error;
      }
    },
  };
};
