/**
 * Every DynamoDB key Tugboat builds, in one place. One table holds all item types:
 *   task definition revision  PK TASKDEF#<family>             SK REV#<revision, zero-padded>
 *   service                   PK CLUSTER#<cluster>            SK SERVICE#<serviceName>
 *   service event             PK EVENTS#<cluster>#<service>   SK EVENT#<createdAt>#<id>
 * Names cannot contain '#' (validated at the API), so the keys cannot collide.
 */
export interface ItemKey {
  PK: string;
  SK: string;
}

const REVISION_DIGITS = 10;

export const keys = {
  taskDefinitionPartition: (family: string) => `TASKDEF#${family}`,
  taskDefinition: (family: string, revision: number): ItemKey => ({
    PK: keys.taskDefinitionPartition(family),
    SK: `REV#${String(revision).padStart(REVISION_DIGITS, '0')}`,
  }),
  taskDefinitionSortPrefix: 'REV#',

  clusterPartition: (cluster: string) => `CLUSTER#${cluster}`,
  service: (cluster: string, serviceName: string): ItemKey => ({
    PK: keys.clusterPartition(cluster),
    SK: `SERVICE#${serviceName}`,
  }),
  serviceSortPrefix: 'SERVICE#',

  serviceEventsPartition: (cluster: string, serviceName: string) => `EVENTS#${cluster}#${serviceName}`,
  serviceEvent: (cluster: string, serviceName: string, createdAt: string, id: string): ItemKey => ({
    PK: keys.serviceEventsPartition(cluster, serviceName),
    SK: `EVENT#${createdAt}#${id}`,
  }),
  serviceEventSortPrefix: 'EVENT#',
} as const;

export const ITEM_TYPE = {
  taskDefinition: 'TaskDefinition',
  service: 'Service',
  serviceEvent: 'ServiceEvent',
} as const;
