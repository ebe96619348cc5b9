/** The API's JSON shapes, as the CLI and the console read them: the domain's own types. */
export type { Deployment, Page, Service, ServiceEvent, TaskDefinition, TaskRecord } from '../lib/domain';
export type { Action } from '../lib/reconcile/types';
export type { ServicePlan } from '../lib/use-cases/deployment-history';
export type { ServiceDescription } from '../lib/use-cases/services';
export type { TaskDescription, TaskTiming } from '../lib/use-cases/tasks';
