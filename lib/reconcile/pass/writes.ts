/**
 * What a pass writes about its results: the service's bookkeeping (optimistic locking), its service
 * events, and the tasks ECS answered with.
 */
import type { Task } from '@aws-sdk/client-ecs';
import type { Service, ServiceEvent } from '../../domain';
import { taskRecordFromEcs } from '../../inventory/task-record';
import { isoOf } from '../../time';
import type { PassCause, PassContext } from './context';
import { messagesToRecord } from './events';

const MAX_EVENTS_KEPT_IN_ONE_PASS = 20;

export const createPassWriter = ({ deps, called }: PassContext) => {
  /**
   * Writes the reconciler's bookkeeping over `previous`. Only a change of what the service runs
   * (a rollback's task definition, DRAINING to INACTIVE) bumps the user-visible version.
   */
  const persist = async (next: Service, previous: Service): Promise<Service> => {
    const specChanged = next.taskDefinition !== previous.taskDefinition || next.status !== previous.status;
    const written: Service = {
      ...next,
      version: previous.version + (specChanged ? 1 : 0),
      statusVersion: previous.statusVersion + 1,
      updatedAt: isoOf(deps.now()),
    };
    await deps.store.updateService(written, previous);
    called('dynamodb:UpdateService');
    return written;
  };

  const recordEvents = async (service: Service, messages: string[], cause: PassCause = {}): Promise<void> => {
    if (messages.length === 0) return;
    const kept = messages.slice(0, MAX_EVENTS_KEPT_IN_ONE_PASS);
    const newest = await deps.store.listServiceEvents(service.cluster, service.serviceName, {
      limit: kept.length,
    });
    const base = deps.now();
    const fresh = messagesToRecord(kept, newest.items, base);
    const events: ServiceEvent[] = fresh.map((message, index) => ({
      id: deps.newId(),
      // Distinct instants keep the pass's events in order, newest last.
      createdAt: isoOf(base + index),
      message,
      ...(cause.principal === undefined ? {} : { principal: cause.principal }),
      ...(cause.correlationId === undefined ? {} : { correlationId: cause.correlationId }),
    }));
    if (events.length > 0) {
      await deps.store.addServiceEvents(service.cluster, service.serviceName, events);
      called('dynamodb:AddServiceEvents');
    }
  };

  const recordTasks = async (tasks: Task[]): Promise<void> => {
    const observedAt = isoOf(deps.now());
    await Promise.all(tasks.map((task) => deps.store.recordTask(taskRecordFromEcs(task, observedAt))));
    if (tasks.length > 0) called('dynamodb:RecordTasks');
  };

  return { persist, recordEvents, recordTasks };
};

export type PassWriter = ReturnType<typeof createPassWriter>;
