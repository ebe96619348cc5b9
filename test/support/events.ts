import { randomUUID } from 'node:crypto';

/** An EventBridge "ECR Image Action" PUSH event, as the deploys queue receives it. */
export const ecrPushEvent = (
  repository: string,
  tag: string,
  options: { id?: string; digest?: string; time?: string } = {},
) => ({
  version: '0',
  id: options.id ?? randomUUID(),
  'detail-type': 'ECR Image Action',
  source: 'aws.ecr',
  account: '123456789012',
  time: options.time ?? new Date().toISOString(),
  region: 'us-east-1',
  resources: [],
  detail: {
    result: 'SUCCESS',
    'repository-name': repository,
    'image-digest': options.digest ?? `sha256:${'cd34'.repeat(16)}`,
    'action-type': 'PUSH',
    'image-tag': tag,
  },
});
