/**
 * Services (with the sparse index of those ECR pushes deploy), their events, and the registry of
 * clusters that have services.
 */
import { type Page, type Service, type ServiceEvent, targetGroupsInUse } from '../domain';
import { ConflictError, VersionConflictError } from '../errors';
import { DAY_SECONDS } from '../time';
import { ITEM_TYPE, keys } from './keys';
import type { PageRequest, StoredServiceVersion, TugboatStore } from './port';
import { serviceHistory } from './service-history';
import type { Item, Table } from './table';
import { TargetGroupClaims } from './target-group-claims';

type ServicePort = Pick<
  TugboatStore,
  | 'createService'
  | 'getService'
  | 'listServices'
  | 'updateService'
  | 'addServiceEvents'
  | 'listServiceEvents'
  | 'registerCluster'
  | 'listClusters'
  | 'listAutoDeployServices'
>;

/** Service events expire (DynamoDB TTL) this long after they were written. */
export const SERVICE_EVENT_RETENTION_SECONDS = 90 * DAY_SECONDS;

/** The sparse autoDeploy index entry of a service item: present only while ECR pushes can deploy it. */
const autoDeployIndex = (service: Service): Item =>
  service.autoDeploy && service.status === 'ACTIVE'
    ? {
        GSI1PK: keys.autoDeployPartition,
        GSI1SK: keys.autoDeploySortKey(service.cluster, service.serviceName),
      }
    : {};

const serviceItem = (service: Service): Item => ({
  ...keys.service(service.cluster, service.serviceName),
  itemType: ITEM_TYPE.service,
  ...service,
  ...autoDeployIndex(service),
});

export class ServiceItems implements ServicePort {
  private readonly events;
  private readonly claims: TargetGroupClaims;

  constructor(private readonly table: Table) {
    this.claims = new TargetGroupClaims(table, (cluster, serviceName) =>
      this.getService(cluster, serviceName),
    );
    this.events = serviceHistory<ServiceEvent>(
      table,
      keys.serviceEvents,
      ITEM_TYPE.serviceEvent,
      (event) => event.createdAt,
      SERVICE_EVENT_RETENTION_SECONDS,
    );
  }

  async createService(service: Service): Promise<void> {
    await this.claims.putClaiming(service, [], {
      item: serviceItem(service),
      condition: {
        ConditionExpression: 'attribute_not_exists(PK) OR #status = :inactive',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':inactive': 'INACTIVE' },
      },
      onConditionFailed: () =>
        new ConflictError(`Service ${service.serviceName} already exists in cluster ${service.cluster}`),
    });
  }

  async getService(cluster: string, serviceName: string): Promise<Service | undefined> {
    return this.table.get<Service>(keys.service(cluster, serviceName));
  }

  async listServices(cluster: string, page: PageRequest): Promise<Page<Service>> {
    return this.table.queryPage<Service>(keys.clusterPartition(cluster), keys.serviceSortPrefix, page, true);
  }

  async updateService(next: Service, previous: StoredServiceVersion): Promise<void> {
    await this.claims.putClaiming(next, targetGroupsInUse(previous), {
      item: serviceItem(next),
      condition: {
        ConditionExpression:
          'attribute_exists(PK) AND #version = :version AND #statusVersion = :statusVersion',
        ExpressionAttributeNames: { '#version': 'version', '#statusVersion': 'statusVersion' },
        ExpressionAttributeValues: { ':version': previous.version, ':statusVersion': previous.statusVersion },
      },
      onConditionFailed: () =>
        new VersionConflictError(`Service ${next.serviceName} was changed concurrently`),
    });
  }

  async addServiceEvents(cluster: string, serviceName: string, events: ServiceEvent[]): Promise<void> {
    await this.events.add(cluster, serviceName, events);
  }

  async listServiceEvents(
    cluster: string,
    serviceName: string,
    page: PageRequest,
  ): Promise<Page<ServiceEvent>> {
    return this.events.newestFirst(cluster, serviceName, page);
  }

  async registerCluster(cluster: string): Promise<void> {
    await this.table.put({ ...keys.clusterRegistration(cluster), itemType: ITEM_TYPE.cluster, cluster });
  }

  async listClusters(): Promise<string[]> {
    const registered = await this.table.queryPartition<{ cluster: string }>(
      keys.clusterRegistryPartition,
      keys.clusterRegistrySortPrefix,
    );
    return registered.map((item) => item.cluster);
  }

  async listAutoDeployServices(): Promise<Service[]> {
    return this.table.queryIndexPartition<Service>(keys.autoDeployPartition);
  }
}
