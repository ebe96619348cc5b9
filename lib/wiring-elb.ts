import type { ElbCallOptions } from './elb/calls';
import { createElbClientForGateway, createElbGateway, type ElbGateway } from './elb/gateway';
import { runtimeNow } from './runtime-clock';

/**
 * One ELB gateway per instance, built on first use: it caches deregistration delays. `pacing`: its
 * share of ELB's Describe* budget (lib/elb/calls.ts), a function so the pacer is built with it.
 */
export const elbGatewayOnce = (
  pacing: () => Pick<ElbCallOptions, 'describePacer' | 'maxRoomWaitMs'> = () => ({}),
): (() => ElbGateway) => {
  let elbGateway: ElbGateway | undefined;
  return () => {
    elbGateway ??= createElbGateway({ client: createElbClientForGateway(), now: runtimeNow, ...pacing() });
    return elbGateway;
  };
};
