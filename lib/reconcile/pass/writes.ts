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

/** The service's newest stored events a pass knows of, newest first; `all` when there are no others. */
interface KnownEvents {
  items: ServiceEvent[];
  all: boolean;
}

export type RecordEvents = (service: Service, messages: string[], cause?: PassCause) => Promise<void>;

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

  /**
   * Writes the messages messagesToRecord keeps, given the newest stored events: `known` (newest first),
   * when it holds enough of them, else read. Returns the newest events known after the write.
   */
  const writeEvents = async (
    service: Service,
    messages: string[],
    cause: PassCause,
    known?: KnownEvents,
  ): Promise<KnownEvents | undefined> => {
    if (messages.length === 0) return known;
    const kept = messages.slice(0, MAX_EVENTS_KEPT_IN_ONE_PASS);
    let newest = known;
    if (!newest || (!newest.all && newest.items.length < kept.length)) {
      const page = await deps.store.listServiceEvents(service.cluster, service.serviceName, {
        limit: kept.length,
      });
      newest = { items: page.items, all: page.nextToken === undefined && page.items.length < kept.length };
    }
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
    if (events.length === 0) return newest;
    await deps.store.addServiceEvents(service.cluster, service.serviceName, events);
    called('dynamodb:AddServiceEvents');
    return { items: [...events].reverse().concat(newest.items), all: newest.all };
  };

  /** Writes one batch of the service's event messages (see messagesToRecord), reading the newest first. */
  const recordEvents = async (service: Service, messages: string[], cause: PassCause = {}): Promise<void> => {
    await writeEvents(service, messages, cause);
  };

  /**
   * The event writer of one pass: the newest stored events are read once, then kept with the pass's own
   * writes, so a pass that writes events twice (its plan's, then what it did) reads them once. Writes go
   * in the order they were asked for. Under its lease no other pass writes the service's events.
   */
  const passEvents = (): RecordEvents => {
    let known: KnownEvents | undefined;
    let last: Promise<unknown> = Promise.resolve();
    return (service, messages, cause = {}) => {
      const write = last.then(async () => {
        known = await writeEvents(service, messages, cause, known);
      });
      last = write.catch(() => undefined);
      return write;
    };
  };

  const recordTasks = async (tasks: Task[]): Promise<void> => {
    const observedAt = isoOf(deps.now());
    await Promise.all(tasks.map((task) => deps.store.recordTask(taskRecordFromEcs(task, observedAt))));
    if (tasks.length > 0) called('dynamodb:RecordTasks');
  };

  return { persist, recordEvents, passEvents, recordTasks };
};

export type PassWriter = ReturnType<typeof createPassWriter>;
