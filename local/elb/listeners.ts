/**
 * CreateListener, ModifyListener, DescribeListeners and DeleteListener. Each listener has a default rule
 * (priority `default`, no conditions) that holds its DefaultActions: ModifyListener and a ModifyRule of the
 * default rule change the same actions, as the service's do.
 */
import { actionView, readActions } from './actions';
import {
  type BalancerStore,
  checkForwarding,
  type Listener,
  listenerNotFound,
  listenerOf,
  listenersOf,
  loadBalancerOf,
  newId,
  requiredArn,
  rulesOf,
} from './balancers';
import { constraintError, ElbServiceError, validationError } from './errors';
import { page } from './paging';
import type { QueryInput, XmlValue } from './query';
import { protocols, stringList, structList } from './target-groups';

type Handler = (input: QueryInput) => { [key: string]: XmlValue };

const readPort = (input: QueryInput): number | undefined => {
  const raw = input.Port;
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(port)) throw validationError('Port must be an integer');
  if (port < 1) throw constraintError('port', port, 'Member must have value greater than or equal to 1');
  if (port > 65535) throw constraintError('port', port, 'Member must have value less than or equal to 65535');
  return port;
};

const readProtocol = (input: QueryInput): string | undefined => {
  const raw = input.Protocol;
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !protocols.includes(raw))
    throw constraintError('protocol', raw, `Member must satisfy enum value set: [${protocols.join(', ')}]`);
  if (raw !== 'HTTP' && raw !== 'HTTPS')
    throw new ElbServiceError(
      'UnsupportedProtocol',
      `Listener protocol '${raw}' is not supported by load balancers of type 'application'`,
    );
  return raw;
};

export const listenerView = (store: BalancerStore, listener: Listener) => ({
  ListenerArn: listener.arn,
  LoadBalancerArn: listener.loadBalancerArn,
  Port: listener.port,
  Protocol: listener.protocol,
  Certificates: listener.certificates,
  SslPolicy: listener.sslPolicy,
  DefaultActions: (store.rules.get(listener.defaultRuleArn)?.actions ?? []).map(actionView),
});

const readCertificates = (input: QueryInput) =>
  structList(input, 'Certificates')?.map((certificate) => ({
    CertificateArn: typeof certificate.CertificateArn === 'string' ? certificate.CertificateArn : undefined,
  }));

export const listenerActions = (store: BalancerStore): Record<string, Handler> => ({
  CreateListener(input) {
    const loadBalancerArn = requiredArn(input, 'LoadBalancerArn', 'loadbalancer');
    const actions = readActions(input, 'DefaultActions');
    const protocol = readProtocol(input);
    const port = readPort(input);
    if (protocol === undefined) throw validationError('A listener protocol must be specified');
    if (port === undefined) throw validationError('A listener port must be specified');
    const certificates = readCertificates(input);
    if (protocol === 'HTTPS' && !certificates?.length)
      throw validationError('A certificate must be specified for HTTPS listeners');
    const balancer = loadBalancerOf(store, loadBalancerArn);
    const existing = listenersOf(store, loadBalancerArn).find((listener) => listener.port === port);
    if (existing) {
      // The same listener again succeeds with the existing one; another on the same port is a conflict.
      const current = JSON.stringify(store.rules.get(existing.defaultRuleArn)?.actions);
      if (existing.protocol === protocol && current === JSON.stringify(actions))
        return { Listeners: [listenerView(store, existing)] };
      throw new ElbServiceError('DuplicateListener', `A listener already exists on port ${port}`);
    }
    if (listenersOf(store, loadBalancerArn).length >= store.quotas.maxListeners)
      throw new ElbServiceError('TooManyListeners', 'You have reached the limit on the number of listeners');
    checkForwarding(store, loadBalancerArn, actions);
    const id = newId();
    const arn = `arn:aws:elasticloadbalancing:${store.region}:${store.accountId}:listener/${balancer.dimension}/${id}`;
    const defaultRuleArn = `arn:aws:elasticloadbalancing:${store.region}:${store.accountId}:listener-rule/${balancer.dimension}/${id}/${newId()}`;
    const sslPolicy = typeof input.SslPolicy === 'string' ? input.SslPolicy : undefined;
    const listener: Listener = {
      arn,
      loadBalancerArn,
      seq: store.nextSeq(),
      port,
      protocol,
      ...(protocol === 'HTTPS' ? { certificates, sslPolicy: sslPolicy ?? 'ELBSecurityPolicy-2016-08' } : {}),
      defaultRuleArn,
    };
    store.listeners.set(arn, listener);
    store.rules.set(defaultRuleArn, {
      arn: defaultRuleArn,
      listenerArn: arn,
      seq: store.nextSeq(),
      priority: 'default',
      conditions: [],
      actions,
    });
    return { Listeners: [listenerView(store, listener)] };
  },

  ModifyListener(input) {
    const listener = listenerOf(store, requiredArn(input, 'ListenerArn', 'listener'));
    const port = readPort(input);
    const protocol = readProtocol(input);
    const actions = input.DefaultActions === undefined ? undefined : readActions(input, 'DefaultActions');
    const certificates = readCertificates(input);
    if (port !== undefined && port !== listener.port) {
      const taken = listenersOf(store, listener.loadBalancerArn).some((other) => other.port === port);
      if (taken) throw new ElbServiceError('DuplicateListener', `A listener already exists on port ${port}`);
    }
    const nextProtocol = protocol ?? listener.protocol;
    const nextCertificates = certificates?.length ? certificates : listener.certificates;
    if (nextProtocol === 'HTTPS' && !nextCertificates?.length)
      throw validationError('A certificate must be specified for HTTPS listeners');
    if (actions) checkForwarding(store, listener.loadBalancerArn, actions, listener.defaultRuleArn);
    // Checked in full before any change: a refused request changes nothing.
    if (port !== undefined) listener.port = port;
    listener.protocol = nextProtocol;
    if (nextProtocol === 'HTTPS') {
      listener.certificates = nextCertificates;
      listener.sslPolicy =
        (typeof input.SslPolicy === 'string' ? input.SslPolicy : undefined) ??
        listener.sslPolicy ??
        'ELBSecurityPolicy-2016-08';
    } else {
      delete listener.certificates;
      delete listener.sslPolicy;
    }
    const defaultRule = store.rules.get(listener.defaultRuleArn);
    if (actions && defaultRule) defaultRule.actions = actions;
    return { Listeners: [listenerView(store, listener)] };
  },

  DescribeListeners(input) {
    const loadBalancerArn = input.LoadBalancerArn;
    const arns = stringList(input, 'ListenerArns');
    if (typeof loadBalancerArn === 'string' && arns?.length)
      throw validationError('A load balancer ARN and listener ARNs cannot be specified at the same time');
    let selected: Listener[];
    if (typeof loadBalancerArn === 'string' && loadBalancerArn !== '') {
      loadBalancerOf(store, loadBalancerArn);
      selected = listenersOf(store, loadBalancerArn);
    } else if (arns && arns.length > 0) {
      if (arns.some((arn) => !store.listeners.has(arn))) throw listenerNotFound();
      selected = [...store.listeners.values()].filter((listener) => arns.includes(listener.arn));
    } else throw validationError('You must specify either listener ARNs or a load balancer ARN');
    const { items, nextMarker } = page(selected, input);
    return { Listeners: items.map((listener) => listenerView(store, listener)), NextMarker: nextMarker };
  },

  DeleteListener(input) {
    const listener = listenerOf(store, requiredArn(input, 'ListenerArn', 'listener'));
    for (const rule of rulesOf(store, listener.arn)) store.rules.delete(rule.arn);
    store.listeners.delete(listener.arn);
    return {};
  },
});
