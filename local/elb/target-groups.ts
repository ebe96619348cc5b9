/**
 * Target group settings as CreateTargetGroup and ModifyTargetGroup read them: the service model's ranges,
 * the reference's defaults per protocol, and the attributes each kind of target group has.
 */
import { constraintError, invalidConfiguration, validationError } from './errors';
import type { HealthSettings, HealthTrack } from './health';
import type { QueryInput, QueryValue } from './query';

export const protocols = ['HTTP', 'HTTPS', 'TCP', 'TLS', 'UDP', 'TCP_UDP', 'GENEVE', 'QUIC', 'TCP_QUIC'];
const targetTypes = ['instance', 'ip', 'lambda', 'alb'];

export interface HealthCheck {
  protocol?: string;
  port?: string;
  enabled: boolean;
  path?: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  matcher?: { HttpCode?: string; GrpcCode?: string };
}

export interface TargetGroupSettings {
  name: string;
  protocol?: string;
  protocolVersion?: string;
  port?: number;
  vpcId?: string;
  targetType: string;
  ipAddressType: string;
  healthCheck: HealthCheck;
}

export const isHttp = (protocol: string | undefined) => protocol === 'HTTP' || protocol === 'HTTPS';

// ---- target groups as the endpoint keeps them ----------------------------------------------------------

export interface Target {
  id: string;
  port: number;
  availabilityZone?: string;
  track: HealthTrack;
  /** Set by DeregisterTargets: draining until this instant. */
  drainingUntil?: number;
}

export interface TargetGroup extends TargetGroupSettings {
  arn: string;
  seq: number;
  tags: { Key: string; Value?: string }[];
  attributes: Map<string, string>;
  /** Keyed by `id:port`; a target may be registered on several ports. */
  targets: Map<string, Target>;
}

export const settingsOf = (group: TargetGroup): TargetGroupSettings => ({
  name: group.name,
  protocol: group.protocol,
  protocolVersion: group.protocolVersion,
  port: group.port,
  vpcId: group.vpcId,
  targetType: group.targetType,
  ipAddressType: group.ipAddressType,
  healthCheck: group.healthCheck,
});

/** A target group as DescribeTargetGroups shows it. */
export const targetGroupViewOf = (group: TargetGroup, loadBalancerArns: string[]) => ({
  TargetGroupArn: group.arn,
  TargetGroupName: group.name,
  Protocol: group.protocol,
  Port: group.port,
  VpcId: group.vpcId,
  HealthCheckProtocol: group.healthCheck.protocol,
  HealthCheckPort: group.healthCheck.port,
  HealthCheckEnabled: group.healthCheck.enabled,
  HealthCheckIntervalSeconds: group.healthCheck.intervalSeconds,
  HealthCheckTimeoutSeconds: group.healthCheck.timeoutSeconds,
  HealthyThresholdCount: group.healthCheck.healthyThreshold,
  UnhealthyThresholdCount: group.healthCheck.unhealthyThreshold,
  HealthCheckPath: group.healthCheck.path,
  Matcher: group.healthCheck.matcher,
  LoadBalancerArns: loadBalancerArns,
  TargetType: group.targetType,
  ProtocolVersion: group.protocolVersion,
  IpAddressType: group.ipAddressType,
});

// ---- reading members --------------------------------------------------------------------------------------

const text = (input: QueryInput, member: string): string | undefined => {
  const value = input[member];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw validationError(`${member} must be a string`);
  return value;
};

const integer = (input: QueryInput, member: string, min: number, max: number): number | undefined => {
  const raw = text(input, member);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value)) throw validationError(`${member} must be an integer`);
  const field = member[0]!.toLowerCase() + member.slice(1);
  if (value < min)
    throw constraintError(field, value, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw constraintError(field, value, `Member must have value less than or equal to ${max}`);
  return value;
};

const boolean = (input: QueryInput, member: string): boolean | undefined => {
  const raw = text(input, member);
  if (raw === undefined) return undefined;
  if (raw !== 'true' && raw !== 'false') throw validationError(`${member} must be true or false`);
  return raw === 'true';
};

const oneOf = (input: QueryInput, member: string, allowed: string[]): string | undefined => {
  const value = text(input, member);
  if (value !== undefined && !allowed.includes(value)) {
    const field = member[0]!.toLowerCase() + member.slice(1);
    throw constraintError(field, value, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }
  return value;
};

/** A `member.N` list; the AWS CLI sends an empty list as the bare key with no value. */
export const list = (input: QueryInput, member: string): QueryValue[] | undefined => {
  const value = input[member];
  if (value === undefined) return undefined;
  if (value === '') return [];
  if (!Array.isArray(value)) throw validationError(`${member} must be a list`);
  return value;
};

export const stringList = (input: QueryInput, member: string): string[] | undefined =>
  list(input, member)?.map((item) => {
    if (typeof item !== 'string') throw validationError(`${member} must be a list of strings`);
    return item;
  });

export const structList = (input: QueryInput, member: string): QueryInput[] | undefined =>
  list(input, member)?.map((item) => {
    if (typeof item !== 'object' || Array.isArray(item))
      throw validationError(`${member} must be a list of structures`);
    return item;
  });

// ---- settings ---------------------------------------------------------------------------------------------

const validName = (name: string) =>
  name.length >= 1 && name.length <= 32 && /^[A-Za-z0-9-]+$/.test(name) && !/^-|-$/.test(name);

/** The health check members CreateTargetGroup and ModifyTargetGroup share, as given (no defaults). */
const readHealthCheck = (input: QueryInput): Partial<HealthCheck> => {
  const matcher = input.Matcher;
  if (matcher !== undefined && (typeof matcher !== 'object' || Array.isArray(matcher)))
    throw validationError('Matcher must be a structure');
  const path = text(input, 'HealthCheckPath');
  if (path !== undefined && (path.length < 1 || path.length > 1024))
    throw constraintError('healthCheckPath', path, 'Member must have length between 1 and 1024');
  const port = text(input, 'HealthCheckPort');
  if (port !== undefined && port !== 'traffic-port') {
    const number = Number(port);
    if (!Number.isInteger(number) || number < 1 || number > 65535)
      throw validationError("Health check port must be 'traffic-port' or an integer from 1 to 65535");
  }
  const entries = {
    protocol: oneOf(input, 'HealthCheckProtocol', protocols),
    port,
    enabled: boolean(input, 'HealthCheckEnabled'),
    path,
    intervalSeconds: integer(input, 'HealthCheckIntervalSeconds', 5, 300),
    timeoutSeconds: integer(input, 'HealthCheckTimeoutSeconds', 2, 120),
    healthyThreshold: integer(input, 'HealthyThresholdCount', 2, 10),
    unhealthyThreshold: integer(input, 'UnhealthyThresholdCount', 2, 10),
    matcher: matcher as HealthCheck['matcher'],
  };
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
};

const checkHealthCheck = (check: HealthCheck) => {
  if (check.protocol && ['GENEVE', 'TLS', 'UDP', 'TCP_UDP', 'QUIC', 'TCP_QUIC'].includes(check.protocol))
    throw invalidConfiguration(`Health check protocol '${check.protocol}' is not supported`);
  if (check.timeoutSeconds >= check.intervalSeconds)
    throw validationError('Health check interval must be greater than the timeout.');
  if (!isHttp(check.protocol) && (check.path !== undefined || check.matcher !== undefined))
    throw invalidConfiguration(
      'Health check path and matcher are only supported for HTTP and HTTPS health checks',
    );
};

/** CreateTargetGroup's input with the reference's defaults filled in. */
export const readNewTargetGroup = (input: QueryInput): TargetGroupSettings => {
  const name = text(input, 'Name');
  if (name === undefined)
    throw validationError(
      "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null",
    );
  if (!validName(name)) {
    throw validationError(
      `Target group name '${name}' can have a maximum of 32 characters, must contain only alphanumeric characters or hyphens, and must not begin or end with a hyphen`,
    );
  }
  const targetType = oneOf(input, 'TargetType', targetTypes) ?? 'instance';
  const protocol = oneOf(input, 'Protocol', protocols);
  const port = integer(input, 'Port', 1, 65535);
  if (targetType !== 'lambda') {
    if (protocol === undefined) throw validationError('A protocol must be specified');
    if (port === undefined) throw validationError('A port must be specified');
  } else if (protocol !== undefined || port !== undefined) {
    throw validationError(
      'A protocol and port cannot be specified for a target group with target type lambda',
    );
  }
  const protocolVersion = text(input, 'ProtocolVersion');
  if (protocolVersion !== undefined && !isHttp(protocol))
    throw invalidConfiguration('A protocol version can only be specified for HTTP and HTTPS target groups');
  const given = readHealthCheck(input);
  const healthProtocol =
    given.protocol ?? (isHttp(protocol) || targetType === 'lambda' ? (protocol ?? 'HTTP') : 'TCP');
  const geneve = protocol === 'GENEVE';
  const intervalSeconds = given.intervalSeconds ?? (targetType === 'lambda' ? 35 : geneve ? 10 : 30);
  const healthCheck: HealthCheck = {
    protocol: targetType === 'lambda' ? undefined : healthProtocol,
    port: targetType === 'lambda' ? undefined : (given.port ?? (geneve ? '80' : 'traffic-port')),
    enabled: given.enabled ?? targetType !== 'lambda',
    path: given.path ?? (isHttp(healthProtocol) ? '/' : undefined),
    intervalSeconds,
    // A default timeout gives way to a shorter interval, which must exceed it.
    timeoutSeconds:
      given.timeoutSeconds ??
      Math.min(intervalSeconds - 1, targetType === 'lambda' ? 30 : geneve ? 5 : protocol === 'HTTP' ? 6 : 10),
    healthyThreshold: given.healthyThreshold ?? 5,
    unhealthyThreshold: given.unhealthyThreshold ?? (targetType === 'lambda' ? 5 : 2),
    matcher: given.matcher ?? (isHttp(healthProtocol) ? { HttpCode: '200' } : undefined),
  };
  checkHealthCheck(healthCheck);
  return {
    name,
    protocol,
    protocolVersion: protocolVersion ?? (isHttp(protocol) ? 'HTTP1' : undefined),
    port,
    // The reference requires VpcId unless the target is a Lambda function; locally there is one VPC.
    vpcId: targetType === 'lambda' ? undefined : (text(input, 'VpcId') ?? 'vpc-00000000000000000'),
    targetType,
    ipAddressType: oneOf(input, 'IpAddressType', ['ipv4', 'ipv6']) ?? 'ipv4',
    healthCheck,
  };
};

/** ModifyTargetGroup: the given members over the current health check. */
export const modifiedHealthCheck = (current: HealthCheck, input: QueryInput): HealthCheck => {
  const next = { ...current, ...readHealthCheck(input) };
  checkHealthCheck(next);
  return next;
};

// ---- attributes -------------------------------------------------------------------------------------------

/** Attributes and their defaults, as DescribeTargetGroupAttributes lists them for a new target group. */
export const defaultAttributes = (settings: TargetGroupSettings): Map<string, string> => {
  const common: [string, string][] = [
    ['deregistration_delay.timeout_seconds', '300'],
    ['stickiness.enabled', 'false'],
    ['load_balancing.cross_zone.enabled', 'use_load_balancer_configuration'],
    ['target_group_health.dns_failover.minimum_healthy_targets.count', '1'],
    ['target_group_health.dns_failover.minimum_healthy_targets.percentage', 'off'],
    ['target_group_health.unhealthy_state_routing.minimum_healthy_targets.count', '1'],
    ['target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage', 'off'],
  ];
  const application: [string, string][] = [
    ['stickiness.type', 'lb_cookie'],
    ['stickiness.lb_cookie.duration_seconds', '86400'],
    ['stickiness.app_cookie.cookie_name', ''],
    ['stickiness.app_cookie.duration_seconds', '86400'],
    ['slow_start.duration_seconds', '0'],
    ['load_balancing.algorithm.type', 'round_robin'],
    ['load_balancing.algorithm.anomaly_mitigation', 'off'],
  ];
  const network: [string, string][] = [
    ['stickiness.type', 'source_ip'],
    ['deregistration_delay.connection_termination.enabled', 'false'],
    ['proxy_protocol_v2.enabled', 'false'],
    ['preserve_client_ip.enabled', settings.targetType === 'ip' ? 'false' : 'true'],
    ['target_health_state.unhealthy.connection_termination.enabled', 'true'],
    ['target_health_state.unhealthy.draining_interval_seconds', '0'],
  ];
  if (settings.targetType === 'lambda') return new Map([['lambda.multi_value_headers.enabled', 'false']]);
  return new Map([...common, ...(isHttp(settings.protocol) ? application : network)]);
};

const integerIn = (min: number, max: number) => (value: string) =>
  /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max;
const onOff = (value: string) => value === 'on' || value === 'off';
const trueFalse = (value: string) => value === 'true' || value === 'false';
const countOrOff = (value: string) => value === 'off' || integerIn(1, 1_000_000)(value);
const percentOrOff = (value: string) => value === 'off' || integerIn(1, 100)(value);

const attributeRules: Record<string, (value: string) => boolean> = {
  'deregistration_delay.timeout_seconds': integerIn(0, 3600),
  'stickiness.enabled': trueFalse,
  'stickiness.type': (value) =>
    ['lb_cookie', 'app_cookie', 'source_ip', 'source_ip_dest_ip', 'source_ip_dest_ip_proto'].includes(value),
  'stickiness.lb_cookie.duration_seconds': integerIn(1, 604800),
  'stickiness.app_cookie.cookie_name': (value) => !/^(AWSALB|AWSALBAPP|AWSALBTG)/.test(value),
  'stickiness.app_cookie.duration_seconds': integerIn(1, 604800),
  'slow_start.duration_seconds': (value) => value === '0' || integerIn(30, 900)(value),
  'load_balancing.algorithm.type': (value) =>
    ['round_robin', 'least_outstanding_requests', 'weighted_random'].includes(value),
  'load_balancing.algorithm.anomaly_mitigation': onOff,
  'load_balancing.cross_zone.enabled': (value) =>
    ['true', 'false', 'use_load_balancer_configuration'].includes(value),
  'target_group_health.dns_failover.minimum_healthy_targets.count': countOrOff,
  'target_group_health.dns_failover.minimum_healthy_targets.percentage': percentOrOff,
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count': integerIn(1, 1_000_000),
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage': percentOrOff,
  'deregistration_delay.connection_termination.enabled': trueFalse,
  'proxy_protocol_v2.enabled': trueFalse,
  'preserve_client_ip.enabled': trueFalse,
  'target_health_state.unhealthy.connection_termination.enabled': trueFalse,
  'target_health_state.unhealthy.draining_interval_seconds': integerIn(0, 360000),
  'lambda.multi_value_headers.enabled': trueFalse,
};

/** ModifyTargetGroupAttributes: every key must be one this target group has, every value in its range. */
export const modifiedAttributes = (current: Map<string, string>, input: QueryInput): Map<string, string> => {
  const given = structList(input, 'Attributes');
  if (given === undefined)
    throw validationError(
      "1 validation error detected: Value null at 'attributes' failed to satisfy constraint: Member must not be null",
    );
  const next = new Map(current);
  for (const attribute of given) {
    const key = attribute.Key;
    const value = attribute.Value ?? '';
    if (typeof key !== 'string' || typeof value !== 'string' || !/^[a-zA-Z0-9._]{1,256}$/.test(key))
      throw validationError(
        'Attribute keys must be 1-256 characters of letters, digits, dots and underscores',
      );
    if (!current.has(key)) throw validationError(`Target group attribute key '${key}' is not recognized`);
    if (!attributeRules[key]?.(value))
      throw invalidConfiguration(`'${value}' is not a valid value for target group attribute '${key}'`);
    next.set(key, value);
  }
  return next;
};

/** What health.ts needs of a target group's health check. */
export const healthSettingsOf = (check: HealthCheck): HealthSettings => ({
  intervalMs: check.intervalSeconds * 1000,
  healthyThreshold: check.healthyThreshold,
  unhealthyThreshold: check.unhealthyThreshold,
  http: isHttp(check.protocol),
});
