/**
 * The in-process local Elastic Load Balancing v2: target groups and their targets, whose health is simulated
 * from the local ECS endpoint's tasks (see health.ts) on the clock the ECS endpoint runs on. `handle(action,
 * input)` takes a query-protocol request read into values and returns the result members, or throws
 * ElbServiceError; the HTTP server (server.ts) is a thin shell around it.
 */
import { randomBytes } from 'node:crypto';
import type { Datapoint } from '../cloudwatch/datapoints';
import type { Clock, TaskSnapshot } from '../ecs/engine';
import {
  type BalancerQuotas,
  type BalancerStore,
  createBalancerStore,
  groupsOfLoadBalancer,
  loadBalancerNotFound,
  loadBalancersOfGroup,
} from './balancers';
import { ElbServiceError, targetGroupNotFound, validationError } from './errors';
import {
  advanceHealth,
  checksDisabledView,
  drainingView,
  healthView,
  newTrack,
  noOverride,
  notRegisteredView,
  type TargetHealthView,
} from './health';
import { listenerActions } from './listeners';
import { loadBalancerActions } from './load-balancers';
import { applicationElbDatapoints } from './metrics';
import { page } from './paging';
import type { QueryInput, XmlValue } from './query';
import { ruleActions } from './rules';
import {
  defaultAttributes,
  healthSettingsOf,
  modifiedAttributes,
  modifiedHealthCheck,
  readNewTargetGroup,
  settingsOf,
  stringList,
  structList,
  type Target,
  type TargetGroup,
  targetGroupViewOf,
} from './target-groups';
import { checkRegistrable, checkWellFormed, readTargets } from './targets';
import { createElbThrottle } from './throttle';
import { createTrafficModel, type TrafficModel } from './traffic';
import { validateRequest } from './validate';

/** Where health checks look for the task behind an `ip` target: the local ECS endpoint. */
export interface TaskDirectory {
  taskByPrivateIpv4(address: string): TaskSnapshot | undefined;
}

export interface LocalElbOptions {
  region?: string;
  accountId?: string;
  /** The clock health checks and draining run on; share the ECS endpoint's (default: Date.now). */
  clock?: Clock;
  /** The tasks health checks reach (default: none, so every check fails). */
  tasks?: TaskDirectory;
  /** Quotas (Elastic Load Balancing quotas: 3,000 target groups per Region, 1,000 targets per group). */
  maxTargetGroups?: number;
  maxTargetsPerGroup?: number;
  /** Application Load Balancer quotas (50 load balancers, 50 listeners and 100 rules each, ...). */
  balancerQuotas?: Partial<BalancerQuotas>;
  /** ELB's request throttling (throttle.ts): 1 as published, another factor to scale it; default 'off'. */
  throttle?: 'off' | number;
}

export interface LocalElb {
  readonly region: string;
  readonly accountId: string;
  /** An action in process (harnesses looking on): not throttled, since no client spent a request on it. */
  handle(action: string, input: QueryInput): { [key: string]: XmlValue };
  /** A request from the wire (server.ts): throttled (throttle.ts), then handled. */
  serve(action: string, input: QueryInput): { [key: string]: XmlValue };
  now(): number;
  /** Load balancers, listeners and rules (read by the traffic model). */
  readonly balancers: BalancerStore;
  /** Listener traffic (POST /__local/traffic) and its per-minute accounts. */
  readonly traffic: TrafficModel;
  /** AWS/ApplicationELB datapoints for the local CloudWatch; undefined for a metric the traffic never fed. */
  applicationElbMetrics(
    metric: { namespace: string; metricName: string; dimensions: ReadonlyMap<string, string> },
    start: number,
    end: number,
  ): Datapoint[] | undefined;
}

export const supportedActions = [
  'CreateTargetGroup',
  'DescribeTargetGroups',
  'DeleteTargetGroup',
  'ModifyTargetGroup',
  'DescribeTargetGroupAttributes',
  'ModifyTargetGroupAttributes',
  'RegisterTargets',
  'DeregisterTargets',
  'DescribeTargetHealth',
  'CreateLoadBalancer',
  'DescribeLoadBalancers',
  'DeleteLoadBalancer',
  'CreateListener',
  'ModifyListener',
  'DescribeListeners',
  'DeleteListener',
  'CreateRule',
  'ModifyRule',
  'DescribeRules',
  'DeleteRule',
  'SetRulePriorities',
] as const;
type Handler = (input: QueryInput) => { [key: string]: XmlValue };

export const createLocalElb = (options: LocalElbOptions = {}): LocalElb => {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const clock = options.clock ?? { now: () => Date.now() };
  const throttle = createElbThrottle(() => clock.now(), options.throttle ?? 'off');
  const maxTargetGroups = options.maxTargetGroups ?? 3000;
  const maxTargetsPerGroup = options.maxTargetsPerGroup ?? 1000;
  const groups = new Map<string, TargetGroup>();
  const balancers = createBalancerStore({
    region,
    accountId,
    now: () => clock.now(),
    targetGroup: (arn) => groups.get(arn),
    ...(options.balancerQuotas ? { quotas: options.balancerQuotas } : {}),
  });

  const byArn = (arn: string): TargetGroup => {
    const group = groups.get(arn);
    if (!group) throw targetGroupNotFound(`Target groups '${arn}' not found`);
    return group;
  };
  const requiredArn = (input: QueryInput): string => {
    const arn = input.TargetGroupArn;
    if (typeof arn !== 'string' || arn === '')
      throw validationError(
        "1 validation error detected: Value null at 'targetGroupArn' failed to satisfy constraint: Member must not be null",
      );
    if (!/^arn:aws[a-z-]*:elasticloadbalancing:[^:]*:\d{12}:targetgroup\/[^/]+\/[0-9a-f]+$/.test(arn))
      throw validationError(`'${arn}' is not a valid target group ARN`);
    return arn;
  };

  /**
   * Brings a target up to now: its due health checks, and for a draining one, whether draining is over. A
   * draining target whose task's containers have exited has no connections left, so it goes at once (as the
   * service completes a deregistration with no in-flight requests). Returns false when it is gone.
   */
  const settle = (group: TargetGroup, key: string, target: Target, at: number): boolean => {
    const task = group.targetType === 'ip' ? options.tasks?.taskByPrivateIpv4(target.id) : undefined;
    if (target.drainingUntil !== undefined) {
      const gone =
        target.drainingUntil <= at ||
        !task ||
        (task.executionStoppedAt !== undefined && task.executionStoppedAt <= at);
      if (gone) group.targets.delete(key);
      return !gone;
    }
    if (group.healthCheck.enabled)
      target.track = advanceHealth(target.track, task, at, healthSettingsOf(group.healthCheck));
    return true;
  };
  const settleAll = (group: TargetGroup) => {
    const at = clock.now();
    for (const [key, target] of group.targets) settle(group, key, target, at);
  };

  const traffic = createTrafficModel({
    store: balancers,
    now: () => clock.now(),
    targetsAt(arn, at) {
      const group = groups.get(arn);
      if (!group) return undefined;
      return [...group.targets.values()]
        .filter((target) => target.drainingUntil === undefined)
        .map((target) => {
          const task = group.targetType === 'ip' ? options.tasks?.taskByPrivateIpv4(target.id) : undefined;
          const state = group.healthCheck.enabled
            ? advanceHealth(target.track, task, at, healthSettingsOf(group.healthCheck)).state
            : 'unavailable';
          return { id: target.id, state, ...(task ? { task } : {}) };
        });
    },
  });

  const viewOf = (group: TargetGroup, target: Target): TargetHealthView =>
    target.drainingUntil !== undefined
      ? drainingView
      : group.healthCheck.enabled
        ? healthView(target.track)
        : checksDisabledView;

  const targetGroupView = (group: TargetGroup) =>
    targetGroupViewOf(group, loadBalancersOfGroup(balancers, group.arn));

  const attributesView = (group: TargetGroup) =>
    [...group.attributes].map(([Key, Value]) => ({ Key, Value }));

  const targetGroupActions: Record<string, Handler> = {
    CreateTargetGroup(input) {
      const settings = readNewTargetGroup(input);
      const tags = structList(input, 'Tags') ?? [];
      if (tags.length > 50)
        throw new ElbServiceError('TooManyTags', 'You have reached the limit on the number of tags');
      const existing = [...groups.values()].find((group) => group.name === settings.name);
      if (existing) {
        // Creating the same target group again is idempotent; a different one by that name is not.
        const same = JSON.stringify({ ...settings }) === JSON.stringify(settingsOf(existing));
        if (!same)
          throw new ElbServiceError(
            'DuplicateTargetGroupName',
            'A target group with the same name exists, but with different settings',
          );
        return { TargetGroups: [targetGroupView(existing)] };
      }
      if (groups.size >= maxTargetGroups)
        throw new ElbServiceError(
          'TooManyTargetGroups',
          'The quota for the number of target groups has been reached',
        );
      const group: TargetGroup = {
        ...settings,
        arn: `arn:aws:elasticloadbalancing:${region}:${accountId}:targetgroup/${settings.name}/${randomBytes(8).toString('hex')}`,
        seq: balancers.nextSeq(),
        tags: tags.map((tag) => ({
          Key: String(tag.Key),
          Value: tag.Value === undefined ? undefined : String(tag.Value),
        })),
        attributes: defaultAttributes(settings),
        targets: new Map(),
      };
      groups.set(group.arn, group);
      return { TargetGroups: [targetGroupView(group)] };
    },

    DescribeTargetGroups(input) {
      const names = stringList(input, 'Names');
      const arns = stringList(input, 'TargetGroupArns');
      const loadBalancerArn = input.LoadBalancerArn;
      const filters = [names?.length, arns?.length, loadBalancerArn].filter(Boolean).length;
      if (filters > 1)
        throw validationError(
          'Target group names, target group ARNs, and a load balancer ARN cannot be specified at the same time',
        );
      let selected = [...groups.values()];
      if (typeof loadBalancerArn === 'string') {
        if (!balancers.loadBalancers.has(loadBalancerArn)) throw loadBalancerNotFound(loadBalancerArn);
        const used = groupsOfLoadBalancer(balancers, loadBalancerArn);
        selected = selected.filter((group) => used.has(group.arn));
      } else if (names && names.length > 0) {
        const missing = names.filter((name) => !selected.some((group) => group.name === name));
        if (missing.length > 0) throw targetGroupNotFound(`One or more target groups not found`);
        selected = selected.filter((group) => names.includes(group.name));
      } else if (arns && arns.length > 0) {
        const missing = arns.filter((arn) => !groups.has(arn));
        if (missing.length > 0) throw targetGroupNotFound(`One or more target groups not found`);
        selected = selected.filter((group) => arns.includes(group.arn));
      }
      const { items, nextMarker } = page(selected, input);
      return { TargetGroups: items.map(targetGroupView), NextMarker: nextMarker };
    },

    DeleteTargetGroup(input) {
      // An unknown target group is deleted already (the model lists no TargetGroupNotFound for this action).
      const arn = requiredArn(input);
      if (loadBalancersOfGroup(balancers, arn).length > 0)
        throw new ElbServiceError(
          'ResourceInUse',
          `Target group '${arn}' is currently in use by a listener or a rule`,
        );
      groups.delete(arn);
      return {};
    },

    ModifyTargetGroup(input) {
      const group = byArn(requiredArn(input));
      const next = modifiedHealthCheck(group.healthCheck, input);
      // Checks up to now ran with the old settings.
      settleAll(group);
      group.healthCheck = next;
      return { TargetGroups: [targetGroupView(group)] };
    },

    DescribeTargetGroupAttributes(input) {
      return { Attributes: attributesView(byArn(requiredArn(input))) };
    },

    ModifyTargetGroupAttributes(input) {
      const group = byArn(requiredArn(input));
      group.attributes = modifiedAttributes(group.attributes, input);
      return { Attributes: attributesView(group) };
    },

    RegisterTargets(input) {
      const group = byArn(requiredArn(input));
      const targets = readTargets(group, input, true)!;
      checkRegistrable(group, targets);
      settleAll(group);
      const added = new Set(
        targets.filter((target) => !group.targets.has(target.key)).map((target) => target.key),
      );
      if (group.targets.size + added.size > maxTargetsPerGroup)
        throw new ElbServiceError('TooManyTargets', 'You have reached the limit on the number of targets');
      const at = clock.now();
      for (const target of targets) {
        const current = group.targets.get(target.key);
        // A registered target stays as it is; a draining one is registered afresh.
        if (current && current.drainingUntil === undefined) continue;
        group.targets.set(target.key, {
          id: target.id,
          port: target.port,
          availabilityZone: target.availabilityZone,
          track: newTrack(at),
        });
      }
      return {};
    },

    DeregisterTargets(input) {
      const group = byArn(requiredArn(input));
      const targets = readTargets(group, input, true)!;
      checkWellFormed(group, targets);
      settleAll(group);
      const at = clock.now();
      const delayMs = Number(group.attributes.get('deregistration_delay.timeout_seconds') ?? '300') * 1000;
      for (const target of targets) {
        const current = group.targets.get(target.key);
        // Deregistering a target that is not registered succeeds, as the reference says.
        if (!current || current.drainingUntil !== undefined) continue;
        current.drainingUntil = at + delayMs;
        settle(group, target.key, current, at);
      }
      return {};
    },

    DescribeTargetHealth(input) {
      const group = byArn(requiredArn(input));
      const asked = readTargets(group, input, false);
      if (asked) checkWellFormed(group, asked);
      settleAll(group);
      const healthCheckPort = (port: number) =>
        group.healthCheck.port === 'traffic-port' || group.healthCheck.port === undefined
          ? String(port)
          : group.healthCheck.port;
      const describe = (
        id: string,
        port: number,
        availabilityZone: string | undefined,
        health: TargetHealthView,
      ) => ({
        Target: { Id: id, Port: port, AvailabilityZone: availabilityZone },
        HealthCheckPort: healthCheckPort(port),
        TargetHealth: health,
        AdministrativeOverride: noOverride,
      });
      const descriptions = asked
        ? asked.map((target) => {
            const registered = group.targets.get(target.key);
            return registered
              ? describe(
                  registered.id,
                  registered.port,
                  registered.availabilityZone,
                  viewOf(group, registered),
                )
              : describe(target.id, target.port, target.availabilityZone, notRegisteredView);
          })
        : [...group.targets.values()].map((target) =>
            describe(target.id, target.port, target.availabilityZone, viewOf(group, target)),
          );
      return { TargetHealthDescriptions: descriptions };
    },
  };

  const actions: Record<string, Handler> = {
    ...targetGroupActions,
    ...loadBalancerActions(balancers),
    ...listenerActions(balancers),
    ...ruleActions(balancers),
  };

  return {
    region,
    accountId,
    balancers,
    now: () => clock.now(),
    traffic,
    applicationElbMetrics: (metric, start, end) => applicationElbDatapoints(traffic, metric, start, end),
    handle(action, input) {
      // Traffic up to now is served with the state before this call.
      traffic.accrue();
      const handler = Object.hasOwn(actions, action) ? actions[action] : undefined;
      if (!handler)
        throw new ElbServiceError('InvalidAction', `The action ${action} is not valid for this web service.`);
      validateRequest(action, input);
      return handler(input);
    },
    serve(action, input) {
      if (Object.hasOwn(actions, action)) throttle(action);
      return this.handle(action, input);
    },
  };
};
