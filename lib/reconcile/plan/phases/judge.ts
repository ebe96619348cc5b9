/**
 * Phase: judge the rollout. Only a PRIMARY still IN_PROGRESS can fail: by the circuit breaker
 * (too many failed launches) or the progress deadline. A failed one is rolled back, when the breaker
 * says so, to the newest COMPLETED deployment by a new PRIMARY (never a rollback of a rollback).
 */

import { type Deployment, freshDeployment } from '../../../domain';
import { epochOf, isoOf } from '../../../time';
import { deriveDeploymentId } from '../tokens';
import { DEFAULT_PROGRESS_DEADLINE_SECONDS } from '../types';
import { circuitBreakerThreshold } from './limits';
import { adoptTasks, type RolloutState } from './state';

/** Why the PRIMARY has failed now, or undefined while it may go on. */
export function rolloutFailure(state: RolloutState): string | undefined {
  const { primary, now, service } = state;
  if (primary.rolloutState !== 'IN_PROGRESS') return undefined;
  const config = service.deploymentConfiguration;
  const breaker = config.deploymentCircuitBreaker;
  const threshold = circuitBreakerThreshold(service.desiredCount, breaker);
  const deadlineSeconds = config.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
  const progressAt = epochOf(primary.lastProgressAt) ?? now;
  if (breaker.enable && primary.failedTasks >= threshold) {
    return `ECS deployment circuit breaker: ${primary.failedTasks} tasks failed to launch or become healthy or stopped on their own (threshold ${threshold})`;
  }
  if (now - progressAt >= deadlineSeconds * 1000) {
    return `no progress for ${deadlineSeconds} seconds (progressDeadlineSeconds) since ${isoOf(progressAt)}`;
  }
  return undefined;
}

export function judgeRollout(state: RolloutState): void {
  const failure = rolloutFailure(state);
  if (failure === undefined) return;
  const failed = state.primary;
  failPrimary(state, failure);
  const breaker = state.service.deploymentConfiguration.deploymentCircuitBreaker;
  if (breaker.enable && breaker.rollback) rollBack(state, failed);
}

/**
 * Fails the PRIMARY for `failure` (the cause alone: the action says which deployment failed, and its
 * log line says "failed"); the breaker, an alarm, the analysis and a hook all fail it this way.
 */
export function failPrimary(state: RolloutState, failure: string): void {
  const failed = state.primary;
  failed.rolloutState = 'FAILED';
  failed.rolloutStateReason = `${failure}.`;
  state.actions.push({ type: 'fail-deployment', deploymentId: failed.id, reason: failure });
  state.events.push(`service ${state.service.serviceName} deployment ${failed.id} failed: ${failure}.`);
}

/** Makes a new PRIMARY of the newest COMPLETED deployment's task definition, once per failure. */
/**
 * The deployment a failed one rolls back to: the newest COMPLETED one. A traffic shift's old fleet
 * serves production whatever its own rollout reached (it may have been superseded before its
 * minReadySeconds ended), so a shifting deployment rolls back to the newest live deployment before it,
 * else production would forward to a group whose tasks the clean-up stops.
 */
const rollbackTargetOf = (state: RolloutState, failed: Deployment): Deployment | undefined =>
  state.deployments.find((d) => d.id !== failed.id && d.rolloutState === 'COMPLETED') ??
  (failed.trafficShift === undefined
    ? undefined
    : state.deployments.find((d) => d.id !== failed.id && d.status === 'ACTIVE'));

export function rollBack(state: RolloutState, failed: Deployment): void {
  const name = state.service.serviceName;
  const target = rollbackTargetOf(state, failed);
  const rollbackId = deriveDeploymentId(`rollback\n${failed.id}`);
  if (failed.rollbackOf !== undefined) {
    state.events.push(
      `service ${name} deployment ${failed.id} was itself a rollback; it is not rolled back again.`,
    );
    return;
  }
  if (target === undefined) {
    state.events.push(
      `service ${name} has no COMPLETED deployment to roll back to; deployment ${failed.id} stays.`,
    );
    return;
  }
  if (state.byId.has(rollbackId)) return;
  const reason = `rolling back to task definition ${target.taskDefinition} of deployment ${target.id} after deployment ${failed.id} failed`;
  const rollback = freshDeployment(
    rollbackId,
    target.taskDefinition,
    state.service.desiredCount,
    state.nowIso,
    `${reason}.`,
  );
  rollback.rollbackOf = failed.id;
  rollback.adoptsTasksOf = target.id;
  rollback.lastProgressAt = state.nowIso;
  failed.status = 'ACTIVE';
  state.deployments.unshift(rollback);
  state.byId.set(rollback.id, rollback);
  state.primary = rollback;
  adoptTasks(state);
  state.actions.push({
    type: 'rollback',
    failedDeploymentId: failed.id,
    newDeploymentId: rollback.id,
    targetDeploymentId: target.id,
    taskDefinition: target.taskDefinition,
    reason,
  });
  state.events.push(
    `service ${name} deployment ${failed.id} failed; rolling back to task definition ${target.taskDefinition} of deployment ${target.id} with new deployment ${rollback.id}.`,
  );
}
