/**
 * cold-start: each function's bundle from `npm run package` (osls package, .serverless/<fn>.zip), loaded in
 * fresh `node` processes: median time to load the module and to serve a first invocation (against
 * DynamoDB Local), next to a baseline bundle built with the same esbuild settings whose handler imports the
 * same AWS SDK clients and returns a constant. Real time.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { startLocalCloudWatchServer } from '../local/cloudwatch/server';
import { createTable, localDynamoDbClient, startDynamoDbLocal } from '../local/dynamodb';
import { freePort } from '../local/ports';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const ZIP_LIMIT_BYTES = 400 * 1024;
const LOAD_RATIO_LIMIT = 1.3;
const FIRST_INVOKE_RATIO_LIMIT = 1.5;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const round = (value: number) => Number(value.toFixed(2));

/** The first invocation each function serves: real work that needs only DynamoDB Local. */
const firstEvents: Record<string, { event: unknown }> = {
  api: {
    event: {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/clusters/default/services/missing',
      rawQueryString: '',
      headers: {},
      requestContext: {
        accountId: '000000000000',
        apiId: 'bench',
        domainName: 'localhost',
        domainPrefix: 'localhost',
        http: {
          method: 'GET',
          path: '/clusters/default/services/missing',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'bench',
        },
        requestId: 'cold-start',
        routeKey: '$default',
        stage: '$default',
        time: new Date().toUTCString(),
        timeEpoch: Date.now(),
      },
      isBase64Encoded: false,
    },
  },
  reconcileScheduler: { event: { 'detail-type': 'Scheduled Event' } },
  // Its first evaluation asks CloudWatch for the installation's alarms (the local endpoint, empty).
  scalingEvaluator: { event: { 'detail-type': 'Scheduled Event', time: new Date().toISOString() } },
  reconcileWorker: {
    event: {
      Records: [
        {
          messageId: 'm-1',
          body: JSON.stringify({ cluster: 'default', serviceName: 'missing', reason: 'cold start' }),
        },
      ],
    },
  },
  // A deploy message parsed and acted on (its service is missing): the deploy schemas are built on first use.
  deployEvents: {
    event: {
      Records: [
        {
          messageId: 'm-1',
          body: JSON.stringify({
            type: 'deploy',
            cluster: 'default',
            serviceName: 'missing',
            image: 'nginx:1.28',
          }),
          attributes: { SentTimestamp: String(Date.now()) },
        },
      ],
    },
  },
  taskEvents: {
    event: {
      Records: [
        {
          messageId: 'm-1',
          body: JSON.stringify({
            version: '0',
            id: 'e-1',
            source: 'aws.ecs',
            'detail-type': 'ECS Task State Change',
            time: new Date().toISOString(),
            detail: {
              taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/default/0123456789abcdef0123456789abcdef',
              clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/default',
              version: 1,
              lastStatus: 'PROVISIONING',
              desiredStatus: 'RUNNING',
              group: 'family:one-off',
            },
          }),
        },
      ],
    },
  },
};

/** Marks the probe's line: the handler itself may write to stdout (Powertools metrics print EMF there). */
const PROBE_MARK = 'cold-start-probe ';

/** Runs in the fresh process: load, then one invocation; prints both times. */
const probe = `
const PROBE_MARK = ${JSON.stringify(PROBE_MARK)};
const start = performance.now();
const cpuStart = process.cpuUsage();
const mod = require(process.argv[1]);
const loaded = performance.now();
const cpu = process.cpuUsage(cpuStart);
const context = { functionName: 'bench', awsRequestId: 'cold', getRemainingTimeInMillis: () => 30000,
  callbackWaitsForEmptyEventLoop: false };
Promise.resolve(mod.handler(JSON.parse(process.argv[2]), context)).then((result) => {
  const invoked = performance.now();
  console.log('');
  console.log(PROBE_MARK + JSON.stringify({ loadMs: loaded - start, loadCpuMs: (cpu.user + cpu.system) / 1000,
    firstInvokeMs: invoked - loaded,
    result: JSON.stringify(result ?? null).slice(0, 200) }));
  process.exit(0);
}, (error) => { console.error(error); process.exit(1); });
`;

/**
 * The AWS SDK as the functions use it: the clients constructed, and the commands they send through them
 * imported. With the ES module builds (serverless.yml's mainFields) a bundle holds only the commands it
 * uses, so a baseline of bare clients would leave out SDK code every function needs.
 */
const baselineSource = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeregisterTaskDefinitionCommand, DescribeClustersCommand, DescribeTasksCommand, ECSClient, ListClustersCommand,
  ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchGetCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const ecs = new ECSClient({});
const sqs = new SQSClient({});
const commands = [
  BatchGetCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand,
  DeregisterTaskDefinitionCommand, DescribeClustersCommand, DescribeTasksCommand, ListClustersCommand,
  ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand,
  GetQueueAttributesCommand, SendMessageBatchCommand,
];
// Its first invocation makes one DynamoDB call, as every function's does: the SDK's first-call costs
// (credentials, endpoint, signing, the connection) are the SDK's, not Tugboat's.
export const handler = async () => {
  const found = await documentClient.send(
    new GetCommand({ TableName: process.env.TUGBOAT_TABLE_NAME, Key: { PK: 'cold-start', SK: 'baseline' } }),
  );
  return { statusCode: 200, body: JSON.stringify({ ok: Boolean(ecs && sqs && !found.Item), commands: commands.length }) };
};
`;

interface Timing {
  loadMsMedian: number;
  loadCpuMsMedian: number;
  firstInvokeMsMedian: number;
}

/**
 * Runs each bundle's probe `runs` times, interleaved (baseline, then every function, then again), so a
 * machine whose load changes during the run slows the baseline and the functions alike.
 */
const measureInterleaved = async (
  bundles: { bundle: string; event: unknown }[],
  runs: number,
  env: NodeJS.ProcessEnv,
): Promise<Timing[]> => {
  const samples = bundles.map(() => ({
    loads: [] as number[],
    cpus: [] as number[],
    invokes: [] as number[],
  }));
  for (let i = 0; i < runs; i++) {
    for (const [index, { bundle, event }] of bundles.entries()) {
      const { stdout } = await run(process.execPath, ['-e', probe, bundle, JSON.stringify(event)], { env });
      const line = stdout.split('\n').find((text) => text.startsWith(PROBE_MARK));
      if (!line) throw new Error(`${bundle}: no probe output in ${stdout.slice(0, 500)}`);
      const sample = JSON.parse(line.slice(PROBE_MARK.length)) as {
        loadMs: number;
        loadCpuMs: number;
        firstInvokeMs: number;
      };
      samples[index]!.loads.push(sample.loadMs);
      samples[index]!.cpus.push(sample.loadCpuMs);
      samples[index]!.invokes.push(sample.firstInvokeMs);
    }
  }
  return samples.map(({ loads, cpus, invokes }) => ({
    loadMsMedian: round(median(loads)),
    loadCpuMsMedian: round(median(cpus)),
    firstInvokeMsMedian: round(median(invokes)),
  }));
};

export const runColdStart = async (options: { runs: number }) => {
  execFileSync('npm', ['run', 'package', '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const work = await mkdtemp(join(tmpdir(), 'tugboat-cold-'));
  const dynamoDb = await startDynamoDbLocal({ port: await freePort() });
  const cloudWatch = await startLocalCloudWatchServer({ port: 0, host: '127.0.0.1' });
  try {
    const tableName = 'tugboat-cold-start';
    const client = localDynamoDbClient(dynamoDb.endpoint);
    await createTable(client, tableName);
    client.destroy();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9',
      AWS_ENDPOINT_URL_ECS: 'http://127.0.0.1:9',
      AWS_ENDPOINT_URL_CLOUDWATCH: cloudWatch.url,
      TUGBOAT_TABLE_NAME: tableName,
      TUGBOAT_RECONCILE_QUEUE_URL: 'http://127.0.0.1:9/000000000000/tugboat-reconcile',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      NODE_ENV: 'production',
    };

    const baselineEntry = join(work, 'baseline.ts');
    await writeFile(baselineEntry, baselineSource);
    const baselineBundle = join(work, 'baseline', 'handler.js');
    // serverless.yml's esbuild settings.
    await build({
      entryPoints: [baselineEntry],
      outfile: baselineBundle,
      bundle: true,
      minify: true,
      sourcemap: false,
      target: 'node24',
      platform: 'node',
      format: 'cjs',
      keepNames: true,
      mainFields: ['module', 'main'],
      nodePaths: [join(root, 'node_modules')],
      logLevel: 'error',
    });
    const baselineBytes = (await stat(baselineBundle)).size;
    await run('zip', ['-q', '-j', join(work, 'baseline.zip'), baselineBundle]);
    const baselineZipBytes = (await stat(join(work, 'baseline.zip'))).size;
    const zips = (await readdir(join(root, '.serverless'))).filter((file) => file.endsWith('.zip')).sort();
    const entries = [];
    for (const zip of zips) {
      const name = zip.replace(/\.zip$/, '');
      // A function this benchmark has no first event for gets an empty SQS batch.
      const event = firstEvents[name]?.event ?? { Records: [] };
      const directory = join(work, name);
      await run('unzip', ['-q', '-o', join(root, '.serverless', zip), '-d', directory]);
      const handlerFile = (await readdir(join(directory, 'functions'))).find((file) => file.endsWith('.js'));
      if (!handlerFile) throw new Error(`${zip} holds no functions/*.js`);
      const { stdout } = await run('unzip', ['-Z', '-t', join(root, '.serverless', zip)]);
      const unzippedBytes = Number(/(\d+) bytes uncompressed/.exec(stdout)?.[1] ?? Number.NaN);
      const zipBytes = (await stat(join(root, '.serverless', zip))).size;
      entries.push({
        name,
        zipBytes,
        unzippedBytes,
        bundle: join(directory, 'functions', handlerFile),
        event,
      });
    }
    const [baseline, ...timings] = await measureInterleaved(
      [{ bundle: baselineBundle, event: {} }, ...entries],
      options.runs,
      env,
    );
    const functions = entries.map(({ name, zipBytes, unzippedBytes }, index) => {
      const timing = timings[index]!;
      const loadRatio = timing.loadMsMedian / baseline!.loadMsMedian;
      const firstInvokeRatio = timing.firstInvokeMsMedian / baseline!.firstInvokeMsMedian;
      return {
        function: name,
        zipBytes,
        unzippedBytes,
        ...timing,
        loadRatio: round(loadRatio),
        // CPU time is less moved by other processes than wall time on a shared machine: reported beside it.
        loadCpuRatio: round(timing.loadCpuMsMedian / baseline!.loadCpuMsMedian),
        firstInvokeRatio: round(firstInvokeRatio),
        pass:
          zipBytes <= ZIP_LIMIT_BYTES &&
          loadRatio <= LOAD_RATIO_LIMIT &&
          firstInvokeRatio <= FIRST_INVOKE_RATIO_LIMIT,
      };
    });
    return {
      name: 'cold-start',
      time: 'real',
      runs: options.runs,
      baseline: { zipBytes: baselineZipBytes, unzippedBytes: baselineBytes, ...baseline },
      functions,
      target: {
        zipBytesAtMost: ZIP_LIMIT_BYTES,
        loadRatioAtMost: LOAD_RATIO_LIMIT,
        firstInvokeRatioAtMost: FIRST_INVOKE_RATIO_LIMIT,
      },
      pass: functions.every((entry) => entry.pass),
    };
  } finally {
    await cloudWatch.close();
    await dynamoDb.stop();
    await rm(work, { recursive: true, force: true });
  }
};
