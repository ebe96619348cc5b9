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
import { defaultRetryPolicy, type RetryPolicy, retryDelayMs } from '../ecs/gateway';
import { DependencyError } from '../errors';
import { isTransientElbError } from './gateway';

/** Target group ARN -> forward weight. */
export type ForwardWeights = Record<string, number>;

export interface ListenerRules {
  /** The forward weights of each rule or listener that exists (one DescribeRules and one DescribeListeners). */
  forwardWeights(arns: Iterable<string>): Promise<Record<string, ForwardWeights>>;
  /** Replaces the forward action of the rule (ModifyRule) or listener default action (ModifyListener). */
  setForwardWeights(arn: string, weights: Array<{ targetGroupArn: string; weight: number }>): Promise<void>;
}

export interface ListenerRulesOptions {
  client: ElasticLoadBalancingV2Client;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

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

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const isNotFound = (error: unknown) =>
  error instanceof RuleNotFoundException || error instanceof ListenerNotFoundException;

export const createListenerRules = (options: ListenerRulesOptions): ListenerRules => {
  const { client } = options;
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.retry };
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;

  const withRetry = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!isTransientElbError(error)) throw error;
        if (attempt + 1 >= policy.maxAttempts)
          throw new DependencyError(
            `Elastic Load Balancing ${operation} still failing after ${policy.maxAttempts} attempts`,
            error,
          );
        await sleep(retryDelayMs(attempt, policy, random));
      }
    }
  };

  /** The actions of each rule or listener that exists; one by one after a not-found, to skip only it. */
  const actionsOf = async (arns: string[]): Promise<Map<string, Action[]>> => {
    const found = new Map<string, Action[]>();
    const rules = arns.filter((arn) => !isListenerArn(arn));
    const listeners = arns.filter(isListenerArn);
    const describe = async (batch: string[], listener: boolean): Promise<void> => {
      if (batch.length === 0) return;
      try {
        if (listener) {
          const answer = await withRetry('DescribeListeners', () =>
            client.send(new DescribeListenersCommand({ ListenerArns: batch })),
          );
          for (const l of answer.Listeners ?? [])
            if (l.ListenerArn) found.set(l.ListenerArn, l.DefaultActions ?? []);
        } else {
          const answer = await withRetry('DescribeRules', () =>
            client.send(new DescribeRulesCommand({ RuleArns: batch })),
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
    return found;
  };

  return {
    async forwardWeights(arns) {
      const found = await actionsOf([...new Set(arns)]);
      const weights: Record<string, ForwardWeights> = {};
      for (const [arn, actions] of found) weights[arn] = weightsOf(actions) ?? {};
      return weights;
    },

    async setForwardWeights(arn, weights) {
      const actions = (await actionsOf([arn])).get(arn) ?? [];
      const next = withWeights(actions, weights);
      if (isListenerArn(arn)) {
        await withRetry('ModifyListener', () =>
          client.send(new ModifyListenerCommand({ ListenerArn: arn, DefaultActions: next })),
        );
      } else {
        await withRetry('ModifyRule', () =>
          client.send(new ModifyRuleCommand({ RuleArn: arn, Actions: next })),
        );
      }
    },
  };
};
