/**
 * Tugboat's desired-state model. Shapes follow ECS's where ECS has one, in camelCase.
 * These are plain data: the store persists them, the API returns them, the planner reads them.
 * One module per concern; this index is the one import path callers use (`../domain`).
 */

export * from './analysis';
export * from './approval';
export * from './deploy-requests';
export * from './deployment-control';
export * from './deployments';
export * from './jobs';
export * from './lifecycle-hooks';
export * from './page';
export * from './revisions-in-use';
export * from './scaling';
export * from './services';
export * from './spot';
export * from './task-definitions';
export * from './tasks';
export * from './traffic';
export * from './traffic-shift';
