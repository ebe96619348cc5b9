/**
 * Local-only control calls beside the ECS API: a FARGATE_SPOT interruption, the FARGATE_SPOT capacity
 * switch, moving the virtual clock,
 * and the ELB endpoint's view of a task by its private IPv4 address.
 */

import type { taskActions } from './actions/tasks';
import type { Lifecycle } from './lifecycle';
import { getCluster as clusterIn, type EcsState, taskIdOf } from './state';
import type { TaskSnapshot } from './types';

export const controlCalls = (
  state: EcsState,
  lifecycle: Lifecycle,
  { stopTaskById }: Pick<ReturnType<typeof taskActions>, 'stopTaskById'>,
) => {
  const { isVirtual, tasksByAddress, now } = state;
  const { runDue, flushEvents, armTimer, tick } = lifecycle;
  const getCluster = (reference: string | undefined) => clusterIn(state, reference);

  const interruptSpotTasks = (input: { cluster?: string; tasks: string[] }) => {
    runDue(now());
    const cluster = getCluster(input.cluster);
    const interrupted: string[] = [];
    const failures: { arn: string; reason: string }[] = [];
    for (const reference of input.tasks) {
      const task = cluster.tasks.get(taskIdOf(reference));
      if (!task) failures.push({ arn: reference, reason: 'MISSING' });
      else if (task.capacityProviderName !== 'FARGATE_SPOT')
        failures.push({ arn: task.taskArn, reason: 'NOT_FARGATE_SPOT' });
      else if (task.desiredStatus === 'STOPPED')
        failures.push({ arn: task.taskArn, reason: 'ALREADY_STOPPING' });
      else {
        stopTaskById(cluster, task, {
          stopCode: 'SpotInterruption',
          reason: 'Your Spot Task was interrupted.',
        });
        interrupted.push(task.taskArn);
      }
    }
    flushEvents();
    armTimer();
    return { interrupted, failures };
  };

  const advance = (ms: number) => {
    if (!isVirtual) throw new Error('advance() needs the virtual clock (clock: "virtual")');
    const target = state.virtualNow + ms;
    runDue(target);
    state.virtualNow = target;
    flushEvents();
  };

  const taskByPrivateIpv4 = (address: string): TaskSnapshot | undefined => {
    tick();
    const entry = tasksByAddress.get(address);
    const task = entry?.cluster.tasks.get(entry.taskId);
    if (!task) return undefined;
    return {
      taskArn: task.taskArn,
      lastStatus: task.lastStatus,
      startedAt: task.startedAt,
      stoppingAt: task.stoppingAt,
      executionStoppedAt: task.executionStoppedAt,
      essentialImages: task.containers.filter((c) => c.essential).map((c) => c.image),
    };
  };

  const setSpotCapacity = (available: boolean, tasks?: number) => {
    state.spotCapacityAvailable = available;
    state.spotTasksLeft = available ? tasks : undefined;
    return available && tasks !== undefined ? { available, tasks } : { available };
  };

  return { interruptSpotTasks, setSpotCapacity, advance, taskByPrivateIpv4 };
};
