import { stripVTControlCharacters } from 'node:util';
import { createColors } from 'picocolors';
import type { Deployment, Service } from '../client/api-types';

/** Colours only for a person at a terminal: off without a TTY or with NO_COLOR set. */
export const useColour = (stream: NodeJS.WriteStream = process.stdout): boolean =>
  Boolean(stream.isTTY) && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '');

export const colours = createColors(useColour());
const c = colours;

/** A fixed-width text table; the first row is the header. */
export const table = (rows: string[][]): string => {
  const visible = (text: string) => stripVTControlCharacters(text).length;
  const widths: number[] = [];
  for (const row of rows)
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, visible(cell));
  return rows
    .map((row, r) =>
      row
        .map((cell, i) => {
          const padded = i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visible(cell));
          return r === 0 ? c.bold(padded) : padded;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};

export const rolloutColour = (state: string | undefined): string => {
  if (state === 'COMPLETED') return c.green(state);
  if (state === 'FAILED') return c.red(state);
  if (state === 'IN_PROGRESS') return c.yellow(state);
  return state ?? '-';
};

/** `[#####-----] 2/4`: running over desired. */
export const bar = (running: number, desired: number, width = 20): string => {
  // Nothing desired is nothing to fill: a scaled-to-zero or drained deployment is not drawn as done work.
  const filled = desired > 0 ? Math.min(width, Math.round((running / desired) * width)) : 0;
  return `[${c.green('#'.repeat(filled))}${c.dim('-'.repeat(width - filled))}] ${running}/${desired}`;
};

export const time = (iso: string | undefined): string =>
  iso ? new Date(iso).toISOString().slice(11, 19) : '--:--:--';

/** A deployment as one line: status, task definition, bar, healthy/failed counts, rollout state. */
export const deploymentLine = (deployment: Deployment): string =>
  [
    deployment.status.padEnd(8),
    deployment.taskDefinition,
    bar(deployment.runningCount, deployment.desiredCount),
    `healthy ${deployment.healthyCount ?? 0}`,
    `pending ${deployment.pendingCount}`,
    deployment.failedTasks > 0
      ? c.red(`failed ${deployment.failedTasks}`)
      : `failed ${deployment.failedTasks}`,
    rolloutColour(deployment.rolloutState),
    ...(deployment.trafficShift ? [shiftWords(deployment.trafficShift)] : []),
  ].join('  ');

/**
 * A traffic shift in words: strategy, stage, the production split old/new, and a hold for approval, for
 * a lifecycle hook or for analysis evidence (its bake over, no interval of the stage passed), e.g.
 * `CANARY PRODUCTION_TRAFFIC_SHIFT prod 90/10 awaiting approval`.
 */
export const shiftWords = (shift: NonNullable<Deployment['trafficShift']>): string => {
  const split = `prod ${Math.round((100 - shift.productionPercent) * 10) / 10}/${shift.productionPercent}`;
  const approval = shift.approval;
  const waiting =
    approval?.pausedAt !== undefined && approval.continuedAt === undefined && approval.stage === shift.stage
      ? `  ${c.yellow('awaiting approval')}`
      : shift.hook !== undefined
        ? `  ${c.yellow(
            shift.stage === 'ROLLBACK'
              ? `calling lifecycle hook at ${shift.hook.lifecycleStage} (the rollback does not wait for it)`
              : `awaiting lifecycle hook at ${shift.hook.lifecycleStage}`,
          )}`
        : '';
  const held =
    shift.analysisHeldAt !== undefined && shift.analysisPassedAt === undefined
      ? `  ${c.yellow('holding for a passing analysis interval')}`
      : '';
  return `${shift.strategy} ${shift.stage} ${split}${waiting}${held}`;
};

type AnalysisInterval = NonNullable<Deployment['analysis']>['intervals'][number];
type AnalysisConfig = Service['deploymentConfiguration']['analysis'];

const verdictColour = (verdict: AnalysisInterval['verdict']): string =>
  verdict === 'PASS' ? c.green(verdict) : verdict === 'FAIL' ? c.red(verdict) : c.yellow(verdict);

/** A bound as the analysis applies it: absolute, or the baseline's figure plus the allowance. */
const bound = (
  limit: number | undefined,
  compared: boolean,
  baseline: number | undefined,
  unit: string,
): string => {
  if (limit === undefined) return '';
  if (!compared) return ` (max ${limit}${unit})`;
  const base = baseline === undefined ? '' : ` ${baseline}${unit}`;
  return ` (max baseline${base} + ${limit}${unit})`;
};

/**
 * One judged analysis interval as a line: its window, verdict, requests, 5xx rate and p99 with their
 * bounds (read from the service's analysis settings), and the reason when it did not pass, e.g.
 * `analysis 00:01:00..00:02:00 FAIL  212 requests  5xx 4.72% (max 1%)  p99 80 ms (max 500 ms)  5xx rate 4.72% above 1%`.
 */
export const analysisLine = (interval: AnalysisInterval, config?: AnalysisConfig): string => {
  const compared = config?.compareToBaseline === true;
  const rate =
    interval.errorRatePercent === undefined
      ? '5xx -'
      : `5xx ${interval.errorRatePercent}%${bound(config?.maxErrorRatePercent, compared, interval.baselineErrorRatePercent, '%')}`;
  const p99 =
    interval.p99LatencyMs === undefined
      ? 'p99 -'
      : `p99 ${interval.p99LatencyMs} ms${bound(config?.maxP99LatencyMs, compared, interval.baselineP99LatencyMs, ' ms')}`;
  return [
    `analysis ${time(interval.start)}..${time(interval.end)} ${verdictColour(interval.verdict)}`,
    `${interval.requests} requests`,
    rate,
    p99,
    ...(interval.verdict === 'PASS' ? [] : [c.dim(interval.reason)]),
  ].join('  ');
};

/** A unified line diff of two texts (LCS), `+`/`-` lines coloured; empty when they are equal. */
export const lineDiff = (before: string, after: string): string => {
  const a = before === '' ? [] : before.split('\n');
  const b = after === '' ? [] : after.split('\n');
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let changed = false;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (i < a.length && (j >= b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      out.push(c.red(`- ${a[i]}`));
      changed = true;
      i++;
    } else {
      out.push(c.green(`+ ${b[j]}`));
      changed = true;
      j++;
    }
  }
  return changed ? out.join('\n') : '';
};

export const printJson = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
