/**
 * Application Load Balancers, their listeners and rules: the store the actions of load-balancers.ts,
 * listeners.ts and rules.ts share, and the checks every change of a rule's actions goes through (the target
 * groups exist, speak HTTP, and belong to no other load balancer, as Application Load Balancers allow).
 */
import { randomBytes } from 'node:crypto';
import { type ActionSpec, type ConditionSpec, forwardedGroups } from './actions';
import { ElbServiceError, targetGroupNotFound, validationError } from './errors';
import type { QueryInput } from './query';

export interface LoadBalancer {
  arn: string;
  /** `app/NAME/ID`, the LoadBalancer dimension of its metrics. */
  dimension: string;
  name: string;
  seq: number;
  createdAt: number;
  scheme: string;
  ipAddressType: string;
  subnets: string[];
  securityGroups: string[];
  dnsName: string;
  tags: { Key: string; Value?: string }[];
}

export interface Listener {
  arn: string;
  loadBalancerArn: string;
  seq: number;
  port: number;
  protocol: string;
  sslPolicy?: string;
  certificates?: { CertificateArn?: string }[];
  defaultRuleArn: string;
}

export interface Rule {
  arn: string;
  listenerArn: string;
  seq: number;
  /** A number from 1 to 50,000, or the listener's default rule. */
  priority: number | 'default';
  conditions: ConditionSpec[];
  actions: ActionSpec[];
}

export interface BalancerQuotas {
  /** Application Load Balancers per Region (50). */
  maxLoadBalancers: number;
  /** Listeners per load balancer (50). */
  maxListeners: number;
  /** Rules per load balancer, default rules not counted (100). */
  maxRules: number;
  /** Target groups per load balancer (100). */
  maxTargetGroupsPerLoadBalancer: number;
}

export const defaultQuotas: BalancerQuotas = {
  maxLoadBalancers: 50,
  maxListeners: 50,
  maxRules: 100,
  maxTargetGroupsPerLoadBalancer: 100,
};

export interface BalancerStore {
  region: string;
  accountId: string;
  now(): number;
  quotas: BalancerQuotas;
  loadBalancers: Map<string, LoadBalancer>;
  listeners: Map<string, Listener>;
  rules: Map<string, Rule>;
  nextSeq(): number;
  /** The target group behind an ARN, as far as forwarding cares; undefined when there is none. */
  targetGroup(arn: string): { protocol?: string; targetType: string } | undefined;
}

export const newId = () => randomBytes(8).toString('hex');

export const createBalancerStore = (
  settings: Pick<BalancerStore, 'region' | 'accountId' | 'now' | 'targetGroup'> & {
    quotas?: Partial<BalancerQuotas>;
  },
): BalancerStore => {
  let seq = 0;
  return {
    ...settings,
    quotas: { ...defaultQuotas, ...settings.quotas },
    loadBalancers: new Map(),
    listeners: new Map(),
    rules: new Map(),
    nextSeq: () => seq++,
  };
};

const arnPattern = (kind: string) =>
  new RegExp(`^arn:aws[a-z-]*:elasticloadbalancing:[^:]*:\\d{12}:${kind}/`);

/** A required ARN member: present, and an ARN of that kind (`loadbalancer`, `listener`, `listener-rule`). */
export const requiredArn = (input: QueryInput, member: string, kind: string): string => {
  const arn = input[member];
  const field = member[0]!.toLowerCase() + member.slice(1);
  if (typeof arn !== 'string' || arn === '')
    throw validationError(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  if (!arnPattern(kind).test(arn)) throw validationError(`'${arn}' is not a valid ${kind} ARN`);
  return arn;
};

export const loadBalancerNotFound = (arn?: string) =>
  new ElbServiceError(
    'LoadBalancerNotFound',
    arn ? `Load balancer '${arn}' not found` : 'One or more load balancers not found',
  );
export const listenerNotFound = (arn?: string) =>
  new ElbServiceError(
    'ListenerNotFound',
    arn ? `Listener '${arn}' not found` : 'One or more listeners not found',
  );
export const ruleNotFound = (arn?: string) =>
  new ElbServiceError('RuleNotFound', arn ? `Rule '${arn}' not found` : 'One or more rules not found');

export const loadBalancerOf = (store: BalancerStore, arn: string): LoadBalancer => {
  const found = store.loadBalancers.get(arn);
  if (!found) throw loadBalancerNotFound(arn);
  return found;
};

export const listenerOf = (store: BalancerStore, arn: string): Listener => {
  const found = store.listeners.get(arn);
  if (!found) throw listenerNotFound(arn);
  return found;
};

export const listenersOf = (store: BalancerStore, loadBalancerArn: string): Listener[] =>
  [...store.listeners.values()].filter((listener) => listener.loadBalancerArn === loadBalancerArn);

export const rulesOf = (store: BalancerStore, listenerArn: string): Rule[] =>
  [...store.rules.values()].filter((rule) => rule.listenerArn === listenerArn);

/** Target groups the load balancer's listeners and rules forward to, `except` one rule's actions. */
export const groupsOfLoadBalancer = (store: BalancerStore, loadBalancerArn: string, except?: string) => {
  const groups = new Set<string>();
  for (const listener of listenersOf(store, loadBalancerArn))
    for (const rule of rulesOf(store, listener.arn))
      if (rule.arn !== except) for (const arn of forwardedGroups(rule.actions)) groups.add(arn);
  return groups;
};

/** Load balancers whose listeners or rules forward to a target group (one at most, as ALBs allow). */
export const loadBalancersOfGroup = (store: BalancerStore, targetGroupArn: string): string[] => {
  const found = new Set<string>();
  for (const rule of store.rules.values())
    if (forwardedGroups(rule.actions).includes(targetGroupArn)) {
      const listener = store.listeners.get(rule.listenerArn);
      if (listener) found.add(listener.loadBalancerArn);
    }
  return [...found];
};

/**
 * Checks actions about to be set on a rule (or a new rule, `ruleArn` undefined) of a load balancer: each
 * forwarded target group exists, has an HTTP or HTTPS protocol, is not used by another load balancer, and the
 * load balancer stays within its target group quota.
 */
export const checkForwarding = (
  store: BalancerStore,
  loadBalancerArn: string,
  actions: readonly ActionSpec[],
  ruleArn?: string,
) => {
  const groups = forwardedGroups(actions);
  const missing = groups.filter((arn) => !store.targetGroup(arn));
  if (missing.length > 0) throw targetGroupNotFound(`Target groups '${missing.join(', ')}' not found`);
  for (const arn of groups) {
    const group = store.targetGroup(arn)!;
    if (group.protocol !== 'HTTP' && group.protocol !== 'HTTPS')
      throw new ElbServiceError(
        'IncompatibleProtocols',
        `The target group '${arn}' has protocol '${group.protocol ?? group.targetType}', which an Application Load Balancer cannot forward to`,
      );
    const others = loadBalancersOfGroup(store, arn).filter((other) => other !== loadBalancerArn);
    if (others.length > 0)
      throw new ElbServiceError(
        'TargetGroupAssociationLimit',
        `The following target groups cannot be associated with more than one load balancer: ${arn}`,
      );
  }
  const all = groupsOfLoadBalancer(store, loadBalancerArn, ruleArn);
  for (const arn of groups) all.add(arn);
  if (all.size > store.quotas.maxTargetGroupsPerLoadBalancer)
    throw new ElbServiceError(
      'TooManyUniqueTargetGroupsPerLoadBalancer',
      `You have reached the limit of ${store.quotas.maxTargetGroupsPerLoadBalancer} unique target groups per load balancer`,
    );
};
