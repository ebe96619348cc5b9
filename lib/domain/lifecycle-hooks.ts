/**
 * ECS deployment lifecycle hooks (DeploymentLifecycleHook) on a BLUE_GREEN, CANARY or LINEAR deployment:
 * at each named stage Tugboat invokes the hook's Lambda function (or, locally, POSTs to an http:// URL)
 * with ECS's payload and acts on its answer: SUCCEEDED moves on, FAILED rolls back, IN_PROGRESS calls
 * again after callBackDelay seconds, until the hook's timeout.
 */

/** ECS DeploymentLifecycleHookStage, in the order a deployment reaches them. */
export const LIFECYCLE_HOOK_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
] as const;
export type LifecycleHookStage = (typeof LIFECYCLE_HOOK_STAGES)[number];

/** ECS DeploymentLifecycleHookTimeoutConfiguration (timeoutInMinutes 1..20160, default 1440; ROLLBACK). */
export interface LifecycleHookTimeout {
  timeoutInMinutes?: number;
  action?: 'ROLLBACK' | 'CONTINUE';
}

/** ECS DeploymentLifecycleHook (targetType AWS_LAMBDA only). */
export interface LifecycleHook {
  targetType?: 'AWS_LAMBDA';
  /** A Lambda function ARN; locally (TUGBOAT_LOCAL_HOOKS=1) also an http:// URL, POSTed the payload. */
  hookTargetArn: string;
  /** Accepted and shown as ECS takes it; Tugboat invokes the function with its own role. */
  roleArn?: string;
  lifecycleStages: LifecycleHookStage[];
  /** Passed to every invocation (ECS: "custom parameters"). */
  hookDetails?: unknown;
  timeoutConfiguration?: LifecycleHookTimeout;
}

/** ECS: IN_PROGRESS is called again after 30 s unless the answer names its callBackDelay. */
export const DEFAULT_CALLBACK_DELAY_SECONDS = 30;
/** ECS DeploymentLifecycleHookTimeoutConfiguration's default: 24 hours. */
export const DEFAULT_HOOK_TIMEOUT_MINUTES = 1440;

/** A hook's answer (ECS's Lambda response), or why there was none. */
export type HookAnswer =
  | { hookStatus: 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS'; callBackDelay?: number; hookDetails?: unknown }
  | { error: string };

/** One execution of one hook at one stage, as it goes (Deployment.trafficShift.hook). */
export interface HookExecution {
  lifecycleStage: LifecycleHookStage;
  /** The hook's index in lifecycleHooks. */
  hookIndex: number;
  hookTargetArn: string;
  /** Sent as executionId; the same on every call of this execution (and on a call a crashed pass repeats). */
  executionId: string;
  status: 'IN_PROGRESS';
  startedAt: string;
  /** The pass calls the hook once this instant has come. */
  nextInvokeAt: string;
  lastInvokedAt?: string;
  invocations: number;
  /** hookDetails an IN_PROGRESS answer returned: passed back on the next call instead of the configured ones. */
  hookDetails?: unknown;
}

/** What one pass learnt from calling the PRIMARY's due hook: the answer, for that execution. */
export interface HookResult {
  executionId: string;
  /** ISO instant of the call. */
  at: string;
  answer: HookAnswer;
}

/** `key` of a hook at a stage in TrafficShift.hooksPassed. */
export const hookKey = (stage: LifecycleHookStage, index: number): string => `${stage}#${index}`;

/** ECS's payload to the hook's Lambda function. */
export interface HookPayload {
  executionDetails: {
    testTrafficWeights: Record<string, number>;
    productionTrafficWeights: Record<string, number>;
    serviceArn: string;
    targetServiceRevisionArn: string;
  };
  executionId: string;
  lifecycleStage: LifecycleHookStage;
  resourceArn: string;
  hookDetails?: unknown;
}

/** ECS's ARN shapes for a deployment's service revision and service deployment, from the service's ARN. */
export const serviceRevisionArn = (serviceArn: string, deploymentId: string): string =>
  `${serviceArn.replace(':service/', ':service-revision/')}/${deploymentId}`;
export const serviceDeploymentArn = (serviceArn: string, deploymentId: string): string =>
  `${serviceArn.replace(':service/', ':service-deployment/')}/${deploymentId}`;

/** Traffic weights by service revision ARN, as ECS's payload has them (percent). */
const weights = (oldArn: string | undefined, newArn: string, toNew: number): Record<string, number> => ({
  ...(oldArn === undefined ? {} : { [oldArn]: 100 - toNew }),
  [newArn]: toNew,
});

/**
 * ECS's payload for a call of `execution` of the shifting deployment `deploymentId`, whose old revision
 * is `oldDeploymentId`. The weights are the ones the stage wants (the rules are set to them each pass).
 * In a rollback (stage ROLLBACK) the target is the revision rolled back to, with all of both rules.
 */
export const hookPayload = (
  service: { serviceArn: string },
  shift: {
    stage: string;
    productionPercent: number;
    routes: Array<{ testListenerRule?: string }>;
    lifecycleHooks?: LifecycleHook[];
  },
  deploymentId: string,
  oldDeploymentId: string | undefined,
  execution: HookExecution,
): HookPayload => {
  const deployed = serviceRevisionArn(service.serviceArn, deploymentId);
  const old =
    oldDeploymentId === undefined ? undefined : serviceRevisionArn(service.serviceArn, oldDeploymentId);
  const rollingBack = shift.stage === 'ROLLBACK' && old !== undefined;
  const [target, replaced] = rollingBack ? [old, deployed] : [deployed, old];
  const testing = ['TEST_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT', 'BAKE_TIME', 'CLEAN_UP'].includes(
    shift.stage,
  );
  const hasTest = shift.routes.some((route) => route.testListenerRule !== undefined);
  const hookDetails = execution.hookDetails ?? shift.lifecycleHooks?.[execution.hookIndex]?.hookDetails;
  return {
    executionDetails: {
      testTrafficWeights: hasTest ? weights(replaced, target, rollingBack || testing ? 100 : 0) : {},
      productionTrafficWeights: weights(replaced, target, rollingBack ? 100 : shift.productionPercent),
      serviceArn: service.serviceArn,
      targetServiceRevisionArn: target,
    },
    executionId: execution.executionId,
    lifecycleStage: execution.lifecycleStage,
    resourceArn: serviceDeploymentArn(service.serviceArn, deploymentId),
    ...(hookDetails === undefined ? {} : { hookDetails }),
  };
};
