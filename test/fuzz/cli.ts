/**
 * `npm run fuzz -- --seeds N [--from S] [--minutes M] [--parallel P]`: runs seeds S..S+N-1, each over M
 * virtual minutes, P at a time, and prints every failing seed as the one-line command that replays it.
 * `--seed S` replays one seed and prints its scenario and its whole log.
 */
import { Command } from 'commander';
import { startDynamoDbLocal } from '../../local/dynamodb';
import { freePort } from '../../local/ports';
import { describeScenario, drawScenario } from './generators';
import { type RunResult, replayCommand, runScenario } from './runner';

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

const main = async () => {
  const dynamoDb = await startDynamoDbLocal({ port: await freePort() });
  const replay = options.seed !== undefined;
  const seeds = replay
    ? [options.seed!]
    : Array.from({ length: options.seeds }, (_, index) => options.from + index);
  const failing: RunResult[] = [];
  let next = 0;
  try {
    const worker = async () => {
      while (next < seeds.length) {
        const seed = seeds[next++]!;
        const scenario = drawScenario(seed, options.minutes);
        if (replay) for (const line of describeScenario(scenario)) console.log(line);
        const result = await runScenario(scenario, {
          dynamoDbEndpoint: dynamoDb.endpoint,
          ...(replay ? { log: (line: string) => console.log(line) } : {}),
        });
        const verdict = result.violations.length === 0 ? 'ok' : `${result.violations.length} violation(s)`;
        console.log(
          `seed ${seed}: ${verdict} (${scenario.services.length} services, ${result.launches} launches, ${result.deaths} tasks died, ${options.minutes} virtual min in ${result.wallSeconds.toFixed(1)} s)`,
        );
        for (const violation of result.violations)
          console.log(
            `  ${violation.invariant} ${violation.service} at ${(violation.at - Date.parse('2026-12-01T00:00:00.000Z')) / 1000} s: ${violation.message}`,
          );
        if (result.violations.length > 0) failing.push(result);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.parallel) }, worker));
  } finally {
    await dynamoDb.stop();
  }
  console.log(`\n${seeds.length} seed(s) of ${options.minutes} virtual minutes, ${failing.length} failing`);
  for (const result of failing)
    console.log(
      `${replayCommand(result.seed, result.minutes)}   # ${[...new Set(result.violations.map((v) => v.invariant))].join(', ')}`,
    );
  process.exitCode = failing.length > 0 ? 1 : 0;
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 2;
});
