import type { Page, Service, ServiceEvent, TaskDefinition } from '../domain';

export interface PageRequest {
  limit: number;
  nextToken?: string;
}

/**
 * The storage port. Use cases depend on this, never on DynamoDB. Creates fail with ConflictError when
 * the item exists; updates take the version the caller read and fail with VersionConflictError when
 * somebody else wrote in between.
 */
export interface TugboatStore {
  createTaskDefinition(taskDefinition: TaskDefinition): Promise<void>;
  getTaskDefinition(family: string, revision: number): Promise<TaskDefinition | undefined>;
  /** The highest revision of the family, whatever its status. */
  getLatestTaskDefinition(family: string): Promise<TaskDefinition | undefined>;
  getLatestActiveTaskDefinition(family: string): Promise<TaskDefinition | undefined>;
  /** Newest first. */
  listTaskDefinitions(family: string, page: PageRequest): Promise<Page<TaskDefinition>>;
  /** Writes `next` if the stored version is still `next.version - 1`. */
  updateTaskDefinition(next: TaskDefinition): Promise<void>;

  /** Creates the service; an existing INACTIVE one of the same name is replaced. */
  createService(service: Service): Promise<void>;
  getService(cluster: string, serviceName: string): Promise<Service | undefined>;
  listServices(cluster: string, page: PageRequest): Promise<Page<Service>>;
  /** Writes `next` if the stored version is still `next.version - 1`. */
  updateService(next: Service): Promise<void>;

  addServiceEvents(cluster: string, serviceName: string, events: ServiceEvent[]): Promise<void>;
  /** Newest first. */
  listServiceEvents(cluster: string, serviceName: string, page: PageRequest): Promise<Page<ServiceEvent>>;
}
