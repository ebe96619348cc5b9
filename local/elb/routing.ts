/**
 * Which rule of a listener a request matches: rules in priority order, the first whose conditions all match,
 * else the default rule. Path patterns are case-sensitive, host and header values case-insensitive; `*` is any
 * run of characters and `?` one, as in the reference. Query-string and source-ip conditions never match a
 * simulated request (it has neither).
 */
import type { ConditionSpec } from './actions';
import type { BalancerStore, Rule } from './balancers';
import { rulesOf } from './balancers';
import { byPriority } from './rules';

export interface SimulatedRequest {
  path: string;
  host?: string;
  method: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
}

const glob = (pattern: string, value: string, ignoreCase: boolean) => {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
};

const matches = (condition: ConditionSpec, request: SimulatedRequest): boolean => {
  switch (condition.field) {
    case 'path-pattern':
      return condition.values.some((value) => glob(value, request.path, false));
    case 'host-header':
      return request.host !== undefined && condition.values.some((value) => glob(value, request.host!, true));
    case 'http-header': {
      const header = request.headers[condition.headerName?.toLowerCase() ?? ''];
      return header !== undefined && condition.values.some((value) => glob(value, header, true));
    }
    case 'http-request-method':
      return condition.values.includes(request.method);
    default:
      return false;
  }
};

export const matchingRule = (
  store: BalancerStore,
  listenerArn: string,
  request: SimulatedRequest,
): Rule | undefined =>
  rulesOf(store, listenerArn)
    .sort(byPriority)
    .find(
      (rule) =>
        rule.priority === 'default' || rule.conditions.every((condition) => matches(condition, request)),
    );
