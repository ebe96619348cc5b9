/**
 * CreateRule, ModifyRule, DescribeRules, DeleteRule and SetRulePriorities. A listener's rules are evaluated
 * in priority order (1 first) and its default rule last; the default rule's actions may change, its
 * conditions and priority may not, and it cannot be deleted.
 */
import { actionView, conditionView, readActions, readConditions } from './actions';
import {
  type BalancerStore,
  checkForwarding,
  listenerOf,
  listenersOf,
  newId,
  type Rule,
  requiredArn,
  ruleNotFound,
  rulesOf,
} from './balancers';
import { constraintError, ElbServiceError, validationError } from './errors';
import { page } from './paging';
import type { QueryInput, QueryValue, XmlValue } from './query';
import { stringList, structList } from './target-groups';

type Handler = (input: QueryInput) => { [key: string]: XmlValue };

const readPriority = (raw: QueryValue | undefined, field: string): number => {
  if (raw === undefined)
    throw validationError(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  const priority = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(priority))
    throw validationError('Priority must be an integer');
  if (priority < 1)
    throw constraintError(field, priority, 'Member must have value greater than or equal to 1');
  if (priority > 50000)
    throw constraintError(field, priority, 'Member must have value less than or equal to 50000');
  return priority;
};

/** Priority order, the default rule last. */
export const byPriority = (a: Rule, b: Rule) =>
  (a.priority === 'default' ? Number.POSITIVE_INFINITY : a.priority) -
  (b.priority === 'default' ? Number.POSITIVE_INFINITY : b.priority);

export const ruleView = (rule: Rule) => ({
  RuleArn: rule.arn,
  Priority: String(rule.priority),
  Conditions: rule.conditions.map(conditionView),
  Actions: rule.actions.map(actionView),
  IsDefault: rule.priority === 'default',
});

const priorityInUse = (priority: number) =>
  new ElbServiceError('PriorityInUse', `Priority '${priority}' is currently in use`);

export const ruleActions = (store: BalancerStore): Record<string, Handler> => {
  const ruleOf = (arn: string) => {
    const rule = store.rules.get(arn);
    if (!rule) throw ruleNotFound(arn);
    return rule;
  };
  const loadBalancerOfRule = (rule: Rule) => listenerOf(store, rule.listenerArn).loadBalancerArn;

  return {
    CreateRule(input) {
      const listener = listenerOf(store, requiredArn(input, 'ListenerArn', 'listener'));
      const conditions = readConditions(input);
      if (conditions.length === 0) throw validationError('A rule must have at least one condition');
      const priority = readPriority(input.Priority, 'priority');
      const actions = readActions(input, 'Actions');
      if (rulesOf(store, listener.arn).some((rule) => rule.priority === priority))
        throw priorityInUse(priority);
      const rules = listenersOf(store, listener.loadBalancerArn).flatMap((one) =>
        rulesOf(store, one.arn).filter((rule) => rule.priority !== 'default'),
      );
      if (rules.length >= store.quotas.maxRules)
        throw new ElbServiceError('TooManyRules', 'You have reached the limit on the number of rules');
      checkForwarding(store, listener.loadBalancerArn, actions);
      const prefix = listener.arn.replace(':listener/', ':listener-rule/');
      const rule: Rule = {
        arn: `${prefix}/${newId()}`,
        listenerArn: listener.arn,
        seq: store.nextSeq(),
        priority,
        conditions,
        actions,
      };
      store.rules.set(rule.arn, rule);
      return { Rules: [ruleView(rule)] };
    },

    ModifyRule(input) {
      const rule = ruleOf(requiredArn(input, 'RuleArn', 'listener-rule'));
      const conditions = input.Conditions === undefined ? undefined : readConditions(input);
      const actions = input.Actions === undefined ? undefined : readActions(input, 'Actions');
      if (conditions && rule.priority === 'default')
        throw new ElbServiceError(
          'OperationNotPermitted',
          'The conditions of a default rule cannot be modified',
        );
      if (conditions?.length === 0) throw validationError('A rule must have at least one condition');
      if (actions) checkForwarding(store, loadBalancerOfRule(rule), actions, rule.arn);
      if (conditions) rule.conditions = conditions;
      if (actions) rule.actions = actions;
      return { Rules: [ruleView(rule)] };
    },

    DescribeRules(input) {
      const listenerArn = input.ListenerArn;
      const arns = stringList(input, 'RuleArns');
      if (typeof listenerArn === 'string' && arns?.length)
        throw validationError('A listener ARN and rule ARNs cannot be specified at the same time');
      let selected: Rule[];
      if (typeof listenerArn === 'string' && listenerArn !== '')
        selected = rulesOf(store, listenerOf(store, listenerArn).arn);
      else if (arns && arns.length > 0) {
        if (arns.some((arn) => !store.rules.has(arn))) throw ruleNotFound();
        selected = [...store.rules.values()].filter((rule) => arns.includes(rule.arn));
      } else throw validationError('You must specify either listener ARNs or rule ARNs');
      const { items, nextMarker } = page(selected.sort(byPriority), input);
      return { Rules: items.map(ruleView), NextMarker: nextMarker };
    },

    DeleteRule(input) {
      const rule = ruleOf(requiredArn(input, 'RuleArn', 'listener-rule'));
      if (rule.priority === 'default')
        throw new ElbServiceError('OperationNotPermitted', 'A default rule cannot be deleted');
      store.rules.delete(rule.arn);
      return {};
    },

    SetRulePriorities(input) {
      const pairs = structList(input, 'RulePriorities');
      if (pairs === undefined)
        throw validationError(
          "1 validation error detected: Value null at 'rulePriorities' failed to satisfy constraint: Member must not be null",
        );
      const changes = pairs.map((pair, index) => {
        const arn = pair.RuleArn;
        if (typeof arn !== 'string') throw validationError('A rule ARN must be specified');
        const rule = ruleOf(arn);
        if (rule.priority === 'default')
          throw new ElbServiceError(
            'OperationNotPermitted',
            'The priority of a default rule cannot be changed',
          );
        return { rule, priority: readPriority(pair.Priority, `rulePriorities.${index + 1}.member.priority`) };
      });
      // Checked against the listener's rules as they will be once every change is made.
      const changed = new Map(changes.map((change) => [change.rule.arn, change.priority]));
      for (const { rule, priority } of changes) {
        const clash = rulesOf(store, rule.listenerArn).some(
          (other) => other.arn !== rule.arn && (changed.get(other.arn) ?? other.priority) === priority,
        );
        if (clash) throw priorityInUse(priority);
      }
      for (const { rule, priority } of changes) rule.priority = priority;
      return { Rules: changes.map(({ rule }) => ruleView(rule)) };
    },
  };
};
