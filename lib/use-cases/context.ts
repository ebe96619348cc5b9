import { randomUUID } from 'node:crypto';
import type { TugboatConfig } from '../config';
import type { ClusterDirectory } from '../ecs/clusters';
import type { TugboatStore } from '../store/port';

/** What every use case needs, injected so tests can fix time and ids. */
export interface UseCaseContext {
  store: TugboatStore;
  config: TugboatConfig;
  now: () => Date;
  newId: () => string;
  /** When given, services can only be created in clusters it knows. */
  clusters?: ClusterDirectory;
}

export const defaultIds = (): string => randomUUID();

/** Jittered pause between optimistic-locking retries, so racing writers spread out. */
export const backoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** attempt)));
