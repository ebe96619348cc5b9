import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../local/dynamodb';
import { freePort } from '../../local/ports';

/** One DynamoDB Local for the whole run; every test file creates its own table in it. */
export default async function setup(project: TestProject) {
  const dynamoDb = await startDynamoDbLocal({ port: await freePort() });
  project.provide('dynamoDbEndpoint', dynamoDb.endpoint);
  return async () => {
    await dynamoDb.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
  }
}
