/**
 * The operator's actions of a scenario, done as a user does them: through Tugboat's API (deploys,
 * rollbacks, PATCHes, deletes), or behind its back against ECS (StopTask). A 4xx is an answer, not a
 * failure of the run (a rollback with nothing to roll back to, a PATCH of a deleted service); it is
 * logged with the action.
 */
import { StopTaskCommand } from '@aws-sdk/client-ecs';
import type { Fleet } from '../../bench/support/fleet';
import { CLUSTER } from '../../bench/support/fleet';
import type { ActionDraw, BreakerDraw, ImageBehaviour, ServiceDraw } from './generators';
import { imageOf } from './generators';
import { isRunning, type Ledger, STOPPED_BEHIND_REASON } from './ledger';

export interface ActionWorld {
  fleet: Fleet;
  ledger: Ledger;
  draws: Map<string, ServiceDraw>;
  /** Services deleted by an action: no longer checked. */
  deleted: Set<string>;
  /** Records what a revision's image does, for the breaker invariant. */
  setBehaviour(taskDefinition: string, behaviour: ImageBehaviour): void;
  /** Sets a service's CPU demand (auto scaling's metric). */
  setDemand(service: string, demand: number): void;
  /** Sets a queue worker's backlog. */
  setBacklog(service: string, visible: number, inFlight: number): void;
  /** Sets the requests per second through a request-scaled service's listener. */
  setTraffic(service: string, requestsPerSecond: number): void;
  random: () => number;
  /** Numbers the images deploys make, so every deploy is a new revision. */
  nextImageSerial(): number;
}

const servicePath = (name: string) => `/clusters/${CLUSTER}/services/${name}`;

export const breakerBody = (breaker: BreakerDraw) => ({
  enable: breaker.enable,
  rollback: breaker.rollback,
  ...(breaker.thresholdConfiguration ? { thresholdConfiguration: breaker.thresholdConfiguration } : {}),
});

/** The PRIMARY in progress, or a failed deployment rolling back, of the service as the API shows it. */
const deploymentOf = async (
  fleet: Fleet,
  service: string,
  which: 'primary' | 'failed',
): Promise<string | undefined> => {
  const found = (await fleet.api('GET', servicePath(service))) as {
    deployments?: { id: string; status: string; rolloutState: string; trafficShift?: { stage?: string } }[];
  };
  return found.deployments?.find((d) =>
    which === 'primary'
      ? d.status === 'PRIMARY' && d.rolloutState === 'IN_PROGRESS'
      : d.rolloutState === 'FAILED' && d.trafficShift?.stage === 'ROLLBACK',
  )?.id;
};

/** Does the action; returns a one-line outcome for the run's log. */
export const applyAction = async (world: ActionWorld, action: ActionDraw): Promise<string> => {
  const { fleet } = world;
  if (world.deleted.has(action.service)) return 'skipped: service deleted';
  try {
    switch (action.kind) {
      case 'deploy': {
        const image = imageOf(action.image, world.nextImageSerial());
        const deployment = (await fleet.api('POST', `${servicePath(action.service)}/deployments`, {
          image,
        })) as {
          id?: string;
          taskDefinition?: string;
        };
        if (deployment.taskDefinition) world.setBehaviour(deployment.taskDefinition, action.image);
        return `deployed ${image} as ${deployment.taskDefinition ?? '?'} (${deployment.id ?? '?'})`;
      }
      case 'rollback': {
        const deployment = (await fleet.api('POST', `${servicePath(action.service)}/rollback`)) as {
          taskDefinition?: string;
        };
        return `rolled back to ${deployment.taskDefinition ?? '?'}`;
      }
      case 'scale':
        await fleet.api('PATCH', servicePath(action.service), { desiredCount: action.desiredCount });
        return 'ok';
      case 'configure':
        await fleet.api('PATCH', servicePath(action.service), {
          deploymentConfiguration: {
            minimumHealthyPercent: action.minimumHealthyPercent,
            maximumPercent: action.maximumPercent,
            minReadySeconds: action.minReadySeconds,
          },
        });
        return 'ok';
      case 'breaker':
        await fleet.api('PATCH', servicePath(action.service), {
          deploymentConfiguration: { deploymentCircuitBreaker: breakerBody(action.breaker) },
        });
        return 'ok';
      case 'spot-fallback':
        if (world.draws.get(action.service)?.placement === 'fargate') return 'skipped: not on Spot';
        await fleet.api('PATCH', servicePath(action.service), { spotFallback: { enabled: action.enabled } });
        return 'ok';
      case 'demand':
        world.setDemand(action.service, action.demand);
        return 'ok';
      case 'queue':
        world.setBacklog(action.service, action.visible, action.inFlight);
        return 'ok';
      case 'traffic':
        world.setTraffic(action.service, action.requestsPerSecond);
        return 'ok';
      case 'stop-behind': {
        const running = world.ledger.tasksOf(action.service).filter(isRunning);
        const victims: string[] = [];
        for (let i = 0; i < action.tasks && running.length > 0; i++) {
          const [victim] = running.splice(Math.floor(world.random() * running.length), 1);
          if (victim) victims.push(victim.taskArn);
        }
        for (const task of victims)
          await fleet.time
            .io(() =>
              fleet.ecsClient.send(
                new StopTaskCommand({ cluster: CLUSTER, task, reason: STOPPED_BEHIND_REASON }),
              ),
            )
            // An injected ECS fault: the operator's stop did not happen, the scenario goes on.
            .catch(() => undefined);
        return `stopped ${victims.length}`;
      }
      case 'delete':
        await fleet.api('DELETE', servicePath(action.service));
        world.deleted.add(action.service);
        return 'deleted';
      case 'stop-deployment': {
        const id = await deploymentOf(fleet, action.service, action.which);
        if (id === undefined) return `skipped: no ${action.which} deployment`;
        await fleet.api('POST', `${servicePath(action.service)}/deployments/${id}/stop`, {
          stopType: action.stopType,
        });
        return `stopped ${id} (${action.stopType})`;
      }
      case 'continue': {
        const id = await deploymentOf(fleet, action.service, 'primary');
        if (id === undefined) return 'skipped: no deployment in progress';
        await fleet.api('POST', `${servicePath(action.service)}/deployments/${id}/continue`, {
          action: action.action,
        });
        return `continued ${id} (${action.action})`;
      }
      case 'alarm':
        // The in-process alarm answers by the scenario's schedule (test/fuzz/progressive.ts).
        return `alarm ${action.state}`;
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // The API's answer to a request it refuses (4xx), or a 503 while ECS fails, is part of the scenario.
    if (/: (4\d\d|503) /.test(message)) return `refused: ${message.slice(0, 200)}`;
    throw error;
  }
};
