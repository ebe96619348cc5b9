/**
 * CreateLoadBalancer, DescribeLoadBalancers and DeleteLoadBalancer for Application Load Balancers. A new load
 * balancer is `active` at once (no provisioning locally); without subnets it gets two of the local VPC's.
 */
import {
  type BalancerStore,
  type LoadBalancer,
  listenersOf,
  loadBalancerNotFound,
  newId,
  requiredArn,
  rulesOf,
} from './balancers';
import { constraintError, ElbServiceError, validationError } from './errors';
import { page } from './paging';
import type { QueryInput, XmlValue } from './query';
import { stringList, structList } from './target-groups';

type Handler = (input: QueryInput) => { [key: string]: XmlValue };

const localVpc = 'vpc-00000000000000000';
const localSubnets = ['subnet-00000000000000001', 'subnet-00000000000000002'];
const zones = ['a', 'b', 'c', 'd', 'e', 'f'];
/** Route 53 hosted zone of Application Load Balancers in us-east-1. */
const hostedZoneId = 'Z35SXDOTRQ7X7K';

const checkName = (name: string) => {
  if (name.length > 32)
    throw validationError(`The load balancer name '${name}' cannot be longer than '32' characters`);
  if (!/^[A-Za-z0-9-]+$/.test(name) || /^-|-$/.test(name))
    throw validationError(
      `The load balancer name '${name}' must contain only alphanumeric characters or hyphens, and must not begin or end with a hyphen`,
    );
  if (name.startsWith('internal-'))
    throw validationError(`The load balancer name '${name}' cannot begin with 'internal-'`);
};

const oneOf = (input: QueryInput, member: string, allowed: string[], fallback: string) => {
  const value = input[member];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !allowed.includes(value))
    throw constraintError(
      member[0]!.toLowerCase() + member.slice(1),
      value,
      `Member must satisfy enum value set: [${allowed.join(', ')}]`,
    );
  return value;
};

export const loadBalancerView = (store: BalancerStore, balancer: LoadBalancer) => ({
  LoadBalancerArn: balancer.arn,
  DNSName: balancer.dnsName,
  CanonicalHostedZoneId: hostedZoneId,
  CreatedTime: new Date(balancer.createdAt).toISOString(),
  LoadBalancerName: balancer.name,
  Scheme: balancer.scheme,
  VpcId: localVpc,
  State: { Code: 'active' },
  Type: 'application',
  AvailabilityZones: balancer.subnets.map((subnet, index) => ({
    ZoneName: `${store.region}${zones[index % zones.length]}`,
    SubnetId: subnet,
    LoadBalancerAddresses: [],
  })),
  SecurityGroups: balancer.securityGroups,
  IpAddressType: balancer.ipAddressType,
});

export const loadBalancerActions = (store: BalancerStore): Record<string, Handler> => ({
  CreateLoadBalancer(input) {
    const name = input.Name;
    if (typeof name !== 'string' || name === '')
      throw validationError(
        "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null",
      );
    checkName(name);
    const type = oneOf(input, 'Type', ['application', 'network', 'gateway'], 'application');
    if (type !== 'application')
      throw new ElbServiceError(
        'InvalidConfigurationRequest',
        `Load balancer type '${type}' is not emulated locally; only 'application' is`,
      );
    const scheme = oneOf(input, 'Scheme', ['internet-facing', 'internal'], 'internet-facing');
    const ipAddressType = oneOf(
      input,
      'IpAddressType',
      ['ipv4', 'dualstack', 'dualstack-without-public-ipv4'],
      'ipv4',
    );
    const mapped = (structList(input, 'SubnetMappings') ?? []).map((mapping) =>
      String(mapping.SubnetId ?? ''),
    );
    const subnets = stringList(input, 'Subnets') ?? [];
    if (mapped.length > 0 && subnets.length > 0)
      throw validationError('You can specify subnets or subnet mappings, not both');
    const given = mapped.length > 0 ? mapped : subnets;
    if (given.length === 1)
      throw validationError('At least two subnets in two different Availability Zones must be specified');
    const chosen = given.length > 0 ? given : localSubnets;
    const securityGroups = stringList(input, 'SecurityGroups') ?? ['sg-00000000000000000'];
    const tags = structList(input, 'Tags') ?? [];
    if (tags.length > 50)
      throw new ElbServiceError('TooManyTags', 'You have reached the limit on the number of tags');
    const existing = [...store.loadBalancers.values()].find((balancer) => balancer.name === name);
    if (existing) {
      // The same request again succeeds with the same load balancer; different settings are a conflict.
      const same =
        existing.scheme === scheme &&
        existing.ipAddressType === ipAddressType &&
        JSON.stringify(existing.subnets) === JSON.stringify(chosen);
      if (!same)
        throw new ElbServiceError(
          'DuplicateLoadBalancerName',
          `A load balancer with the name '${name}' already exists`,
        );
      return { LoadBalancers: [loadBalancerView(store, existing)] };
    }
    if (store.loadBalancers.size >= store.quotas.maxLoadBalancers)
      throw new ElbServiceError(
        'TooManyLoadBalancers',
        'You have reached the limit on the number of load balancers',
      );
    const id = newId();
    const balancer: LoadBalancer = {
      arn: `arn:aws:elasticloadbalancing:${store.region}:${store.accountId}:loadbalancer/app/${name}/${id}`,
      dimension: `app/${name}/${id}`,
      name,
      seq: store.nextSeq(),
      createdAt: store.now(),
      scheme,
      ipAddressType,
      subnets: chosen,
      securityGroups,
      dnsName: `${scheme === 'internal' ? 'internal-' : ''}${name}-${parseInt(id.slice(0, 8), 16)}.${store.region}.elb.amazonaws.com`,
      tags: tags.map((tag) => ({
        Key: String(tag.Key),
        Value: tag.Value === undefined ? undefined : String(tag.Value),
      })),
    };
    store.loadBalancers.set(balancer.arn, balancer);
    return { LoadBalancers: [loadBalancerView(store, balancer)] };
  },

  DescribeLoadBalancers(input) {
    const arns = stringList(input, 'LoadBalancerArns');
    const names = stringList(input, 'Names');
    if (arns?.length && names?.length)
      throw validationError(
        'Load balancer names and load balancer ARNs cannot be specified at the same time',
      );
    let selected = [...store.loadBalancers.values()];
    if (arns && arns.length > 0) {
      if (arns.some((arn) => !store.loadBalancers.has(arn))) throw loadBalancerNotFound();
      selected = selected.filter((balancer) => arns.includes(balancer.arn));
    } else if (names && names.length > 0) {
      if (names.some((name) => !selected.some((balancer) => balancer.name === name)))
        throw loadBalancerNotFound();
      selected = selected.filter((balancer) => names.includes(balancer.name));
    }
    const { items, nextMarker } = page(selected, input);
    return {
      LoadBalancers: items.map((balancer) => loadBalancerView(store, balancer)),
      NextMarker: nextMarker,
    };
  },

  DeleteLoadBalancer(input) {
    const arn = requiredArn(input, 'LoadBalancerArn', 'loadbalancer');
    // Deleting a load balancer deletes its listeners and their rules; an unknown one is deleted already.
    for (const listener of listenersOf(store, arn)) {
      for (const rule of rulesOf(store, listener.arn)) store.rules.delete(rule.arn);
      store.listeners.delete(listener.arn);
    }
    store.loadBalancers.delete(arn);
    return {};
  },
});
