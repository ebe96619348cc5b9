/**
 * The local Elastic Load Balancing v2 endpoint held to the elbv2 service model (local/models/elbv2.json),
 * over the query protocol the SDK and the AWS CLI speak: a request the model rejects gets ValidationError,
 * and every answer's XML is walked against the operation's output shape. The operations come from the
 * endpoint's own list, so an operation added there is held to the model with no change here (one that
 * needs a resource to exist first needs a fixture below).
 */
import { supportedActions } from '../../local/elb';
import { launchTask, startElbHarness } from '../local-elb/helpers';
import { type Call, describeConformance, queryCaller } from './suite';
import { xmlText } from './wire';

let created = 0;
/** Creates an `ip` target group of its own and answers its ARN. */
const targetGroup = async (call: Call): Promise<string> => {
  const answer = await call('CreateTargetGroup', {
    Name: `conformance-${++created}`,
    Protocol: 'HTTP',
    Port: 80,
    VpcId: 'vpc-1',
    TargetType: 'ip',
  });
  const arn = answer.xml && xmlText(answer.xml, 'TargetGroupArn');
  if (answer.status !== 200 || !arn) throw new Error(`CreateTargetGroup: ${answer.code} ${answer.message}`);
  return arn;
};

/** Creates a load balancer of its own and answers its ARN. */
const loadBalancer = async (call: Call): Promise<string> => {
  const answer = await call('CreateLoadBalancer', { Name: `conformance-${++created}` });
  const arn = answer.xml && xmlText(answer.xml, 'LoadBalancerArn');
  if (answer.status !== 200 || !arn) throw new Error(`CreateLoadBalancer: ${answer.code} ${answer.message}`);
  return arn;
};

const forward = async (call: Call) => [{ Type: 'forward', TargetGroupArn: await targetGroup(call) }];

/** Creates a load balancer with an HTTP listener forwarding to a target group of its own; answers its ARN. */
const listener = async (call: Call): Promise<string> => {
  const answer = await call('CreateListener', {
    LoadBalancerArn: await loadBalancer(call),
    Protocol: 'HTTP',
    Port: 80,
    DefaultActions: await forward(call),
  });
  const arn = answer.xml && xmlText(answer.xml, 'ListenerArn');
  if (answer.status !== 200 || !arn) throw new Error(`CreateListener: ${answer.code} ${answer.message}`);
  return arn;
};

const ruleInput = async (call: Call) => ({
  ListenerArn: await listener(call),
  Priority: 10,
  Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }],
  Actions: await forward(call),
});

/** Creates a listener rule on a listener of its own and answers its ARN. */
const rule = async (call: Call): Promise<string> => {
  const answer = await call('CreateRule', await ruleInput(call));
  const arn = answer.xml && xmlText(answer.xml, 'RuleArn');
  if (answer.status !== 200 || !arn) throw new Error(`CreateRule: ${answer.code} ${answer.message}`);
  return arn;
};

let address = '';

describeConformance({
  service: 'elbv2',
  wire: 'query',
  operations: supportedActions,
  async start() {
    const harness = await startElbHarness();
    ({ address } = await launchTask(harness, 'web', 'nginx:1.27'));
    return { call: queryCaller('elbv2', harness.server.url), close: () => harness.close() };
  },
  fixtures: {
    CreateTargetGroup: async () => ({ Name: 'conformance', Protocol: 'HTTP', Port: 80, TargetType: 'ip' }),
    DeleteTargetGroup: async (call) => ({ TargetGroupArn: await targetGroup(call) }),
    ModifyTargetGroup: async (call) => ({ TargetGroupArn: await targetGroup(call) }),
    DescribeTargetGroupAttributes: async (call) => ({ TargetGroupArn: await targetGroup(call) }),
    ModifyTargetGroupAttributes: async (call) => ({
      TargetGroupArn: await targetGroup(call),
      Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '5' }],
    }),
    RegisterTargets: async (call) => ({
      TargetGroupArn: await targetGroup(call),
      Targets: [{ Id: address }],
    }),
    DeregisterTargets: async (call) => ({
      TargetGroupArn: await targetGroup(call),
      Targets: [{ Id: address }],
    }),
    CreateListener: async (call) => ({
      LoadBalancerArn: await loadBalancer(call),
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: await forward(call),
    }),
    DescribeListeners: async (call) => ({ LoadBalancerArn: await loadBalancer(call) }),
    ModifyListener: async (call) => ({
      ListenerArn: await listener(call),
      DefaultActions: await forward(call),
    }),
    DeleteListener: async (call) => ({ ListenerArn: await listener(call) }),
    DeleteLoadBalancer: async (call) => ({ LoadBalancerArn: await loadBalancer(call) }),
    CreateRule: ruleInput,
    DescribeRules: async (call) => ({ ListenerArn: await listener(call) }),
    ModifyRule: async (call) => ({ RuleArn: await rule(call), Actions: await forward(call) }),
    DeleteRule: async (call) => ({ RuleArn: await rule(call) }),
    DescribeTargetHealth: async (call) => {
      const arn = await targetGroup(call);
      await call('RegisterTargets', { TargetGroupArn: arn, Targets: [{ Id: address }] });
      return { TargetGroupArn: arn };
    },
  },
  validationCode: () => 'ValidationError',
});
