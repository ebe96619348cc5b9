import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ValidationError } from '../errors';

/** The API Gateway v2 payload limit is 10 MB; Tugboat's own documents are far smaller. */
export const MAX_BODY_BYTES = 256 * 1024;

export interface ApiRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  requestId: string;
  /** Whether the request carries a body at all; routes whose body is optional read json() only then. */
  hasBody: boolean;
  /** The JSON body; parsing is deferred so routes without a body never fail on one. */
  json(): unknown;
}

/** The header a 2xx answer carries when Tugboat accepted something it advises against (docs/security.md). */
export const WARNING_HEADER = 'tugboat-warning';

export type ApiResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number };

/** The value a JSON answer was made from, so presenting it need not parse its body back. */
const answeredValues = new WeakMap<ApiResponse, unknown>();

export const jsonResponse = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): ApiResponse => {
  const response: ApiResponse = {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    // A trailing newline, as curl users and line-based tools expect of a text answer.
    body: `${JSON.stringify(body)}\n`,
  };
  answeredValues.set(response, body);
  return response;
};

/** The JSON value of an answer: the one jsonResponse was given (as its body has it), else its body parsed. */
export const answeredValue = (response: ApiResponse): unknown =>
  answeredValues.has(response) ? answeredValues.get(response) : JSON.parse(String(response.body));

/** An absent or empty body is no body: API Gateway passes either for a request without one. */
export const hasBody = (event: APIGatewayProxyEventV2): event is APIGatewayProxyEventV2 & { body: string } =>
  event.body !== undefined && event.body !== null && event.body !== '';

export const parseJsonBody = (event: APIGatewayProxyEventV2): unknown => {
  if (!hasBody(event)) throw new ValidationError('A JSON request body is required');
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.byteLength > MAX_BODY_BYTES) {
    throw new ValidationError(
      `Request body is ${raw.byteLength} bytes; the limit is ${MAX_BODY_BYTES} bytes (256 KB)`,
    );
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new ValidationError(
      `Request body is not valid JSON: ${(error as Error).message}`,
      undefined,
      error,
    );
  }
};

/**
 * Refuses a path segment with a percent sign in it. No valid cluster, service, family, revision, task or
 * deployment id ever needs encoding, and IAM route policies (execute-api:Invoke) match the raw path: were
 * `pr%6fd` decoded to `prod`, it would slip past a Deny on `/clusters/prod/*`. So a segment is taken as
 * it was sent, or not at all.
 */
export const assertUnencodedPath = (segments: string[]): void => {
  const encoded = segments.find((segment) => segment.includes('%'));
  if (encoded !== undefined) {
    throw new ValidationError(
      `Path segment "${encoded}" is percent-encoded; names in Tugboat paths are letters, digits, hyphens and underscores and are never encoded`,
    );
  }
};

const DEFAULT_PAGE_SIZE = 100;

/** `maxResults` (1-100) and `nextToken` query parameters, shared by every list route. */
export const pageFromQuery = (query: ApiRequest['query']): { limit: number; nextToken?: string } => {
  const maxResults = query.maxResults;
  let limit = DEFAULT_PAGE_SIZE;
  if (maxResults !== undefined) {
    if (!/^\d{1,3}$/.test(maxResults) || Number(maxResults) < 1 || Number(maxResults) > 100) {
      throw new ValidationError('maxResults: must be an integer between 1 and 100');
    }
    limit = Number(maxResults);
  }
  const nextToken = query.nextToken;
  if (nextToken !== undefined && (nextToken === '' || nextToken.length > 2048)) {
    throw new ValidationError('nextToken: must be a token returned by an earlier page of this list');
  }
  return nextToken === undefined ? { limit } : { limit, nextToken };
};
