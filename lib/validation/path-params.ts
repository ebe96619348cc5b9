import { parseInput } from './parse';
import { clusterNameSchema, ecsName } from './task-definition-schemas';

/** Path parameters the use cases take as they came in the URL; each fails as a 400 naming itself. */
export const parseCluster = (cluster: string): string =>
  parseInput(clusterNameSchema(), cluster, 'cluster name');
export const parseServiceName = (serviceName: string): string =>
  parseInput(ecsName(), serviceName, 'service name');
