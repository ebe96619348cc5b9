import type { TugboatConfig } from '../config';
import type { Service } from '../domain';
import type { ClusterDirectory } from '../ecs/clusters';
import type { EcsGateway } from '../ecs/gateway';
import type { ElbGateway } from '../elb/gateway';
import { DEFAULT_INSTALLATION } from '../inventory/naming';
import type { ReconcileQueue } from '../queue/reconcile-queue';
import type { PlanResult } from '../reconcile/plan/types';
import type { JobStore } from '../store/jobs';
import type { TugboatStore } from '../store/port';
import type { ScalingStore } from '../store/scaling';
import type { ScalingHistoryStore } from '../store/scaling-history';

/** Who makes a change through the API, and the request's id that follows it everywhere. */
export interface Caller {
  /**
   * The API caller's IAM principal (requestContext.authorizer.iam.userArn), `local` locally; absent for
   * changes no API caller made (an image push).
   */
  principal?: string;
  correlationId: string;
}

/** What every use case needs, injected so tests can fix time and ids. */
export interface UseCaseContext {
  store: TugboatStore;
  config: TugboatConfig;
  now: () => Date;
  newId: () => string;
  /** When given, services can only be created in clusters it knows. */
  clusters?: ClusterDirectory;
  /** When given, a changed service is reconciled at once rather than at the next scheduled pass. */
  reconcileQueue?: ReconcileQueue;
  /** The reconciler's plan of a service from the store alone (no ECS call), for dry runs. */
  planner?: { computePlan(service: Service): Promise<PlanResult> };
  /** Auto scaling's states and activities; without it a service cannot take autoScaling. */
  scaling?: ScalingStore;
  /** Each scaling policy's recent metric readings (the console's charts). */
  scalingHistory?: Pick<ScalingHistoryStore, 'readPolicyPoints'>;
  /** The ECS gateway of a cluster, for use cases that call ECS directly (one-off tasks). */
  ecsFor?: (cluster: string) => EcsGateway;
  /** The API caller of this request: its changes record who made them (audit trail). */
  caller?: Caller;
  /** Elastic Load Balancing, for the target states GET task shows. */
  elb?: () => ElbGateway;
  /** Scheduled jobs' storage; without it the job routes answer 503. */
  jobs?: JobStore;
}

/**
 * Asks for a reconcile of a service that just changed, naming who changed it and the request's
 * correlation id: the pass's service events record both. Best effort: the write already succeeded,
 * and the scheduler finds every service that is not steady on its next pass anyway.
 */
export const requestReconcile = async (
  context: UseCaseContext,
  service: { cluster: string; serviceName: string },
  reason: string,
) => {
  const caller = context.caller;
  try {
    await context.reconcileQueue?.enqueue([
      {
        cluster: service.cluster,
        serviceName: service.serviceName,
        reason,
        ...(caller ? { correlationId: caller.correlationId } : {}),
        ...(caller?.principal ? { principal: caller.principal } : {}),
      },
    ]);
  } catch {
    // The schedule catches up.
  }
};

/** The installation the use cases act for: they see and touch only the tasks it started. */
export const installationOfContext = (context: UseCaseContext): string =>
  context.config.installation ?? DEFAULT_INSTALLATION;

/** Jittered pause between optimistic-locking retries, so racing writers spread out. */
export const sleepBeforeRetry = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** attempt)));

/**
 * No wait of an HTTP API request's ECS call (back-off) ends later than this: the HTTP API gives up at 30 s.
 * A wait for room in an ECS budget is shorter still (the gateway's MAX_ROOM_WAIT_MS).
 */
export const API_CALL_DEADLINE_MS = 20_000;
