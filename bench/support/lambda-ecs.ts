/**
 * The ECS gateways of one Lambda instance, as lib/wiring.ts builds them, on the simulated clock: the
 * scheduler and every worker are separate instances, each with its own read pacer, and all launching and
 * stopping against the budgets they share through the table (createEcsPacers, as deployed).
 */
import type { ECSClient } from '@aws-sdk/client-ecs';
import { createEcsGateway, type EcsGateway } from '../../lib/ecs/gateway';
import { createEcsPacers } from '../../lib/ecs/pacer';
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
    const pacers = createEcsPacers(store, { now: time.now, sleep: time.sleep });
    return (cluster: string): EcsGateway => {
      let gateway = gateways.get(cluster);
      if (!gateway) {
        // Not the registration pacer the deployed wiring has. With it the quick jobs benchmark missed by far
        // (tick -> RunTask 7.6-8.4 x its bound): its set-up's 30 services and first job launches all
        // register their family's first revision at the same instant from different instances, 35
        // RegisterTaskDefinition calls for 2 revisions, and the 32 copies that lost the race are
        // deregistered, all at ECS's 1 a second (docs/performance.md, "Registrations racing").
        const { launchPacer, readPacer, modifyPacer } = pacers;
        gateway = createEcsGateway({
          client,
          cluster,
          sleep: time.sleep,
          now: time.now,
          random,
          launchPacer,
          readPacer,
          modifyPacer,
        });
        gateways.set(cluster, gateway);
      }
      return gateway;
    };
  };
