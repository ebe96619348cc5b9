/**
 * The ECS gateways of one Lambda instance, as lib/wiring.ts builds them, on the simulated clock: the
 * scheduler and every worker are separate instances, each with its own read pacer, and all launching
 * against the launch budget they share through the table.
 */
import type { ECSClient } from '@aws-sdk/client-ecs';
import { createEcsGateway, type EcsGateway } from '../../lib/ecs/gateway';
import {
  createReadPacer,
  createSharedPacer,
  FARGATE_LAUNCH_BUCKET,
  FARGATE_LAUNCH_RATE,
} from '../../lib/ecs/pacer';
import type { TugboatStore } from '../../lib/store/port';
import type { VirtualTime } from './virtual-time';

export interface LambdaEcsDeps {
  store: TugboatStore;
  client: ECSClient;
  time: VirtualTime;
  random: () => number;
}

/** A factory of Lambda instances' gateways: each call is a new instance, its gateways one per cluster. */
export const lambdaInstanceEcsOf =
  ({ store, client, time, random }: LambdaEcsDeps) =>
  () => {
    const gateways = new Map<string, EcsGateway>();
    const launchPacer = createSharedPacer({
      budget: store,
      bucket: FARGATE_LAUNCH_BUCKET,
      rate: FARGATE_LAUNCH_RATE,
      now: time.now,
      sleep: time.sleep,
    });
    const readPacer = createReadPacer({ now: time.now, sleep: time.sleep });
    return (cluster: string): EcsGateway => {
      let gateway = gateways.get(cluster);
      if (!gateway) {
        gateway = createEcsGateway({ client, cluster, sleep: time.sleep, random, launchPacer, readPacer });
        gateways.set(cluster, gateway);
      }
      return gateway;
    };
  };
