export {
  createDefaultAlb,
  createDefaultWebTargetGroup,
  createIpTargetGroup,
  type DefaultAlb,
  defaultAlb,
  defaultWebTargetGroup,
} from './defaults';
export {
  createLocalElb,
  type LocalElb,
  type LocalElbOptions,
  supportedActions,
  type TaskDirectory,
} from './engine';
export { ElbServiceError } from './errors';
export { type LocalElbServer, type LocalElbServerOptions, startLocalElbServer } from './server';
