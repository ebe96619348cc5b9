import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { httpErrorMapper, requestIdOf } from '../lib/api/middleware';
import { createRouter } from '../lib/api/router';
import { apiRoutes } from '../lib/api/routes';
import { loadConfig } from '../lib/config';
import { DynamoDbStore } from '../lib/store/dynamodb';
import { defaultIds } from '../lib/use-cases/context';

const config = loadConfig();
const logger = new Logger({ serviceName: 'tugboat-api' });
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const route = createRouter(
  apiRoutes({
    store: new DynamoDbStore(documentClient, config.tableName),
    config,
    now: () => new Date(),
    newId: defaultIds,
  }),
);

export const handler = middy<APIGatewayProxyEventV2, unknown, Error, Context>()
  .use(injectLambdaContext(logger))
  .use(httpErrorMapper(logger))
  .handler((event, context) => route(event, requestIdOf(event, context)));
