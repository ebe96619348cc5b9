/**
 * The steady benchmark's one scheduler pass, run in a fresh process (bench/steady-pass.ts) over the
 * fleet's DynamoDB table and endpoints, so its CPU time and memory are its own.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { CallCount, DynamoDbTotals } from './counters';
import type { Fleet } from './fleet';

export interface SteadyPassOutput {
  report: {
    services: number;
    enqueued: number;
    unknownTasks: number;
    vanishedTasks: number;
    alreadyRequested: number;
  };
  ecs: Record<string, CallCount>;
  elb?: Record<string, CallCount>;
  dynamoDb: DynamoDbTotals;
  sqs: { sendMessageBatchCalls: number; messages: number };
  cpuMs: number;
  wallMs: number;
  memory: { rssBeforeBytes: number; peakRssBytes: number; peakHeapBytes: number };
}

export const runSteadyPassProcess = (fleet: Fleet): Promise<SteadyPassOutput> =>
  new Promise((resolvePass, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', resolve(import.meta.dirname, '..', 'steady-pass.ts')],
      {
        env: {
          ...process.env,
          BENCH_DYNAMODB_ENDPOINT: fleet.dynamoDbEndpoint,
          BENCH_TABLE: fleet.tableName,
          BENCH_ECS_URL: fleet.server.url,
          BENCH_NOW: String(fleet.time.now()),
          ...(fleet.loadBalancing ? { BENCH_ELB_URL: fleet.loadBalancing.server.url } : {}),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`steady pass exited with ${code}`));
      else resolvePass(JSON.parse(output.trim().split('\n').at(-1)!) as SteadyPassOutput);
    });
  });
