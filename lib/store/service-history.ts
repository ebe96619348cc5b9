/**
 * A service's history partitions (its service events, its scaling activities): entries written once
 * under unique keys (so a retried write is idempotent), expiring (DynamoDB TTL) a fixed time after
 * their instant, read newest first.
 */
import type { Page } from '../domain';
import type { ServiceLogKeys } from './keys';
import type { PageRequest } from './port';
import { expiryAfter, type Table } from './table';

export const serviceHistory = <Entry extends { id: string }>(
  table: Table,
  log: ServiceLogKeys,
  itemType: string,
  /** The entry's instant (ISO 8601): its key, and what its expiry counts from. */
  instantOf: (entry: Entry) => string,
  retentionSeconds: number,
) => ({
  add: async (cluster: string, serviceName: string, entries: Entry[]): Promise<void> => {
    await Promise.all(
      entries.map((entry) =>
        table.put({
          ...log.entry(cluster, serviceName, instantOf(entry), entry.id),
          itemType,
          ...entry,
          expiresAt: expiryAfter(Date.parse(instantOf(entry)), retentionSeconds),
        }),
      ),
    );
  },
  newestFirst: (cluster: string, serviceName: string, page: PageRequest): Promise<Page<Entry>> =>
    table.queryPage<Entry>(log.partition(cluster, serviceName), log.sortPrefix, page, false),
});
