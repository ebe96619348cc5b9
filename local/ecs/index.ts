export { localEcsOptionsFromEnv } from './config';
export {
  type Clock,
  createLocalEcs,
  type EventSink,
  type LocalEcs,
  type LocalEcsOptions,
  supportedActions,
  type TaskSnapshot,
  type TaskStateChangeEvent,
} from './engine';
export { EcsServiceError } from './errors';
export { isValidFargateSize } from './fargate';
export {
  createSqsEventSink,
  type LocalEcsServer,
  type LocalEcsServerOptions,
  startLocalEcsServer,
} from './server';
