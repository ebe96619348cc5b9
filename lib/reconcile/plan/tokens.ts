/**
 * Deterministic identifiers the planner derives: the RunTask clientToken (so a retried or crashed pass
 * never double-launches) and the ids of deployments it creates. All pure: the same inputs always give
 * the same strings. The names written on tasks (startedBy, group) are in lib/inventory/naming.ts.
 */
import { sha256Hex } from '../../hash';

export interface ClientTokenParts {
  serviceArn: string;
  deploymentId: string;
  /** Which RunTask call of the launch (0-based). */
  launchSlot: number;
  /** The deployment's launch counter when the launch was planned (Deployment.launchAttempts). */
  attempt: number;
}

/** 64 lowercase hex chars: within RunTask's 64-char, ASCII 33-126 limit. */
export const clientToken = (parts: ClientTokenParts): string =>
  sha256Hex(
    ['tugboat-run-task', parts.serviceArn, parts.deploymentId, parts.launchSlot, parts.attempt].join('\n'),
  );

/**
 * A deployment id derived from a seed, for deployments plan() creates (it cannot draw random ids).
 * Same seed, same id, so a re-run pass creates the same deployment rather than a second one.
 * One id format for every deployment (the API's are ecs-svc- and 32 random hex digits).
 */
export const deriveDeploymentId = (seed: string): string => `ecs-svc-${sha256Hex(seed).slice(0, 32)}`;

/** A lifecycle hook execution's id: one per deployment, stage (or step) and hook, the same on every call. */
export const deriveHookExecutionId = (deploymentId: string, step: string, key: string): string =>
  sha256Hex(['tugboat-hook', deploymentId, step, key].join('\n')).slice(0, 32);
