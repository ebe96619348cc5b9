import { ApiError, CliError } from './errors';
import { signRequest } from './sigv4';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:3000';

/** The endpoint to use, checked: an address without http:// or https:// is a usage error that says so. */
export const endpointFrom = (option: string | undefined): string => {
  const endpoint = (option ?? process.env.TUGBOAT_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  const from = option === undefined && process.env.TUGBOAT_ENDPOINT ? 'TUGBOAT_ENDPOINT' : '--endpoint';
  let protocol: string | undefined;
  try {
    protocol = new URL(endpoint).protocol;
  } catch {}
  if (protocol !== 'http:' && protocol !== 'https:')
    throw new CliError(
      `${from} "${endpoint}" is not an http:// or https:// URL (e.g. ${DEFAULT_ENDPOINT}, or https://abc123.execute-api.eu-west-1.amazonaws.com)`,
    );
  return endpoint;
};

/**
 * An error answer without the Tugboat API's error body: the address is most likely another endpoint's
 * (the local ECS, ELB or CloudWatch endpoint answers in AWS's JSON protocol, naming `__type`).
 */
const notTheApi = (endpoint: string, awsType: string | undefined) =>
  `${endpoint} did not answer as the Tugboat API${awsType ? ` (it answered as an AWS service endpoint: ${awsType.split('#').pop()})` : ''}; is it the API's address? npm start prints it as "HTTP API" (${DEFAULT_ENDPOINT}); the local ECS, ELB and CloudWatch endpoints are on other ports`;

/** `abc123.execute-api.eu-west-1.amazonaws.com` names its region; otherwise the SDK's default region chain. */
const resolveRegion = async (url: URL): Promise<string> => {
  const fromHost = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1];
  if (fromHost) return fromHost;
  // Any SDK client resolves the default region chain (env, profile, IMDS); loaded only when signing.
  const { ECSClient } = await import('@aws-sdk/client-ecs');
  const client = new ECSClient({});
  try {
    return await client.config.region();
  } catch {
    throw new CliError('no AWS region: set AWS_REGION or a region in your AWS profile to sign requests');
  } finally {
    client.destroy();
  }
};

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Statuses answered as values instead of thrown (404 when probing, say). */
  allow?: number[];
}

/**
 * The Tugboat HTTP API, as the CLI and the console use it. Requests to an https endpoint (the deployed
 * API Gateway, which uses the IAM authorizer) are signed with SigV4 from the default credential chain.
 */
export const apiClient = (endpoint: string) => {
  const base = new URL(endpoint);
  const signing = base.protocol === 'https:';
  // The credential chain loads only for a signed (https) endpoint: the local stack needs none.
  const credentials = signing
    ? import('@aws-sdk/credential-providers').then(({ fromNodeProviderChain }) => fromNodeProviderChain())
    : undefined;
  let region: Promise<string> | undefined;

  const request = async <T = unknown>(method: string, path: string, options: RequestOptions = {}) => {
    const url = `${endpoint}${path}`;
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    let headers: Record<string, string> = {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    };
    if (credentials) {
      region ??= resolveRegion(base);
      headers = await signRequest(
        { method, url, headers, ...(body === undefined ? {} : { body }) },
        { credentials: await credentials, region: await region },
      );
      delete headers.host; // fetch sets it
    }
    let response: Response;
    try {
      response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
    } catch (error) {
      throw new CliError(`cannot reach the Tugboat API at ${endpoint}: ${(error as Error).cause ?? error}`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (!response.ok && !options.allow?.includes(response.status)) {
      const body = (parsed && typeof parsed === 'object' ? parsed : {}) as {
        error?: { code?: string; message?: string };
        message?: string;
        __type?: string;
      };
      const error = body.error ?? {};
      const message =
        error.message ??
        (body.__type === undefined && body.message ? body.message : notTheApi(endpoint, body.__type));
      throw new ApiError(
        response.status,
        error.code ?? String(response.status),
        `${method} ${path}: ${response.status} ${message}`,
      );
    }
    return { status: response.status, headers: response.headers, body: parsed as T } satisfies ApiResponse<T>;
  };

  return {
    endpoint,
    request,
    get: <T = unknown>(path: string, options?: RequestOptions) => request<T>('GET', path, options),
    post: <T = unknown>(path: string, body?: unknown, options?: RequestOptions) =>
      request<T>('POST', path, { ...options, body }),
    patch: <T = unknown>(path: string, body?: unknown, options?: RequestOptions) =>
      request<T>('PATCH', path, { ...options, body }),
    delete: <T = unknown>(path: string, options?: RequestOptions) => request<T>('DELETE', path, options),
  };
};

export type ApiClient = ReturnType<typeof apiClient>;

/** Path of a service, with its cluster. */
export const servicePath = (cluster: string, serviceName: string) =>
  `/clusters/${encodeURIComponent(cluster)}/services/${encodeURIComponent(serviceName)}`;
