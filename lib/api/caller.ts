import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Caller } from '../use-cases/context';

/** Locally there is no IAM authorizer: changes are recorded as made by `local`. */
export const LOCAL_PRINCIPAL = 'local';

interface IamAuthorizerContext {
  iam?: { userArn?: string | null; callerId?: string | null };
}

/**
 * Who calls: the IAM principal the HTTP API's IAM authorizer verified (requestContext.authorizer.iam
 * .userArn in payload 2.0), and the request's id as the correlation id of everything it causes.
 */
export const callerOf = (event: APIGatewayProxyEventV2, requestId: string): Caller => {
  const authorizer = (event.requestContext as { authorizer?: IamAuthorizerContext }).authorizer;
  const principal = authorizer?.iam?.userArn || authorizer?.iam?.callerId || LOCAL_PRINCIPAL;
  return { principal, correlationId: requestId };
};
