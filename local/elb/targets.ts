/**
 * The Targets member of RegisterTargets, DeregisterTargets and DescribeTargetHealth, and which addresses an
 * `ip` target group accepts.
 */
import { invalidTarget, validationError } from './errors';
import type { QueryInput } from './query';
import { structList, type TargetGroupSettings } from './target-groups';

export interface TargetInput {
  id: string;
  port: number;
  availabilityZone?: string;
  /** `id:port`: a target may be registered on several ports. */
  key: string;
}

const privateRanges: [number, number][] = [
  [0x0a000000, 8],
  [0x64400000, 10],
  [0xac100000, 12],
  [0xc0a80000, 16],
];

const ipv4Number = (text: string): number | undefined => {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255))
    return undefined;
  return parts.reduce((sum, part) => sum * 256 + Number(part), 0);
};

/** `ip` targets must be in the VPC's subnets or the private ranges the reference lists (RFC 1918, RFC 6598). */
const isRegistrableIpv4 = (text: string) => {
  const value = ipv4Number(text);
  return (
    value !== undefined &&
    privateRanges.some(
      ([base, bits]) => Math.floor(value / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits)),
    )
  );
};

/** The Targets member read for `group`: each Id valid for its target type, Port defaulting to the group's. */
export const readTargets = (
  group: Pick<TargetGroupSettings, 'port'>,
  input: QueryInput,
  required: boolean,
): TargetInput[] | undefined => {
  const given = structList(input, 'Targets');
  if (given === undefined || given.length === 0) {
    if (!required) return undefined;
    throw validationError(
      "1 validation error detected: Value null at 'targets' failed to satisfy constraint: Member must not be null",
    );
  }
  return given.map((raw) => {
    const id = raw.Id;
    if (typeof id !== 'string' || id === '') throw validationError('A target ID must be specified');
    const portText = raw.Port;
    const port = portText === undefined ? group.port : Number(portText);
    if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535)
      throw validationError(`Target port '${String(portText)}' must be an integer from 1 to 65535`);
    const availabilityZone = typeof raw.AvailabilityZone === 'string' ? raw.AvailabilityZone : undefined;
    return { id, port, availabilityZone, key: `${id}:${port}` };
  });
};

/** RegisterTargets: only `ip` targets, in the ranges the reference allows, have something local behind them. */
export const checkRegistrable = (
  group: Pick<TargetGroupSettings, 'targetType'>,
  targets: { id: string }[],
) => {
  if (group.targetType === 'ip') {
    const bad = targets.filter((target) => !isRegistrableIpv4(target.id)).map((target) => `'${target.id}'`);
    if (bad.length > 0)
      throw invalidTarget(
        `The following targets are not in the target group VPC CIDR or in a supported private IP range: ${bad.join(', ')}`,
      );
    return;
  }
  // Only ip targets have something local behind them; there are no EC2 instances, functions or ALBs here.
  throw invalidTarget(
    `The following targets are not valid ${group.targetType} targets: ${targets.map((target) => `'${target.id}'`).join(', ')}`,
  );
};

/** DeregisterTargets and DescribeTargetHealth: an `ip` target must at least be an IPv4 address. */
export const checkWellFormed = (
  group: Pick<TargetGroupSettings, 'targetType'>,
  targets: { id: string }[],
) => {
  if (group.targetType !== 'ip') return;
  const bad = targets.find((target) => ipv4Number(target.id) === undefined);
  if (bad) throw invalidTarget(`The IP address '${bad.id}' is not a valid IPv4 address`);
};
