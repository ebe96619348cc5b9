/** The target health adapter of the scaler: how many targets of a group serve (DescribeTargetHealth). */
import type { ElbGateway } from '../elb/gateway';
import type { TargetHealthReader } from './evaluation';

export const createTargetHealthReader = (
  elb: Pick<ElbGateway, 'describeTargetHealth'>,
): TargetHealthReader => ({
  async healthyTargets(targetGroupArn) {
    const targets = await elb.describeTargetHealth(targetGroupArn);
    return targets.filter((target) => target.TargetHealth?.State === 'healthy').length;
  },
});
