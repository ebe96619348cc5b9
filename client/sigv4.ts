import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Provider } from '@smithy/types';

export interface SigningOptions {
  credentials: AwsCredentialIdentity | Provider<AwsCredentialIdentity>;
  region: string;
  /** API Gateway's IAM authorizer checks signatures for this service name. */
  service?: string;
  /** Fixed signing time, for tests. */
  signingDate?: Date;
  /** Sign an `x-amz-content-sha256` header too (the SDK's default); AWS's test vectors have none. */
  contentSha256Header?: boolean;
}

export interface PlainRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** Signs one HTTP request with SigV4 (the AWS SDK's own signer), returning the headers to send. */
export const signRequest = async (
  request: PlainRequest,
  options: SigningOptions,
): Promise<Record<string, string>> => {
  const url = new URL(request.url);
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const existing = query[name];
    query[name] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: options.service ?? 'execute-api',
    sha256: Sha256,
    uriEscapePath: true,
    applyChecksum: options.contentSha256Header ?? true,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: { ...request.headers, host: url.host },
      ...(request.body === undefined ? {} : { body: request.body }),
    }),
    options.signingDate ? { signingDate: options.signingDate } : {},
  );
  return signed.headers;
};
