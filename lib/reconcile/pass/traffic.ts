/**
 * A pass's traffic-shifting I/O: reading the listener rules of a service whose load balancers have an
 * advancedConfiguration (and the alarms its shifting PRIMARY names), and setting the rules' forward
 * weights the plan asks for. A read that fails leaves the rule or alarm out of the plan's input: the
 * plan then holds the stage that needs it rather than guess.
 */

import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  analysisEvidence,
  DEFAULT_ANALYSIS_INTERVAL_SECONDS,
  type Deployment,
  type Service,
} from '../../domain';
import { epochOf, isoOf } from '../../time';
import type { SetTrafficAction, TrafficInput } from '../plan/types';
import type { AnalysisTarget, PassContext } from './context';

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

/**
 * How long a pass takes a listener rule's weights from the service's record of them (listenerRuleWeights)
 * instead of DescribeRules: Tugboat sets them and records what it set, so a read finds something else
 * only when a person or another tool changed the rule meanwhile.
 */
export const LISTENER_RULE_REFRESH_MS = 120_000;

/** Every rule's recorded weights, when each was recorded within the refresh; else undefined (read them). */
export const recordedRuleWeights = (
  service: Service,
  rules: string[],
  now: number,
): Record<string, Record<string, number>> | undefined => {
  const recorded: Record<string, Record<string, number>> = {};
  for (const rule of rules) {
    const kept = service.listenerRuleWeights?.[rule];
    const at = epochOf(kept?.at);
    if (kept === undefined || at === undefined || now - at >= LISTENER_RULE_REFRESH_MS) return undefined;
    recorded[rule] = kept.weights;
  }
  return recorded;
};

/** What a pass read of its rules: their weights and actions, and when. */
export interface RulesRead {
  rules: Record<string, Record<string, number>>;
  actions: Record<string, Action[]>;
  at: number;
}

type RecordedActions = NonNullable<NonNullable<Service['listenerRuleWeights']>[string]['actions']>;
/** ELB's actions as the service item keeps them (plain data; the domain knows no SDK shape). */
export const recordOf = (actions: Action[]): RecordedActions => actions as unknown as RecordedActions;

/**
 * The service's rule weights after a pass: those read this pass (`read`), less the rules it is about to
 * set (`setting`: they are recorded once set, and a crash before that makes the next pass read them).
 * Rules the service no longer has are left out; undefined when none is left.
 */
export const ruleWeightsToKeep = (
  service: Service,
  read: RulesRead | undefined,
  setting: readonly string[],
): Service['listenerRuleWeights'] => {
  const inUse = new Set(listenerRulesOf(service));
  const kept: NonNullable<Service['listenerRuleWeights']> = { ...service.listenerRuleWeights };
  if (read)
    for (const [rule, weights] of Object.entries(read.rules)) {
      const actions = read.actions[rule];
      kept[rule] = { weights, at: isoOf(read.at), ...(actions ? { actions: recordOf(actions) } : {}) };
    }
  for (const rule of Object.keys(kept)) if (!inUse.has(rule) || setting.includes(rule)) delete kept[rule];
  return Object.keys(kept).length > 0 ? kept : undefined;
};

/**
 * The rules' weights (from the record while fresh, else one DescribeRules for them all), the alarms and
 * the analysis interval the plan judges; `read`: the rules as read, if they were.
 */
export const readTraffic = async (
  { deps, called }: PassContext,
  service: Service,
  deadline?: number,
): Promise<{ input: TrafficInput; read?: RulesRead } | undefined> => {
  const rules = listenerRulesOf(service);
  if (rules.length === 0 || deps.listenerRules === undefined) return undefined;
  const now = deps.now();
  const recorded = recordedRuleWeights(service, rules, now);
  let read: RulesRead | undefined;
  if (recorded === undefined) {
    const found = await deps.listenerRules.readRules(rules, deadline === undefined ? {} : { deadline });
    called('elb:DescribeRules');
    read = {
      rules: Object.fromEntries(Object.entries(found).map(([arn, rule]) => [arn, rule.weights])),
      actions: Object.fromEntries(Object.entries(found).map(([arn, rule]) => [arn, rule.actions])),
      at: now,
    };
  }
  const input: TrafficInput = { rules: recorded ?? read?.rules ?? {} };
  const alarms = alarmsToRead(service);
  if (alarms.length > 0 && deps.alarmStates) {
    input.alarms = await deps.alarmStates(alarms);
    called('cloudwatch:DescribeAlarms');
  }
  const analysis = analysisToRead(service, deps.now());
  if (analysis && deps.analysisFigures) {
    const figures = await deps.analysisFigures(analysis.target, analysis.start, analysis.end);
    called('cloudwatch:GetMetricData');
    input.analysis = {
      start: new Date(analysis.start).toISOString(),
      end: new Date(analysis.end).toISOString(),
      ...figures,
    };
  }
  return { input, ...(read ? { read } : {}) };
};

/**
 * The analysis interval a pass reads: the last whole interval (aligned to its length) of a shifting
 * PRIMARY with analysis, once it ended and is evidence of the current stage (analysisEvidence: the
 * interval the stage began in counts too), and is not judged yet, so each interval costs one
 * GetMetricData.
 */
export const analysisToRead = (
  service: Service,
  now: number,
): { target: AnalysisTarget; start: number; end: number } | undefined => {
  const config = service.deploymentConfiguration.analysis;
  const primary = service.deployments.find(
    (d): d is Deployment & { trafficShift: NonNullable<Deployment['trafficShift']> } =>
      d.status === 'PRIMARY' && d.rolloutState === 'IN_PROGRESS' && d.trafficShift !== undefined,
  );
  const route = primary?.trafficShift.routes[0];
  const rule = route?.productionListenerRule ?? route?.testListenerRule;
  if (config === undefined || primary === undefined || route === undefined || rule === undefined)
    return undefined;
  const intervalMs = (config.intervalSeconds ?? DEFAULT_ANALYSIS_INTERVAL_SECONDS) * 1000;
  const end = Math.floor(now / intervalMs) * intervalMs;
  const start = end - intervalMs;
  const stageStartedAt = epochOf(primary.trafficShift.stageStartedAt) ?? Number.POSITIVE_INFINITY;
  const createdAt = epochOf(primary.createdAt) ?? Number.POSITIVE_INFINITY;
  if (analysisEvidence(start, end, stageStartedAt, createdAt) === undefined) return undefined;
  const judged = primary.analysis?.intervals.at(-1);
  if (judged !== undefined && (epochOf(judged.end) ?? 0) >= end) return undefined;
  return {
    target: {
      loadBalancerArn: rule,
      targetGroupArn: route.to,
      ...(config.compareToBaseline ? { baselineTargetGroupArn: route.from } : {}),
    },
    start,
    end,
  };
};

/** Each rule's actions as the service records them, with those this pass read over them. */
export const knownRuleActions = (
  service: Service,
  read: RulesRead | undefined,
): Record<string, Action[]> => ({
  ...Object.fromEntries(
    Object.entries(service.listenerRuleWeights ?? {}).flatMap(([rule, kept]) =>
      kept.actions ? [[rule, kept.actions as unknown as Action[]]] : [],
    ),
  ),
  ...read?.actions,
});

/** The listener rules the plan sets. */
export const rulesSetBy = (actions: readonly { type: string }[]): string[] =>
  actions.flatMap((action) =>
    action.type === 'set-traffic' ? [(action as SetTrafficAction).listenerRule] : [],
  );

/**
 * ModifyRule (or ModifyListener) for each set-traffic action, in order, keeping each rule's other
 * actions as `known` gives them (else as the adapter reads them); `onSet` hears of each as it is set
 * (the pass records it). Returns how many it set.
 */
export const applyTraffic = async (
  { deps, called }: PassContext,
  actions: readonly { type: string }[],
  deadline?: number,
  known: Record<string, Action[]> = {},
  onSet: (rule: string, weights: Record<string, number>, actions: Action[]) => void = () => undefined,
): Promise<number> => {
  const sets = actions.filter((action): action is SetTrafficAction => action.type === 'set-traffic');
  if (sets.length === 0 || deps.listenerRules === undefined) return 0;
  for (const action of sets) {
    const given = known[action.listenerRule];
    const set = await deps.listenerRules.setForwardWeights(action.listenerRule, action.weights, {
      ...(deadline === undefined ? {} : { deadline }),
      ...(given ? { actions: given } : {}),
    });
    called('elb:ModifyRule');
    onSet(
      action.listenerRule,
      Object.fromEntries(action.weights.map(({ targetGroupArn, weight }) => [targetGroupArn, weight])),
      set,
    );
  }
  return sets.length;
};
