export { localCloudWatchOptionsFromEnv } from './config';
export type { TargetGroupResolver, TargetGroupTargets } from './derived';
export {
  createLocalCloudWatch,
  type LocalCloudWatch,
  type LocalCloudWatchOptions,
  supportedActions,
} from './engine';
export { CloudWatchServiceError } from './errors';
export {
  type LocalCloudWatchServer,
  type LocalCloudWatchServerOptions,
  startLocalCloudWatchServer,
} from './server';
