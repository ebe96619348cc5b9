/**
 * Listener rules for traffic shifting, on an injected ElasticLoadBalancingV2Client: the forward weights
 * of a rule (DescribeRules) or of a listener's default action (DescribeListeners), and setting them
 * (ModifyRule, ModifyListener) with the rule's other actions kept as they are. A listener ARN stands for
 * its default action, as ECS's productionListenerRule takes either. Transient errors are retried as in
 * the gateway (gateway.ts); a rule or listener that does not exist reads as absent.
 */
import {
  type Action,
  DescribeListenersCommand,
  DescribeRulesCommand,
  type ElasticLoadBalancingV2Client,
  ListenerNotFoundException,
  ModifyListenerCommand,
  ModifyRuleCommand,
  RuleNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { type CallDeadline, createElbCaller, type ElbCallOptions } from './calls';

/** Target group ARN -> forward weight. */
export type ForwardWeights = Record<string, number>;

/** A rule's (or listener's default) actions and their forward weights. */
export interface RuleRead {
  weights: ForwardWeights;
  actions: Action[];
}

export interface ListenerRules {
  /**
   * The forward weights and actions of each rule or listener that exists (one DescribeRules and one
   * DescribeListeners), to set it later without reading it again.
   */
  readRules(arns: Iterable<string>, options?: CallDeadline): Promise<Record<string, RuleRead>>;
  /**
   * Replaces the forward action of the rule (ModifyRule) or listener default action (ModifyListener),
   * keeping its other actions: those given (`actions`, as read before), else those read within
   * ACTIONS_KEPT_MS, else read now. Returns the actions as ELB answered them.
   */
  setForwardWeights(
    arn: string,
    weights: Array<{ targetGroupArn: string; weight: number }>,
    options?: CallDeadline & { actions?: Action[] },
  ): Promise<Action[]>;
}

export interface ListenerRulesOptions extends ElbCallOptions {
  client: ElasticLoadBalancingV2Client;
}

/** How long a rule's actions, once read or set, are used to set it again without reading it first. */
export const ACTIONS_KEPT_MS = 60_000;

export const isListenerArn = (arn: string): boolean => arn.includes(':listener/');

/** The weights of a forward action: a plain TargetGroupArn forwards everything to it. */
export const weightsOf = (actions: Action[] | undefined): ForwardWeights | undefined => {
  const forward = actions?.find((action) => action.Type === 'forward');
  if (forward === undefined) return undefined;
  const groups = forward.ForwardConfig?.TargetGroups;
  if (groups && groups.length > 0) {
    return Object.fromEntries(
      groups.flatMap((g) => (g.TargetGroupArn ? [[g.TargetGroupArn, g.Weight ?? 1]] : [])),
    );
  }
  return forward.TargetGroupArn ? { [forward.TargetGroupArn]: 1 } : {};
};

/** The actions with the forward action's target groups set to `weights` (its order kept). */
export const withWeights = (
  actions: Action[],
  weights: Array<{ targetGroupArn: string; weight: number }>,
): Action[] => {
  const forward: Action = {
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: weights.map(({ targetGroupArn, weight }) => ({
        TargetGroupArn: targetGroupArn,
        Weight: weight,
      })),
    },
  };
  const index = actions.findIndex((action) => action.Type === 'forward');
  if (index < 0) return [...actions, forward];
  const { TargetGroupArn: _single, ForwardConfig: config, ...rest } = actions[index]!;
  return actions.with(index, {
    ...rest,
    ...forward,
    ForwardConfig: { ...config, TargetGroups: forward.ForwardConfig?.TargetGroups },
  });
};

const isNotFound = (error: unknown) =>
  error instanceof RuleNotFoundException || error instanceof ListenerNotFoundException;

export const createListenerRules = (options: ListenerRulesOptions): ListenerRules => {
  const { client } = options;
  const call = createElbCaller(options);
  const now = options.now ?? Date.now;
  const kept = new Map<string, { actions: Action[]; at: number }>();
  const keep = (arn: string, actions: Action[]) => kept.set(arn, { actions, at: now() });

  /** The actions of each rule or listener that exists; one by one after a not-found, to skip only it. */
  const actionsOf = async (arns: string[], deadline?: number): Promise<Map<string, Action[]>> => {
    const found = new Map<string, Action[]>();
    const rules = arns.filter((arn) => !isListenerArn(arn));
    const listeners = arns.filter(isListenerArn);
    const describe = async (batch: string[], listener: boolean): Promise<void> => {
      if (batch.length === 0) return;
      try {
        if (listener) {
          const answer = await call(
            'DescribeListeners',
            () => client.send(new DescribeListenersCommand({ ListenerArns: batch })),
            deadline,
          );
          for (const l of answer.Listeners ?? [])
            if (l.ListenerArn) found.set(l.ListenerArn, l.DefaultActions ?? []);
        } else {
          const answer = await call(
            'DescribeRules',
            () => client.send(new DescribeRulesCommand({ RuleArns: batch })),
            deadline,
          );
          for (const r of answer.Rules ?? []) if (r.RuleArn) found.set(r.RuleArn, r.Actions ?? []);
        }
      } catch (error) {
        if (!isNotFound(error)) throw error;
        if (batch.length > 1) for (const arn of batch) await describe([arn], listener);
      }
    };
    await describe(rules, false);
    await describe(listeners, true);
    for (const [arn, actions] of found) keep(arn, actions);
    return found;
  };

  return {
    async readRules(arns, { deadline } = {}) {
      const found = await actionsOf([...new Set(arns)], deadline);
      const rules: Record<string, RuleRead> = {};
      for (const [arn, actions] of found) rules[arn] = { weights: weightsOf(actions) ?? {}, actions };
      return rules;
    },

    async setForwardWeights(arn, weights, { deadline, actions: given } = {}) {
      const recent = kept.get(arn);
      const actions =
        given ??
        (recent !== undefined && now() - recent.at < ACTIONS_KEPT_MS
          ? recent.actions
          : ((await actionsOf([arn], deadline)).get(arn) ?? []));
      const next = withWeights(actions, weights);
      // Forgotten until it answers: a failed call may or may not have changed the rule.
      kept.delete(arn);
      if (isListenerArn(arn)) {
        const answer = await call('ModifyListener', () =>
          client.send(new ModifyListenerCommand({ ListenerArn: arn, DefaultActions: next })),
        );
        const set = answer.Listeners?.[0]?.DefaultActions ?? next;
        keep(arn, set);
        return set;
      }
      const answer = await call('ModifyRule', () =>
        client.send(new ModifyRuleCommand({ RuleArn: arn, Actions: next })),
      );
      const set = answer.Rules?.[0]?.Actions ?? next;
      keep(arn, set);
      return set;
    },
  };
};
