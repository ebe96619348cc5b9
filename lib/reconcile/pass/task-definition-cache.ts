import type { TaskDefinition } from '../../domain';

/**
 * Reads task definition revisions through a cache kept for the life of one reconciler (one Lambda
 * instance). A revision's containers never change, and once its ECS registration is recorded on it
 * neither does anything a pass reads, so only such revisions are kept: one not yet registered is read
 * again, and a pass sees the ARN another instance recorded meanwhile. Saves a read before planning and
 * one before each RunTask on every pass.
 */
export const cachedTaskDefinitions = (
  read: (family: string, revision: number) => Promise<TaskDefinition | undefined>,
) => {
  const kept = new Map<string, TaskDefinition>();
  return {
    /** The revision, and whether it was read from the store (not the cache). */
    async get(family: string, revision: number): Promise<{ taskDefinition?: TaskDefinition; read: boolean }> {
      const key = `${family}:${revision}`;
      const known = kept.get(key);
      if (known) return { taskDefinition: known, read: false };
      const taskDefinition = await read(family, revision);
      if (taskDefinition?.ecsTaskDefinitionArn !== undefined) kept.set(key, taskDefinition);
      return taskDefinition ? { taskDefinition, read: true } : { read: true };
    },
  };
};
