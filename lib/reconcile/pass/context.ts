/**
 * What every part of a reconcile pass shares: the reconciler's dependencies, the hook after each
 * external call, and the shapes of a pass's cause and outcome.
 */

import type { HookAnswer, HookPayload } from '../../domain';
import type { EcsGateway } from '../../ecs/gateway';
import type { Rate } from '../../ecs/pacer';
import type { ElbGateway } from '../../elb/gateway';
import type { ListenerRules } from '../../elb/rules';
import type { TugboatStore } from '../../store/port';
import type { PlanOptions, PlanResult, TrafficInput } from '../plan/types';

export interface ReconcilerDeps {
  store: TugboatStore;
  /** The ECS gateway of a cluster. */
  ecsFor: (cluster: string) => EcsGateway;
  now: () => number;
  newId: () => string;
  planOptions?: PlanOptions;
  /** This installation's id: its launches carry it in startedBy and its ECS families (default `local`). */
  installation?: string;
  /** How long a lease holds a service (default 60 s); a crashed holder's lease lapses by itself. */
  leaseMs?: number;
  /** Test hook: called after every external call, by name; a throw simulates a crash right there. */
  afterExternalCall?: (call: string) => void;
  /** The launch rate a pass with a deadline plans its launches by (default Fargate's). */
  launchRate?: Rate;
  /** Elastic Load Balancing, for services behind target groups (without it their targets read as unknown). */
  elb?: ElbGateway;
  /** Listener rules, for load balancers with advancedConfiguration (without it no traffic shift advances). */
  listenerRules?: ListenerRules;
  /** CloudWatch alarm states by name, for deployments with alarms. */
  alarmStates?: (names: readonly string[]) => Promise<NonNullable<TrafficInput['alarms']>>;
  /**
   * The load balancer's figures of [start, end) (epoch ms) for a target group and, when asked, its
   * baseline, for deployments with analysis (without it no interval is judged).
   */
  analysisFigures?: (target: AnalysisTarget, start: number, end: number) => Promise<AnalysisFigures>;
  /**
   * Calls a lifecycle hook (a Lambda function, or locally an http:// URL) with ECS's payload, answering
   * within `timeoutMs` or as a failed call (without it no hook is called and hooks wait).
   */
  invokeHook?: (target: string, payload: HookPayload, timeoutMs: number) => Promise<HookAnswer>;
}

/** The groups an analysis interval reads: the new revision's, and the old one's with compareToBaseline. */
export interface AnalysisTarget {
  /** Any ARN of the load balancer (the production or test listener rule will do). */
  loadBalancerArn: string;
  targetGroupArn: string;
  baselineTargetGroupArn?: string;
}
export type AnalysisFigures = Pick<NonNullable<TrafficInput['analysis']>, 'canary' | 'baseline'>;

/** What caused a pass: the request's correlation id and, for a change through the API, who made it. */
export interface PassCause {
  correlationId?: string;
  principal?: string;
}

/** How one pass runs: what caused it (its service events record it), and when it must stop. */
export interface PassOptions extends PassCause {
  /**
   * Epoch ms on deps.now(): the pass starts no work after it, and commits only the launches it can
   * make before it (the Lambda's remaining time minus a margin).
   */
  deadline?: number;
  /** Read every target group of the service, none taken from the inventory (ReconcileRequest's). */
  readTargetGroups?: boolean;
}

export type ReconcileOutcome =
  | { status: 'reconciled'; plan: PlanResult; launched: number; stopped: number; wakeInMs?: number }
  | { status: 'busy' }
  | { status: 'gone' }
  /** A pass that started after the request completed meanwhile: nothing left to do for it. */
  | { status: 'superseded' };

/**
 * A pass answers a request only if it started this much later than the request was made: the two
 * instants come from different machines' clocks. (Here, not in reconcile.ts, so that the scheduler
 * can read it without bundling the reconciler.)
 */
export const CLOCK_SKEW_MARGIN_MS = 1_000;

export interface PassContext {
  deps: ReconcilerDeps;
  /** Reports an external call by name (the deps' test hook). */
  called: (name: string) => void;
}

export const passContext = (deps: ReconcilerDeps): PassContext => ({
  deps,
  called: (name) => deps.afterExternalCall?.(name),
});
