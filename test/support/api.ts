import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { expect, inject } from 'vitest';
import { DynamoDbStore } from '../../lib/store/dynamodb';
import { localDynamoDbClient } from '../../local/dynamodb';
import { lambdaContext } from '../../local/lambda-context';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/stack';

/**
 * The whole local stack for one test file: a fresh table in the shared DynamoDB Local, and its own
 * fauxqs, ECS endpoint and HTTP API on free ports. The schedule is off unless a test turns it on.
 */
export const startTestStack = async (overrides: Partial<LocalStackOptions> = {}): Promise<LocalStack> =>
  startLocalStack({
    apiPort: 0,
    dynamoDbPort: 0,
    sqsPort: 0,
    ecsPort: 0,
    dynamoDbEndpoint: inject('dynamoDbEndpoint'),
    tableName: `tugboat-test-${randomUUID()}`,
    reconcileIntervalMs: 0,
    scalingIntervalMs: 0,
    jobsIntervalMs: 0,
    ...overrides,
  });

/** The stack's table through the store, as the functions reach it. */
export const stackStore = (stack: LocalStack): DynamoDbStore =>
  new DynamoDbStore(
    DynamoDBDocumentClient.from(localDynamoDbClient(stack.dynamoDbEndpoint), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    stack.tableName,
  );

export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** Calls the local HTTP API the way a user's HTTP client would. */
export const httpClient = (baseUrl: string) => {
  const call = async <T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<JsonResponse<T>> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  return {
    call,
    get: <T = any>(path: string, headers?: Record<string, string>) =>
      call<T>('GET', path, undefined, headers),
    post: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) =>
      call<T>('POST', path, body, headers),
    patch: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) =>
      call<T>('PATCH', path, body, headers),
    delete: <T = any>(path: string, headers?: Record<string, string>) =>
      call<T>('DELETE', path, undefined, headers),
  };
};

/** An API Gateway v2 event, for invoking the Lambda handler directly. */
export const httpApiEvent = (
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; query?: Record<string, string> } = {},
): APIGatewayProxyEventV2 => ({
  version: '2.0',
  routeKey: '$default',
  rawPath: path,
  rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
  headers: { 'content-type': 'application/json', ...(options.headers ?? {}) },
  ...(options.query ? { queryStringParameters: options.query } : {}),
  requestContext: {
    accountId: '000000000000',
    apiId: 'test',
    domainName: 'localhost',
    domainPrefix: 'localhost',
    http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
    requestId: randomUUID(),
    routeKey: '$default',
    stage: '$default',
    time: new Date().toUTCString(),
    timeEpoch: Date.now(),
  },
  ...(options.body === undefined
    ? {}
    : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  isBase64Encoded: false,
});

type Handler = (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

/** Invokes the API Lambda handler in-process and parses its JSON body. */
export const invoker = (handler: Handler) => {
  return async <T = any>(
    method: string,
    path: string,
    options: Parameters<typeof httpApiEvent>[2] = {},
  ): Promise<{ status: number; headers: Record<string, string>; body: T }> => {
    const result = (await handler(
      httpApiEvent(method, path, options),
      lambdaContext('api'),
    )) as APIGatewayProxyStructuredResultV2;
    return {
      status: result.statusCode ?? 200,
      headers: (result.headers ?? {}) as Record<string, string>,
      body: result.body ? JSON.parse(result.body) : undefined,
    };
  };
};

export const webTaskDefinition = (family = 'web', image = 'nginx:1.27') => ({
  family,
  cpu: '256',
  memory: '512',
  containerDefinitions: [{ name: 'web', image, portMappings: [{ containerPort: 80 }] }],
});

export const webService = (serviceName = 'web', taskDefinition = 'web', desiredCount = 2) => ({
  serviceName,
  taskDefinition,
  desiredCount,
  networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
});

type PostingClient = Pick<ReturnType<typeof httpClient>, 'post'>;

/**
 * Registers a revision of `family` (one container, `app`, running `image`, with `container`'s fields laid
 * over it) through the API and returns its `family:revision`. Fails the test unless it is registered.
 */
export const registerTaskDefinition = async (
  api: PostingClient,
  family: string,
  image: string,
  container: Record<string, unknown> = {},
): Promise<string> => {
  const response = await api.post('/task-definitions', {
    family,
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name: 'app', image, ...container }],
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return `${family}:${response.body.revision}`;
};

/**
 * Creates a service in the default cluster through the API (minReadySeconds 0 unless `extra` says
 * otherwise; `extra`'s fields are laid over the body) and returns it. Fails the test unless it is created.
 */
export const postService = async (
  api: PostingClient,
  serviceName: string,
  taskDefinition: string,
  desiredCount: number,
  extra: Record<string, unknown> = {},
) => {
  const response = await api.post('/clusters/default/services', {
    serviceName,
    taskDefinition,
    desiredCount,
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
    deploymentConfiguration: { minReadySeconds: 0 },
    ...extra,
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
};
