import { createElbClientForGateway, createElbGateway, type ElbGateway } from './elb/gateway';
import { runtimeNow } from './runtime-clock';

/** One ELB gateway per instance, built on first use: it caches deregistration delays. */
export const elbGatewayOnce = (): (() => ElbGateway) => {
  let elbGateway: ElbGateway | undefined;
  return () => {
    elbGateway ??= createElbGateway({ client: createElbClientForGateway(), now: runtimeNow });
    return elbGateway;
  };
};
