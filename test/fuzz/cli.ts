/**
 * `npm run fuzz -- --seeds N [--from S] [--minutes M] [--parallel P]`: runs seeds S..S+N-1, each over M
 * virtual minutes, P at a time, and prints every failing seed as the one-line command that replays it.
 * `--seed S` replays one seed and prints its scenario and its whole log. A seed whose run throws is a
 * failing seed with its error; the exit code is 1 when any seed failed, 2 when the fuzzer itself did.
 */
import { Command } from 'commander';
import { startDynamoDbLocal } from '../../local/dynamodb';
import { freePort } from '../../local/ports';
import { describeScenario, drawScenario } from './generators';
import { FUZZ_T0, replayCommand, runScenario } from './runner';
import { failed, runSeeds, type SeedOutcome } from './seeds';

const program = new Command('fuzz')
  .description("Tugboat's seeded scenario fuzzer (docs/fuzzing.md)")
  .option('--seeds <n>', 'how many seeds to run', (value) => Number(value), 10)
  .option('--from <seed>', 'the first seed', (value) => Number(value), 1)
  .option('--seed <seed>', 'replay this one seed, printing its scenario and log', (value) => Number(value))
  .option('--minutes <m>', 'virtual minutes per seed', (value) => Number(value), 60)
  .option('--parallel <p>', 'seeds run at once', (value) => Number(value), 1)
  .parse();

const options = program.opts<{
  seeds: number;
  from: number;
  seed?: number;
  minutes: number;
  parallel: number;
}>();

const print = (outcome: SeedOutcome) => {
  if ('error' in outcome) {
    console.log(`seed ${outcome.seed}: the run threw before it could finish`);
    console.log(
      `  ${outcome.error instanceof Error ? (outcome.error.stack ?? outcome.error.message) : String(outcome.error)}`,
    );
    return;
  }
  const { result } = outcome;
  const verdict = result.violations.length === 0 ? 'ok' : `${result.violations.length} violation(s)`;
  console.log(
    `seed ${result.seed}: ${verdict} (${result.services} services, ${result.launches} launches, ${result.runTaskCalls} RunTask calls, ${result.deaths} tasks died, ${result.progressive ? `${result.progressive.services} progressive, ${result.progressive.hookCalls} hook calls, ${result.progressive.operator} stops/continues taken, ` : ''}${options.minutes} virtual min in ${result.wallSeconds.toFixed(1)} s)`,
  );
  for (const violation of result.violations)
    console.log(
      `  ${violation.invariant} ${violation.service} at ${(violation.at - FUZZ_T0) / 1000} s: ${violation.message}`,
    );
};

const main = async (): Promise<number> => {
  const dynamoDb = await startDynamoDbLocal({ port: await freePort() });
  const replay = options.seed !== undefined;
  const seeds = replay
    ? [options.seed!]
    : Array.from({ length: options.seeds }, (_, index) => options.from + index);
  let outcomes: SeedOutcome[];
  try {
    outcomes = await runSeeds(
      seeds,
      options.parallel,
      async (seed) => {
        const scenario = drawScenario(seed, options.minutes);
        if (replay) for (const line of describeScenario(scenario)) console.log(line);
        return runScenario(scenario, {
          dynamoDbEndpoint: dynamoDb.endpoint,
          ...(replay ? { log: (line: string) => console.log(line) } : {}),
        });
      },
      print,
    );
  } finally {
    await dynamoDb.stop();
  }
  const failing = outcomes.filter(failed).sort((a, b) => a.seed - b.seed);
  console.log(`\n${seeds.length} seed(s) of ${options.minutes} virtual minutes, ${failing.length} failing`);
  for (const outcome of failing)
    console.log(
      `${replayCommand(outcome.seed, options.minutes)}   # ${
        'error' in outcome
          ? 'threw'
          : [...new Set(outcome.result.violations.map((v) => v.invariant))].join(', ')
      }`,
    );
  return failing.length > 0 ? 1 : 0;
};

// The exit is explicit: a run that threw may leave its servers listening, which would keep the process
// alive after the report.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
