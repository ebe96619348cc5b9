/**
 * Keeps a family's revisions dense although numbers are handed out by an atomic counter: a registration
 * that dies between reserving its number and writing its revision leaves a hole. Every registration
 * checks the numbers between the family's dense mark and its own; a missing one whose writer must be
 * gone is filled with an INACTIVE revision (describable, never usable, as a deregistered ECS revision),
 * and the mark moves up over what is known to exist. A slow writer whose number was filled finds it
 * taken and reserves another, so nothing it registers is lost.
 */
import type { TaskDefinition } from '../domain';
import { ConflictError } from '../errors';
import type { RevisionReservation } from '../store/port';
import type { UseCaseContext } from './context';

/** A number reserved longer ago than this has no live writer: the API function times out after 29 s. */
export const ABANDONED_AFTER_MS = 60_000;

export const fillAbandonedRevisions = async (
  context: UseCaseContext,
  own: TaskDefinition,
  reservation: RevisionReservation,
  arnOf: (revision: number) => string,
): Promise<void> => {
  const { revision, denseThrough, previousReservedAt } = reservation;
  if (revision - denseThrough < 2) return;
  const stamps = await context.store.listTaskDefinitionStamps(own.family, denseThrough, revision);
  const registeredAt = new Map(stamps.map((stamp) => [stamp.revision, Date.parse(stamp.registeredAt)]));
  const now = context.now();
  const cutoff = now.getTime() - ABANDONED_AFTER_MS;
  // Numbers are reserved in order: once a higher number is known to be old, every lower one is too.
  let lowerAreOld = previousReservedAt > 0 && previousReservedAt < cutoff;
  const present = new Set(registeredAt.keys());
  for (let candidate = revision - 1; candidate > denseThrough; candidate--) {
    const at = registeredAt.get(candidate);
    if (at !== undefined) {
      if (at < cutoff) lowerAreOld = true;
      continue;
    }
    if (!lowerAreOld) continue;
    try {
      await context.store.createTaskDefinition({
        ...own,
        revision: candidate,
        taskDefinitionArn: arnOf(candidate),
        status: 'INACTIVE',
        deregisteredAt: now.toISOString(),
      });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error; // its writer came back after all
    }
    present.add(candidate);
  }
  let dense = denseThrough;
  while (present.has(dense + 1)) dense++;
  if (dense > denseThrough) await context.store.advanceDenseThrough(own.family, dense);
};
