/**
 * A pass's traffic-shifting I/O: reading the listener rules of a service whose load balancers have an
 * advancedConfiguration (and the alarms its shifting PRIMARY names), and setting the rules' forward
 * weights the plan asks for. A read that fails leaves the rule or alarm out of the plan's input: the
 * plan then holds the stage that needs it rather than guess.
 */
import type { Service } from '../../domain';
import type { SetTrafficAction, TrafficInput } from '../plan/types';
import type { PassContext } from './context';

/** The production and test rules (or listeners) of the service's load balancers. */
export const listenerRulesOf = (service: Service): string[] => [
  ...new Set(
    (service.loadBalancers ?? []).flatMap((lb) => {
      const advanced = lb.advancedConfiguration;
      return [advanced?.productionListenerRule, advanced?.testListenerRule].flatMap((arn) =>
        arn === undefined ? [] : [arn],
      );
    }),
  ),
];

/** The alarms of the PRIMARY's traffic shift while it is under way. */
export const alarmsToRead = (service: Service): string[] =>
  service.deployments.flatMap((d) =>
    d.status === 'PRIMARY' && d.rolloutState === 'IN_PROGRESS'
      ? (d.trafficShift?.alarms?.alarmNames ?? [])
      : [],
  );

export const readTraffic = async (
  { deps, called }: PassContext,
  service: Service,
): Promise<TrafficInput | undefined> => {
  const rules = listenerRulesOf(service);
  if (rules.length === 0 || deps.listenerRules === undefined) return undefined;
  const input: TrafficInput = { rules: await deps.listenerRules.forwardWeights(rules) };
  called('elb:DescribeRules');
  const alarms = alarmsToRead(service);
  if (alarms.length > 0 && deps.alarmStates) {
    input.alarms = await deps.alarmStates(alarms);
    called('cloudwatch:DescribeAlarms');
  }
  return input;
};

/** ModifyRule (or ModifyListener) for each set-traffic action; returns how many it set. */
export const applyTraffic = async (
  { deps, called }: PassContext,
  actions: readonly { type: string }[],
): Promise<number> => {
  const sets = actions.filter((action): action is SetTrafficAction => action.type === 'set-traffic');
  if (sets.length === 0 || deps.listenerRules === undefined) return 0;
  for (const action of sets) {
    await deps.listenerRules.setForwardWeights(action.listenerRule, action.weights);
    called('elb:ModifyRule');
  }
  return sets.length;
};
