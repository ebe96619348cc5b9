/**
 * `npm start`: runs Tugboat locally on real local endpoints.
 *   PORT                                HTTP API port (default 3000)
 *   TUGBOAT_LOCAL_DYNAMODB_PORT         DynamoDB Local port (default 8000)
 *   TUGBOAT_LOCAL_SQS_PORT              fauxqs (SQS) port (default 9324)
 *   TUGBOAT_LOCAL_ECS_PORT              local ECS endpoint port (default 4100), and its other
 *                                       TUGBOAT_LOCAL_ECS_* settings (docs/local-ecs.md)
 *   TUGBOAT_LOCAL_CLOUDWATCH_PORT       local CloudWatch endpoint port (default 4300);
 *                                       TUGBOAT_LOCAL_CLOUDWATCH_THROTTLE (off | factor, 1)
 *   TUGBOAT_LOCAL_ELB_PORT              local Elastic Load Balancing v2 endpoint port (default 4200)
 *   TUGBOAT_RECONCILE_INTERVAL_SECONDS  reconcile schedule (default 5)
 *   TUGBOAT_SCALING_INTERVAL_SECONDS    auto scaling evaluation schedule (default 60; 0 turns it off)
 *   TUGBOAT_DATA_DIR                    persist DynamoDB data there (default: in memory)
 *   TUGBOAT_CONSOLE_ALLOW_WRITES        1: the console at /console/ may roll back (default read-only)
 *   TUGBOAT_INSTALLATION                this installation's id (default local): letters and digits
 *   TUGBOAT_ALLOWED_HOSTS               other Host names the API and console answer (name or name:port,
 *                                       comma-separated); 127.0.0.1 and localhost always
 *   TUGBOAT_TASK_ROLE_ARNS              roles task definitions may name as taskRoleArn (comma-separated,
 *   TUGBOAT_EXECUTION_ROLE_ARNS         IAM wildcards); unset: any role (docs/security.md)
 */
import { INSTALLATION_RULE, isValidInstallation } from '../lib/inventory/naming';
import { localCloudWatchOptionsFromEnv } from './cloudwatch';
import { localEcsOptionsFromEnv } from './ecs';
import { portFromEnv } from './ports';
import { LocalStartError } from './preflight';
import { type LocalStack, startLocalStack } from './stack';

/** A setting or a machine problem the user fixes: one line, no stack trace, exit code 1. */
const fail = (error: unknown): never => {
  console.error(error instanceof LocalStartError ? error.message : error);
  process.exit(1);
};

const start = async (): Promise<LocalStack> => {
  const installation = process.env.TUGBOAT_INSTALLATION;
  if (installation !== undefined && !isValidInstallation(installation)) {
    throw new LocalStartError(`TUGBOAT_INSTALLATION must be ${INSTALLATION_RULE}, got "${installation}"`);
  }
  const intervalText = process.env.TUGBOAT_RECONCILE_INTERVAL_SECONDS ?? '5';
  if (!/^\d+(\.\d+)?$/.test(intervalText)) {
    throw new LocalStartError(
      `TUGBOAT_RECONCILE_INTERVAL_SECONDS must be a number of seconds, got "${intervalText}"`,
    );
  }
  const scalingText = process.env.TUGBOAT_SCALING_INTERVAL_SECONDS ?? '60';
  if (!/^\d+(\.\d+)?$/.test(scalingText)) {
    throw new LocalStartError(
      `TUGBOAT_SCALING_INTERVAL_SECONDS must be a number of seconds, got "${scalingText}"`,
    );
  }
  const { port: _ecsPort, eventsQueueUrl: _queue, ...ecsSettings } = localEcsOptionsFromEnv();
  const { throttle: cloudWatchThrottle } = localCloudWatchOptionsFromEnv();
  const portSetting = async (name: string, fallback: number) => {
    try {
      return await portFromEnv(name, fallback);
    } catch (error) {
      throw new LocalStartError((error as Error).message);
    }
  };
  return startLocalStack({
    apiPort: await portSetting('PORT', 3000),
    dynamoDbPort: await portSetting('TUGBOAT_LOCAL_DYNAMODB_PORT', 8000),
    sqsPort: await portSetting('TUGBOAT_LOCAL_SQS_PORT', 9324),
    ecsPort: await portSetting('TUGBOAT_LOCAL_ECS_PORT', 4100),
    cloudWatchPort: await portSetting('TUGBOAT_LOCAL_CLOUDWATCH_PORT', 4300),
    ...(cloudWatchThrottle !== undefined ? { cloudWatch: { throttle: cloudWatchThrottle } } : {}),
    elbPort: await portSetting('TUGBOAT_LOCAL_ELB_PORT', 4200),
    ecs: Object.fromEntries(Object.entries(ecsSettings).filter(([, value]) => value !== undefined)),
    reconcileIntervalMs: Number(intervalText) * 1000,
    scalingIntervalMs: Number(scalingText) * 1000,
    console: { allowWrites: consoleAllowsWrites },
    ...(process.env.TUGBOAT_ALLOWED_HOSTS
      ? { allowedHosts: process.env.TUGBOAT_ALLOWED_HOSTS.split(',').map((name) => name.trim()) }
      : {}),
    ...(process.env.TUGBOAT_DATA_DIR ? { dataDir: process.env.TUGBOAT_DATA_DIR } : {}),
  });
};

const intervalText = process.env.TUGBOAT_RECONCILE_INTERVAL_SECONDS ?? '5';
const scalingText = process.env.TUGBOAT_SCALING_INTERVAL_SECONDS ?? '60';
const consoleAllowsWrites = process.env.TUGBOAT_CONSOLE_ALLOW_WRITES === '1';
const startedAt = performance.now();
const stack = await start().catch(fail);

console.log(`Tugboat is running (ready in ${Math.round(performance.now() - startedAt)} ms)
  HTTP API         ${stack.apiUrl}
  web console      ${stack.apiUrl}/console/   (${consoleAllowsWrites ? 'read-write' : 'read-only; TUGBOAT_CONSOLE_ALLOW_WRITES=1 allows rollbacks'})
  local ECS        ${stack.ecsUrl}   (cluster "default"; AWS_ENDPOINT_URL_ECS=${stack.ecsUrl})
  local CloudWatch ${stack.cloudWatchUrl}   (Container Insights from POST ${stack.ecsUrl}/__local/load; AWS_ENDPOINT_URL_CLOUDWATCH=${stack.cloudWatchUrl})
  local ELB        ${stack.elbUrl}   (AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2=${stack.elbUrl})
                   target group "default-web":       ${stack.defaultTargetGroupArn}
                   target group "default-web-green": ${stack.defaultAlb.greenTargetGroupArn}
                   load balancer "default-alb":      ${stack.defaultAlb.loadBalancerArn}
                     production listener (port 80):  ${stack.defaultAlb.productionListenerArn}
                       default rule:                 ${stack.defaultAlb.productionRuleArn}
                     test listener (port 8080):      ${stack.defaultAlb.testListenerArn}
                       default rule:                 ${stack.defaultAlb.testRuleArn}
  SQS (fauxqs)     ${stack.sqsEndpoint}   (queues ${Object.keys(stack.queues).join(', ')}, each with a -dlq)
  DynamoDB Local   ${stack.dynamoDbEndpoint}   (table ${stack.tableName}, ${process.env.TUGBOAT_DATA_DIR ? `data in ${process.env.TUGBOAT_DATA_DIR}` : 'in memory'})
  reconcile every ${intervalText} s, auto scaling evaluated every ${scalingText} s
Press Ctrl+C to stop.`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
// A component that dies (DynamoDB Local's child) takes the stack down rather than leave it half there.
void stack.failed.then(async (error) => {
  console.error(error.message);
  await stack.stop();
  process.exit(1);
});
process.on('SIGTERM', shutdown);
