/**
 * Every SQS client Tugboat builds. With an endpoint configured (AWS_ENDPOINT_URL_SQS or AWS_ENDPOINT_URL,
 * locally), a request goes to that endpoint whatever host its queue URL names: local SQS servers hand out
 * URLs such as `http://sqs.us-east-1.localhost:9324/...`, a host that does not resolve everywhere, and the
 * SDK would otherwise send to the queue URL's own host.
 */
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';

/** The endpoint SQS requests go to, if one is configured; undefined means AWS's own. */
export const configuredSqsEndpoint = (env: NodeJS.ProcessEnv = process.env): string | undefined =>
  env.AWS_ENDPOINT_URL_SQS || env.AWS_ENDPOINT_URL || undefined;

export const createSqsClient = (config: SQSClientConfig = {}, env: NodeJS.ProcessEnv = process.env) => {
  const endpoint = config.endpoint ?? configuredSqsEndpoint(env);
  return new SQSClient(endpoint ? { ...config, endpoint, useQueueUrlAsEndpoint: false } : config);
};
