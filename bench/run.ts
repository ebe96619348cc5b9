/**
 * `npm run bench [-- --quick] [--services N] [--tasks K] [--workers W] [--clusters C]
 *   [--only converge,steady,...,spot,jobs,progressive] [--burst-tasks N] [--ecs-faults 0.1] [--load-balanced]`
 * --workers defaults to the reconcile worker's reserved concurrency in serverless.yml (as deployed);
 * --ecs-faults makes the local ECS endpoint answer that fraction of calls with HTTP 500 (converge);
 * --load-balanced puts every service of converge, steady and recover behind its own target group.
 * Runs the benchmarks, writes bench/results/<name>.json (schema: docs/performance.md) and prints a table.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runApi } from './api';
import { runBurst } from './burst';
import { runColdStart } from './cold-start';
import { runCost, type SteadyCounts } from './cost';
import { runJobsBench } from './jobs';
import { runPipeline } from './pipeline';
import { runProgressive } from './progressive';
import { runReplaceInChild } from './replace';
import { runScaling } from './scaling';
import { runSpot } from './spot';
import { deployedFunction } from './support/deployed';

const ALL = [
  'converge',
  'steady',
  'recover',
  'burst',
  'cold-start',
  'api',
  'replace',
  'cost',
  'scaling',
  'spot',
  'jobs',
  'progressive',
] as const;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    services: { type: 'string' },
    tasks: { type: 'string' },
    workers: { type: 'string' },
    'event-workers': { type: 'string' },
    only: { type: 'string' },
    'api-seconds': { type: 'string' },
    'cold-runs': { type: 'string' },
    clusters: { type: 'string' },
    'burst-tasks': { type: 'string' },
    'ecs-faults': { type: 'string' },
    'load-balanced': { type: 'boolean', default: false },
  },
});

const positive = (text: string | undefined, fallback: number, name: string): number => {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number`);
  return value;
};

const fraction = (text: string | undefined, name: string): number => {
  if (text === undefined) return 0;
  const value = Number(text);
  if (!(value >= 0 && value <= 1)) throw new Error(`--${name} must be a number from 0 to 1`);
  return value;
};

const quick = values.quick ?? false;
const options = {
  services: positive(values.services, quick ? 100 : 1000, 'services'),
  tasks: positive(values.tasks, 3, 'tasks'),
  workers: positive(values.workers, deployedFunction('reconcileWorker').reservedConcurrency ?? 10, 'workers'),
  eventWorkers: positive(values['event-workers'], 10, 'event-workers'),
  clusters: positive(values.clusters, 1, 'clusters'),
  ecsFaults: fraction(values['ecs-faults'], 'ecs-faults'),
  loadBalanced: values['load-balanced'] ?? false,
};
// One target group per service: Tugboat's planner counts any target of no task of the service a stray, so
// services cannot share one, and ELB allows 3,000 target groups per Region (TooManyTargetGroups).
if (options.loadBalanced && options.services > 3000)
  throw new Error('--load-balanced: at most 3,000 services (one target group each, the ELB quota)');
const burstTasks = positive(values['burst-tasks'], quick ? 1000 : 5000, 'burst-tasks');
const only = new Set<string>(values.only ? values.only.split(',').map((name) => name.trim()) : ALL);
for (const name of only) {
  if (!(ALL as readonly string[]).includes(name))
    throw new Error(`--only: unknown benchmark '${name}' (${ALL.join(', ')})`);
}
/** --quick sizes of the real-time and longest-simulated benchmarks (without --services). */
const QUICK_REPLACE_STOPS = 10;
const QUICK_SCALING_SERVICES = 20;
const apiSeconds = positive(values['api-seconds'], quick ? 3 : 10, 'api-seconds');
const coldRuns = positive(values['cold-runs'], quick ? 5 : 20, 'cold-runs');

process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';

const machine = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryBytes: totalmem(),
  platform: `${process.platform}-${process.arch}`,
};

const resultsDir = resolve(import.meta.dirname, 'results');
await mkdir(resultsDir, { recursive: true });

interface Row {
  name: string;
  measured: string;
  target: string;
  pass: boolean;
}
const rows: Row[] = [];

const summarize = (result: Record<string, unknown>): Row[] => {
  const r = result as Record<string, any>;
  switch (r.name) {
    case 'converge':
      return [
        {
          name: `converge ${r.services}x${r.tasksPerService} (${r.workers} workers${r.ecsFaults ? `, ECS faults ${r.ecsFaults}` : ''}${r.loadBalanced ? ', load-balanced' : ''})`,
          measured: `${r.simulatedSeconds} s simulated / bound ${r.lowerBoundSeconds} s = ${r.ratio}, killed ${r.passesKilledAtTimeout}, throttled RunTask ${r.throttledRunTask}`,
          target: r.ecsFaults ? '(reported)' : 'ratio <= 1.15, 0 killed, 0 throttled RunTask',
          pass: r.pass,
        },
      ];
    case 'burst':
      return [
        {
          name: `burst 0 -> ${r.tasks}`,
          measured: `${r.simulatedSeconds} s simulated / bound ${r.lowerBoundSeconds} s = ${r.ratio}, killed ${r.passesKilledAtTimeout}, over cap ${r.maxTasksOverCap}`,
          target: 'ratio <= 1.15, 0 over cap',
          pass: r.pass,
        },
      ];
    case 'steady':
      return [
        {
          name: 'steady ECS calls',
          measured: `${r.ecsCallsTotal} (min ${r.minimum.ListTasks} ListTasks) = ${r.ecsRatio}x`,
          target: '<= 1.1x, 0 RunTask/StopTask',
          pass: r.ecsRatio <= 1.1,
        },
        ...(r.loadBalanced
          ? [
              {
                name: 'steady ELB calls',
                measured: `${r.elbCallsTotal} (min ${r.elbMinimum.DescribeTargetHealth} DescribeTargetHealth) = ${r.elbRatio}x`,
                target: '<= 1 DescribeTargetHealth per target group',
                pass: r.elbRatio <= 1,
              },
            ]
          : []),
        {
          name: 'steady DynamoDB',
          measured: `${r.readUnitsPerService} RCU/service, ${r.dynamoDb.reads} reads, ${r.dynamoDb.writes} writes`,
          target: '<= 1 RCU/service',
          pass: r.readUnitsPerService <= 1,
        },
        {
          name: 'steady CPU / memory',
          measured: `${r.cpuMsPer1000Services} ms CPU per 1k services, peak RSS ${(r.memory.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
          target: '(reported)',
          pass: true,
        },
      ];
    case 'recover':
      return (r.rounds as Record<string, any>[]).map((round) => ({
        name: `recover ${round.fraction * 100}% (${round.stopped})`,
        measured: `${round.simulatedSeconds} s (bound ${round.launchBoundSeconds} s), over cap ${round.maxTasksOverCap}`,
        target: round.fraction === 0.1 ? '<= bound + 5 s, 0 over cap' : '0 over cap',
        pass: (round.fraction !== 0.1 || round.withinAllowed) && round.maxTasksOverCap === 0,
      }));
    case 'cold-start':
      return (r.functions as Record<string, any>[]).map((fn) => ({
        name: `cold-start ${fn.function}`,
        measured: `${(fn.zipBytes / 1024).toFixed(0)} KB zip, load ${fn.loadMsMedian} ms (x${fn.loadRatio}; CPU x${fn.loadCpuRatio}), first call ${fn.firstInvokeMsMedian} ms (x${fn.firstInvokeRatio})`,
        target: '<= 400 KB, load <= 1.3x, first call <= 1.5x',
        pass: fn.pass,
      }));
    case 'api':
      return (r.routes as Record<string, any>[]).map((route) => ({
        name: `api ${route.route}`,
        measured: `${route.requestsPerSecond} req/s, p50 ${route.latencyMs.p50} ms (x${route.p50Ratio}, same calls x${route.overheadRatio}), p99 ${route.latencyMs.p99}, max ${route.latencyMs.max}, errors ${route.errors + route.non2xx}${route.sameCallsMatch ? '' : `; the baseline's calls differ: route ${route.calls.join(' ')}, baseline ${route.sameCalls.calls.join(' ')}`}`,
        target: 'p50 <= 1.2x same calls (td: p99 <= 3x p50), same calls, no errors',
        pass: route.pass,
      }));
    case 'replace':
      return [
        {
          name: `replace ${r.stops} stops`,
          measured: `stop event -> RunTask p50 ${r.stopEventToRunTaskMs.p50} / p99 ${r.stopEventToRunTaskMs.p99} / max ${r.stopEventToRunTaskMs.max} ms; -> RUNNING p50 ${r.stopEventToRunningMs.p50} / p99 ${r.stopEventToRunningMs.p99} ms; replaced ${r.replaced}`,
          target: 'RunTask p99 <= 1 s',
          pass: r.pass,
        },
      ];
    case 'cost':
      return [
        ...(r.fleets as Record<string, any>[]).map((fleet) => ({
          name: `cost ${fleet.services}x${fleet.tasksPerService}`,
          measured: `$${fleet.usdPerMonth}/month ($${fleet.usdPer1000Services} per 1,000 services)`,
          target: '<= $5 per 1,000 services',
          pass: fleet.usdPer1000Services <= 5,
        })),
        { name: 'cost one deploy', measured: `$${r.usdPerDeploy}`, target: '(reported)', pass: true },
      ];
    case 'scaling':
      return [
        {
          name: `scaling ${r.services} services`,
          measured: `decision p50 ${r.decisionSeconds.p50} s p99 ${r.decisionSeconds.p99} s, RUNNING p50 ${r.runningSeconds.p50} s p99 ${r.runningSeconds.p99} s, steady ${r.perEvaluation.steady.cloudWatchCalls.mean} calls/${r.perEvaluation.steady.metricsRequested.mean} metrics per evaluation (step max ${r.perEvaluation.step.cloudWatchCalls.max}/${r.perEvaluation.step.metricsRequested.max}), $${r.costPerServiceMonthUsd.steady.totalUsd}/service-month (alarms $${r.costPerServiceMonthUsd.steady.alarmsUsd} + metrics $${r.costPerServiceMonthUsd.steady.metricsUsd}), ${r.oscillatingServices} oscillating; evaluator CPU <= ${r.evaluatorCpuMs.perEvaluationMean} ms mean / ${r.evaluatorCpuMs.perEvaluationMax} ms max per evaluation, peak RSS ${(r.peakRssBytesDuringEvaluations / 2 ** 20).toFixed(0)} MiB; ${r.wallSeconds} s wall`,
          target: 'decision p99 <= 90 s, <= $0.20, 0 oscillating',
          pass: r.pass.decision && r.pass.cost && r.pass.oscillation,
        },
      ];
    case 'spot':
      return [
        {
          name: `spot ${r.services}x${r.tasksPerService}, Spot lost ${r.outageSeconds / 60} min`,
          measured: `under desired ${r.withFallback.serviceMinutesUnderDesired} service-min with fallback vs ${r.withoutFallback.serviceMinutesUnderDesired} without; on-demand ${r.withFallback.onDemandTaskMinutes} task-min; back on Spot p50 ${r.withFallback.returnToSpotSeconds.p50} s max ${r.withFallback.returnToSpotSeconds.max} s after capacity returned; a deploy ${r.deployDuringOutage.deployAtSeconds} s into the outage completed in ${r.deployDuringOutage.completedAfterSeconds.max} s (${r.deployDuringOutage.failed} failed)`,
          target:
            'less under desired, all back, none under desired during the return, deploys complete during the outage',
          pass: r.pass,
        },
      ];
    case 'jobs':
      return [
        {
          name: `jobs ${r.jobs} x ${r.simulatedMinutes} min (ECS faults ${r.ecsFaults}, ${r.doubledPasses} doubled passes)`,
          measured: `${r.ticks} ticks, ${r.runs} runs, ${r.duplicateRuns} duplicate, ${r.unaccountedTicks} unaccounted; tick -> RunTask p50 ${r.launchDelaySeconds.p50} s p99 ${r.launchDelaySeconds.p99} s / bound ${r.launchDelaySeconds.boundSeconds} s = ${r.launchDelaySeconds.ratio}; services converge ${r.services.simulatedSeconds} s / bound ${r.services.lowerBoundSeconds} s = ${r.services.ratio}`,
          target: '0 duplicate, 0 unaccounted, launch ratio <= 1.15, converge ratio <= 1.15',
          pass: r.pass,
        },
      ];
    case 'progressive': {
      const bad = (strategy: string, judge: string) => r.bad[strategy][judge];
      const badText = (strategy: string) =>
        `detect p99 analysis ${bad(strategy, 'analysis').detectSeconds.p99} s / alarm ${bad(strategy, 'alarm').detectSeconds.p99} s (undetected ${bad(strategy, 'analysis').undetected}/${bad(strategy, 'alarm').undetected}), shift back p99 ${bad(strategy, 'analysis').shiftBackSeconds.p99} s, bad requests ${bad(strategy, 'analysis').badRequestFraction} vs ${bad(strategy, 'alarm').badRequestFraction}`;
      return [
        {
          name: `progressive ${r.services} services, good`,
          measured: `duration ratio canary ${r.good.canary.durationRatio}, linear ${r.good.linear.durationRatio}`,
          target: '<= 1.05',
          pass: r.met.canary.durationRatio && r.met.linear.durationRatio,
        },
        ...['canary', 'linear'].map((strategy) => ({
          name: `progressive ${r.services} services, bad ${strategy}`,
          measured: `${badText(strategy)}; ELB throttled ${r.elbThrottled}`,
          target:
            "analysis detect p99 <= 120 s, shift back p99 <= 5 s, bad requests <= half the alarm's, 0 throttled",
          pass:
            r.met.elbThrottled &&
            r.met[strategy].analysisDetectP99 &&
            r.met[strategy].shiftBackP99 &&
            r.met[strategy].analysisHalvesBadRequests,
        })),
      ];
    }
    default:
      return [];
  }
};

/** Results of this run by name (cost prices what the others counted). */
const written = new Map<string, unknown>();
/** When the previous result was written: each benchmark's own wall time, for keeping --quick short. */
let lastWrittenAt = performance.now();
const write = async (result: { name: string }) => {
  written.set(result.name, result);
  const wallSeconds = Math.round((performance.now() - lastWrittenAt) / 1000);
  lastWrittenAt = performance.now();
  console.error(`  ${result.name}: ${wallSeconds} s wall`);
  const document = { schemaVersion: 1, ...result, machine, quick };
  await writeFile(resolve(resultsDir, `${result.name}.json`), `${JSON.stringify(document, null, 2)}\n`);
  const summary = summarize(document);
  rows.push(...summary);
  for (const row of summary) console.error(`${row.pass ? 'PASS' : 'MISS'}  ${row.name}: ${row.measured}`);
};

const started = performance.now();
console.error(
  `bench: ${[...only].join(', ')}; ${options.services} services x ${options.tasks} tasks, ${options.workers} workers${quick ? ' (quick)' : ''}`,
);
if (only.has('converge') || only.has('steady') || only.has('recover'))
  await runPipeline(options, only, write);
if (only.has('burst'))
  await write(
    await runBurst({ tasks: burstTasks, workers: options.workers, eventWorkers: options.eventWorkers }),
  );
if (only.has('cold-start')) await write(await runColdStart({ runs: coldRuns }));
if (only.has('api')) await write(await runApi({ seconds: apiSeconds }));
if (only.has('replace'))
  await write(
    (await runReplaceInChild({ stops: quick ? QUICK_REPLACE_STOPS : 100 })) as unknown as { name: string },
  );
if (only.has('cost')) {
  const steady = written.get('steady') as SteadyCounts | undefined;
  await write(await runCost({ quick, ...(steady ? { steady } : {}) }));
}
// --quick: a smaller run of everything, a few minutes in all; scaling's fleet is the longest to simulate.
const scalingServices = quick && values.services === undefined ? QUICK_SCALING_SERVICES : options.services;
if (only.has('scaling')) await write(await runScaling({ ...options, services: scalingServices }));
if (only.has('spot')) await write(await runSpot({ services: options.services, tasks: options.tasks }));
// jobs: 1,000 jobs a minute for 30 minutes (--quick: 200 for 5, past Fargate's launch burst) beside a fleet of
// a tenth of --services; BENCH_JOBS and BENCH_JOB_MINUTES set other sizes.
if (only.has('jobs'))
  await write(
    await runJobsBench({
      jobs: positive(process.env.BENCH_JOBS, quick ? 200 : 1000, 'BENCH_JOBS'),
      minutes: positive(process.env.BENCH_JOB_MINUTES, quick ? 5 : 30, 'BENCH_JOB_MINUTES'),
      services: Math.max(1, Math.round(options.services / 10)),
      tasks: options.tasks,
      workers: options.workers,
      eventWorkers: options.eventWorkers,
      ecsFaults: values['ecs-faults'] === undefined ? 0.1 : options.ecsFaults,
      doubledRuns: 0.2,
    }),
  );

// progressive: CANARY and LINEAR deploys of every service, good and bad, on a load-balanced fleet.
if (only.has('progressive'))
  await write(
    await runProgressive({
      services: options.services,
      tasks: options.tasks,
      workers: options.workers,
      eventWorkers: options.eventWorkers,
    }),
  );

const width = (key: keyof Row) => Math.max(...rows.map((row) => String(row[key]).length), key.length);
const [nameWidth, measuredWidth] = [width('name'), width('measured')];
console.log(`\n${'benchmark'.padEnd(nameWidth)}  ${'measured'.padEnd(measuredWidth)}  target  result`);
for (const row of rows) {
  console.log(
    `${row.name.padEnd(nameWidth)}  ${row.measured.padEnd(measuredWidth)}  ${row.target}  ${row.pass ? 'PASS' : 'MISS'}`,
  );
}
console.log(
  `\n${machine.node}, ${machine.cpus} CPUs (${machine.cpuModel}), ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB; ${((performance.now() - started) / 1000).toFixed(0)} s wall`,
);
process.exit(0);
