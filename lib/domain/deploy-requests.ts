/**
 * The idempotency record of one deploy request (an ECR event or an explicit message) for one service.
 * The first worker creates it PENDING with a lease; a duplicate finds it and does nothing more, or,
 * when the lease lapsed (a crashed worker), takes it over and finishes with the revision already made.
 */
export interface DeployRequest {
  cluster: string;
  serviceName: string;
  /** `event:<EventBridge id>` or `key:<idempotencyKey>`. */
  requestKey: string;
  status: 'PENDING' | 'DONE';
  owner: string;
  /** Epoch ms after which another worker may take a PENDING request over. */
  leaseUntil: number;
  /** `family:revision` once chosen (a new revision is registered at most once per request). */
  taskDefinition?: string;
  deploymentId: string;
  createdAt: string;
  /**
   * Epoch seconds: DynamoDB's TTL removes the record after SQS could no longer redeliver. Every write
   * sets it; the store does not return it on reads.
   */
  expiresAt: number;
}
