/**
 * Progressive delivery on ECS's shapes: the deployment strategies (ROLLING, BLUE_GREEN, CANARY, LINEAR),
 * the alternate target group and listener rules a load balancer shifts traffic with, CloudWatch alarms
 * that roll a deployment back, and the traffic shift a non-rolling deployment records stage by stage.
 */
import type { ApprovalState } from './approval';
import type { HookExecution, LifecycleHook } from './lifecycle-hooks';

/** ECS DeploymentStrategy. ROLLING is the default and Tugboat's rolling update. */
export type DeploymentStrategy = 'ROLLING' | 'BLUE_GREEN' | 'CANARY' | 'LINEAR';

/** ECS CanaryConfiguration: canaryPercent 0.1..100 (multiples of 0.1, default 5), bake 0..1440 (default 10). */
export interface CanaryConfiguration {
  canaryPercent?: number;
  canaryBakeTimeInMinutes?: number;
}

/** ECS LinearConfiguration: stepPercent 3..100 (multiples of 0.1, default 10), bake 0..1440 (default 6). */
export interface LinearConfiguration {
  stepPercent?: number;
  stepBakeTimeInMinutes?: number;
}

/** ECS DeploymentAlarms: any named alarm in ALARM fails the deployment; with rollback, traffic goes back. */
export interface DeploymentAlarms {
  alarmNames: string[];
  enable: boolean;
  rollback: boolean;
}

/** ECS AdvancedConfiguration of a load balancer: what a non-rolling deployment shifts traffic with. */
export interface AdvancedConfiguration {
  alternateTargetGroupArn: string;
  /** A listener rule ARN, or a listener ARN (its default action). */
  productionListenerRule?: string;
  testListenerRule?: string;
  /** Accepted and shown as ECS does; Tugboat calls ELB with its own role. */
  roleArn?: string;
}

export const DEFAULT_CANARY_PERCENT = 5;
export const DEFAULT_CANARY_BAKE_MINUTES = 10;
export const DEFAULT_STEP_PERCENT = 10;
export const DEFAULT_STEP_BAKE_MINUTES = 6;

/**
 * ECS's lifecycle stages a traffic shift passes through (the names its lifecycle hooks use), plus
 * ROLLBACK: production back to the old group, the new tasks draining.
 */
export type TrafficStage =
  | 'SCALE_UP'
  | 'TEST_TRAFFIC_SHIFT'
  | 'PRODUCTION_TRAFFIC_SHIFT'
  | 'BAKE_TIME'
  | 'CLEAN_UP'
  | 'ROLLBACK';

/** One load balancer's pair of target groups in a traffic shift: `from` serves, `to` gets the new tasks. */
export interface TrafficRoute {
  /** The load balancer entry's own targetGroupArn (the key of Service.servingTargetGroups). */
  targetGroupArn: string;
  from: string;
  to: string;
  productionListenerRule?: string;
  testListenerRule?: string;
}

/**
 * The traffic shift of a non-rolling deployment: its strategy and settings as they were when it was made
 * (a strategy change applies from the next deployment), the stage and when it began, and the
 * percentage of production traffic meant for the new group now.
 */
export interface TrafficShift {
  strategy: Exclude<DeploymentStrategy, 'ROLLING'>;
  stage: TrafficStage;
  /** ISO instant the stage began. */
  stageStartedAt: string;
  /** Percent of production traffic the new group should take (0..100). */
  productionPercent: number;
  routes: TrafficRoute[];
  bakeTimeInMinutes: number;
  canaryPercent?: number;
  canaryBakeTimeInMinutes?: number;
  stepPercent?: number;
  stepBakeTimeInMinutes?: number;
  alarms?: DeploymentAlarms;
  /** A hold at a stage until someone continues the deployment. */
  approval?: ApprovalState;
  /**
   * Metric analysis in this stage (cleared at each stage change): when an interval of it first passed,
   * kept since the deployment keeps only its last intervals and a long bake outlives them.
   */
  analysisPassedAt?: string;
  /** Since when the stage, its bake time over, waits for an analysis interval that passes. */
  analysisHeldAt?: string;
  /** The service's lifecycle hooks when the deployment was made (a change applies from the next one). */
  lifecycleHooks?: LifecycleHook[];
  /** RECONCILE_SERVICE applies: more than one deployment was ACTIVE when this one started (ECS). */
  reconcileService?: boolean;
  /** hookKey()s of the hooks that SUCCEEDED in the current stage (or step); a new stage clears them. */
  hooksPassed?: string[];
  /** The hook execution under way. */
  hook?: HookExecution;
}

/** ELB forward weights are integers 0..999; Tugboat splits 1000 so a 0.1 % canary is exact. */
export const WEIGHT_SCALE = 1000;

/** The forward weights (old group, new group) for `percent` of production traffic to the new group. */
export const weightsFor = (percent: number): { from: number; to: number } => {
  const to = Math.round((Math.min(100, Math.max(0, percent)) * WEIGHT_SCALE) / 100);
  // ELB's weights stop at 999: all of the traffic to one group is 1 and 0.
  if (to >= WEIGHT_SCALE) return { from: 0, to: 1 };
  if (to <= 0) return { from: 1, to: 0 };
  return { from: WEIGHT_SCALE - to, to };
};
