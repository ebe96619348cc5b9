/**
 * The Actions (DefaultActions) and Conditions members of CreateListener, ModifyListener, CreateRule and
 * ModifyRule, read into plain values, and written back as the service describes them. A forward action is
 * kept as its ForwardConfig (weights 0-999, stickiness); given as a lone TargetGroupArn it is a ForwardConfig
 * of that group with weight 1, and the service shows the TargetGroupArn again whenever one group is forwarded to.
 */
import { constraintError, ElbServiceError, validationError } from './errors';
import type { QueryInput, QueryValue, XmlValue } from './query';
import { structList } from './target-groups';

export interface WeightedGroup {
  arn: string;
  weight: number;
}

export interface ActionSpec {
  type: 'forward' | 'fixed-response' | 'redirect';
  order?: number;
  forward?: { groups: WeightedGroup[]; stickiness: { enabled: boolean; durationSeconds?: number } };
  /** fixed-response and redirect: their config as given (data only; no request reaches them locally). */
  config?: { [key: string]: string };
}

export interface ConditionSpec {
  field: string;
  values: string[];
  /** http-header: the header's name. */
  headerName?: string;
}

/** Quotas for Application Load Balancers (Elastic Load Balancing quotas). */
export const maxTargetGroupsPerAction = 5;
const maxConditionValues = 5;
const maxWeight = 999;

const routingTypes = ['forward', 'fixed-response', 'redirect'];
const authenticationTypes = ['authenticate-oidc', 'authenticate-cognito', 'jwt-validation'];
const conditionFields = [
  'path-pattern',
  'host-header',
  'http-header',
  'http-request-method',
  'query-string',
  'source-ip',
];

const struct = (value: QueryValue | undefined, member: string): QueryInput | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw validationError(`${member} must be a structure`);
  return value;
};

const integerIn = (raw: QueryValue | undefined, field: string, min: number, max: number) => {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isInteger(value))
    throw validationError(`${field} must be an integer`);
  if (value < min)
    throw constraintError(field, value, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw constraintError(field, value, `Member must have value less than or equal to ${max}`);
  return value;
};

const readForward = (raw: QueryInput, path: string): NonNullable<ActionSpec['forward']> => {
  const single =
    typeof raw.TargetGroupArn === 'string' && raw.TargetGroupArn !== '' ? raw.TargetGroupArn : undefined;
  const config = struct(raw.ForwardConfig, `${path}.forwardConfig`);
  const given = config ? (structList(config, 'TargetGroups') ?? []) : undefined;
  if (!single && (!given || given.length === 0))
    throw validationError('A target group ARN must be specified for a forward action');
  const groups: WeightedGroup[] = (given ?? []).map((tuple, index) => {
    const arn = tuple.TargetGroupArn;
    if (typeof arn !== 'string' || arn === '')
      throw validationError('A target group ARN must be specified for each target group of a forward action');
    const weight =
      integerIn(
        tuple.Weight,
        `${path}.forwardConfig.targetGroups.${index + 1}.member.weight`,
        0,
        maxWeight,
      ) ?? 1;
    return { arn, weight };
  });
  if (single) {
    // Both members name the same target group, or the request is ambiguous.
    if (groups.length > 1 || (groups.length === 1 && groups[0]!.arn !== single))
      throw validationError(
        'You cannot specify both a target group ARN and a forward config with a different set of target groups',
      );
    if (groups.length === 0) groups.push({ arn: single, weight: 1 });
  }
  if (groups.length > maxTargetGroupsPerAction)
    throw new ElbServiceError(
      'TooManyTargetGroups',
      `A forward action can have a maximum of ${maxTargetGroupsPerAction} target groups`,
    );
  if (new Set(groups.map((group) => group.arn)).size !== groups.length)
    throw validationError('A target group can be specified only once in a forward action');
  const stickinessRaw = config ? struct(config.TargetGroupStickinessConfig, `${path}.stickiness`) : undefined;
  const enabled = stickinessRaw?.Enabled === 'true';
  if (stickinessRaw?.Enabled !== undefined && !['true', 'false'].includes(String(stickinessRaw.Enabled)))
    throw validationError('TargetGroupStickinessConfig.Enabled must be true or false');
  const durationSeconds = integerIn(
    stickinessRaw?.DurationSeconds,
    `${path}.forwardConfig.targetGroupStickinessConfig.durationSeconds`,
    1,
    604800,
  );
  if (enabled && durationSeconds === undefined)
    throw validationError('A duration must be specified when target group stickiness is enabled');
  return {
    groups,
    stickiness: { enabled, ...(durationSeconds !== undefined ? { durationSeconds } : {}) },
  };
};

const readConfig = (raw: QueryValue | undefined, member: string, required: string[]) => {
  const config = struct(raw, member);
  if (!config) throw validationError(`${member} must be specified`);
  const flat = Object.fromEntries(
    Object.entries(config).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
  for (const name of required)
    if (flat[name] === undefined) throw validationError(`${member}.${name} must be specified`);
  return flat;
};

/** An Actions list: exactly one routing action (forward, fixed-response or redirect), and it comes last. */
export const readActions = (input: QueryInput, member: 'Actions' | 'DefaultActions'): ActionSpec[] => {
  const given = structList(input, member);
  if (given === undefined || given.length === 0)
    throw validationError(
      `1 validation error detected: Value null at '${member[0]!.toLowerCase()}${member.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  const actions = given.map((raw, index): ActionSpec => {
    const path = `${member[0]!.toLowerCase()}${member.slice(1)}.${index + 1}.member`;
    const type = raw.Type;
    if (typeof type !== 'string')
      throw validationError(
        `1 validation error detected: Value null at '${path}.type' failed to satisfy constraint: Member must not be null`,
      );
    const order = integerIn(raw.Order, `${path}.order`, 1, 50000);
    if (authenticationTypes.includes(type))
      throw new ElbServiceError(
        'InvalidLoadBalancerAction',
        `Action type '${type}' needs an HTTPS listener and an identity provider, which the local endpoint does not have`,
      );
    if (!routingTypes.includes(type))
      throw constraintError(
        `${path}.type`,
        type,
        `Member must satisfy enum value set: [${[...routingTypes, ...authenticationTypes].join(', ')}]`,
      );
    const base = order !== undefined ? { order } : {};
    if (type === 'forward') return { type, ...base, forward: readForward(raw, path) };
    if (type === 'fixed-response') {
      const config = readConfig(raw.FixedResponseConfig, 'FixedResponseConfig', ['StatusCode']);
      if (!/^(2|4|5)\d\d$/.test(config.StatusCode!))
        throw constraintError(
          `${path}.fixedResponseConfig.statusCode`,
          config.StatusCode,
          'Member must satisfy regular expression pattern: ^(2|4|5)\\d\\d$',
        );
      return { type, ...base, config };
    }
    const config = readConfig(raw.RedirectConfig, 'RedirectConfig', ['StatusCode']);
    if (!['HTTP_301', 'HTTP_302'].includes(config.StatusCode!))
      throw constraintError(
        `${path}.redirectConfig.statusCode`,
        config.StatusCode,
        'Member must satisfy enum value set: [HTTP_301, HTTP_302]',
      );
    return { type: 'redirect', ...base, config };
  });
  if (actions.length > 1)
    throw new ElbServiceError(
      'TooManyActions',
      'A rule can have only one forward, fixed-response or redirect action',
    );
  return actions;
};

const stringValues = (raw: QueryValue | undefined, member: string): string[] => {
  if (raw === undefined || raw === '') return [];
  if (!Array.isArray(raw) || raw.some((value) => typeof value !== 'string'))
    throw validationError(`${member} must be a list of strings`);
  return raw as string[];
};

/** A Conditions list, kept as data; values are counted against the 5-per-rule quota. */
export const readConditions = (input: QueryInput): ConditionSpec[] => {
  const given = structList(input, 'Conditions');
  if (given === undefined)
    throw validationError(
      "1 validation error detected: Value null at 'conditions' failed to satisfy constraint: Member must not be null",
    );
  const conditions = given.map((raw): ConditionSpec => {
    const field = raw.Field;
    if (typeof field !== 'string' || !conditionFields.includes(field))
      throw validationError(
        `Condition field '${String(field ?? '')}' must be one of [${conditionFields.join(', ')}]`,
      );
    const configName = {
      'path-pattern': 'PathPatternConfig',
      'host-header': 'HostHeaderConfig',
      'http-header': 'HttpHeaderConfig',
      'http-request-method': 'HttpRequestMethodConfig',
      'query-string': 'QueryStringConfig',
      'source-ip': 'SourceIpConfig',
    }[field]!;
    const config = struct(raw[configName], configName);
    const legacy = stringValues(raw.Values, 'Values');
    if (legacy.length > 0 && config)
      throw validationError(`You cannot specify both Values and ${configName} in a condition`);
    if (legacy.length > 0 && !['path-pattern', 'host-header'].includes(field))
      throw validationError(`Field '${field}' needs ${configName} rather than Values`);
    let values = legacy;
    if (config) {
      if (field === 'query-string') {
        const pairs = structList(config, 'Values') ?? [];
        values = pairs.map((pair) => `${String(pair.Key ?? '')}=${String(pair.Value ?? '')}`);
      } else values = stringValues(config.Values, `${configName}.Values`);
    }
    if (values.length === 0)
      throw validationError(`A condition for field '${field}' must have at least one value`);
    const headerName = field === 'http-header' ? config?.HttpHeaderName : undefined;
    if (field === 'http-header' && (typeof headerName !== 'string' || headerName === ''))
      throw validationError('An http-header condition must name the header (HttpHeaderName)');
    return { field, values, ...(typeof headerName === 'string' ? { headerName } : {}) };
  });
  const count = conditions.reduce((sum, condition) => sum + condition.values.length, 0);
  if (count > maxConditionValues)
    throw validationError(`A rule can have a maximum of ${maxConditionValues} condition values`);
  return conditions;
};

// ---- views ------------------------------------------------------------------------------------------------

export const actionView = (action: ActionSpec): { [key: string]: XmlValue } => {
  const base = { Type: action.type, Order: action.order };
  if (action.type === 'fixed-response') return { ...base, FixedResponseConfig: action.config };
  if (action.type === 'redirect') return { ...base, RedirectConfig: action.config };
  const forward = action.forward!;
  return {
    Type: 'forward',
    TargetGroupArn: forward.groups.length === 1 ? forward.groups[0]!.arn : undefined,
    Order: action.order,
    ForwardConfig: {
      TargetGroups: forward.groups.map((group) => ({ TargetGroupArn: group.arn, Weight: group.weight })),
      TargetGroupStickinessConfig: {
        Enabled: forward.stickiness.enabled,
        DurationSeconds: forward.stickiness.durationSeconds,
      },
    },
  };
};

const configNames: Record<string, string> = {
  'path-pattern': 'PathPatternConfig',
  'host-header': 'HostHeaderConfig',
  'http-header': 'HttpHeaderConfig',
  'http-request-method': 'HttpRequestMethodConfig',
  'query-string': 'QueryStringConfig',
  'source-ip': 'SourceIpConfig',
};

export const conditionView = (condition: ConditionSpec): { [key: string]: XmlValue } => {
  const configName = configNames[condition.field]!;
  const config =
    condition.field === 'query-string'
      ? {
          Values: condition.values.map((pair) => {
            const at = pair.indexOf('=');
            const key = pair.slice(0, at);
            return { Key: key === '' ? undefined : key, Value: pair.slice(at + 1) };
          }),
        }
      : condition.field === 'http-header'
        ? { HttpHeaderName: condition.headerName, Values: condition.values }
        : { Values: condition.values };
  // The service repeats path and host values in the legacy Values member.
  const legacy = ['path-pattern', 'host-header'].includes(condition.field) ? condition.values : undefined;
  return { Field: condition.field, Values: legacy, [configName]: config };
};

/** Target groups an action list forwards to. */
export const forwardedGroups = (actions: readonly ActionSpec[]): string[] =>
  actions.flatMap((action) => action.forward?.groups.map((group) => group.arn) ?? []);
