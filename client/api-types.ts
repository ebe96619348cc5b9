/** The API's JSON shapes, as the CLI and the console read them: the domain's own types. */
import type { TaskRecord as StoredTask } from '../lib/domain';
import type { TaskView } from '../lib/use-cases/task-revisions';
import type { TaskDescription as DescribedTask } from '../lib/use-cases/tasks';

export type {
  Deployment,
  Page,
  ScalingActivity,
  Service,
  ServiceEvent,
  TaskDefinition,
} from '../lib/domain';
export type { TaskTiming } from '../lib/inventory/timing';
export type { Action } from '../lib/reconcile/plan/types';
export type { ServicePlan } from '../lib/use-cases/deployment-history';
export type { PolicyMetricHistory } from '../lib/use-cases/scaling-activities';
export type { ServiceDescription } from '../lib/use-cases/services';
export type { TaskTargetView } from '../lib/use-cases/task-targets';
/** A task as answered: Tugboat's `taskDefinition` (family:revision) and ECS's `ecsTaskDefinitionArn`. */
export type TaskRecord = TaskView<StoredTask>;
export type TaskDescription = TaskView<DescribedTask>;
export type { JobRun, RunVerdict } from '../lib/domain';
export type { JobView } from '../lib/use-cases/jobs';
