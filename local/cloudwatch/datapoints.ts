/** Datapoints as statistic sets, and their aggregation into a query's periods. */

export interface Datapoint {
  /** Epoch ms of the sample (or of the minute it sums up). */
  at: number;
  sampleCount: number;
  sum: number;
  minimum: number;
  maximum: number;
  unit?: string;
}

export const statistics = ['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount'] as const;
export type Statistic = (typeof statistics)[number];

export const isStatistic = (value: string): value is Statistic =>
  (statistics as readonly string[]).includes(value);

/** A percentile statistic (`p99`, `p99.9`, `p50`): GetMetricData's extended statistics. */
export const isPercentile = (value: string) => /^p(100|\d{1,2}(\.\d{1,10})?)$/.test(value);

/**
 * The nearest-rank percentile of the datapoints in one period: a datapoint of one value (Values/Counts, or
 * a single Value) counts as its count of samples of that value; a statistic set, having lost its values,
 * as its count of samples at its average.
 */
const percentileOf = (points: readonly Datapoint[], stat: string): number => {
  const rank = Number(stat.slice(1)) / 100;
  const samples = points
    .map((point) => ({
      value: point.minimum === point.maximum ? point.minimum : point.sum / point.sampleCount,
      count: point.sampleCount,
    }))
    .sort((a, b) => a.value - b.value);
  const total = samples.reduce((sum, sample) => sum + sample.count, 0);
  let seen = 0;
  for (const sample of samples) {
    seen += sample.count;
    if (seen >= rank * total - 1e-9) return sample.value;
  }
  return samples.at(-1)?.value ?? 0;
};

export const single = (at: number, value: number, unit?: string): Datapoint => ({
  at,
  sampleCount: 1,
  sum: value,
  minimum: value,
  maximum: value,
  ...(unit ? { unit } : {}),
});

const statisticOf = (set: Omit<Datapoint, 'at' | 'unit'>, stat: Statistic): number => {
  switch (stat) {
    case 'Average':
      return set.sum / set.sampleCount;
    case 'Sum':
      return set.sum;
    case 'Minimum':
      return set.minimum;
    case 'Maximum':
      return set.maximum;
    case 'SampleCount':
      return set.sampleCount;
  }
};

/**
 * Buckets datapoints into periods aligned on the epoch (as CloudWatch aligns them) within [start, end) and
 * returns one value per period that has data, ascending by time.
 */
export const aggregate = (
  datapoints: Iterable<Datapoint>,
  periodMs: number,
  start: number,
  end: number,
  stat: Statistic | `p${string}`,
): { timestamps: number[]; values: number[] } => {
  if (isPercentile(stat)) {
    const periods = new Map<number, Datapoint[]>();
    const first = Math.floor(start / periodMs) * periodMs;
    for (const point of datapoints) {
      if (point.at < first || point.at >= end) continue;
      const bucket = Math.floor(point.at / periodMs) * periodMs;
      periods.set(bucket, [...(periods.get(bucket) ?? []), point]);
    }
    const timestamps = [...periods.keys()].sort((a, b) => a - b);
    return { timestamps, values: timestamps.map((at) => percentileOf(periods.get(at)!, stat)) };
  }
  const buckets = new Map<number, Omit<Datapoint, 'at' | 'unit'>>();
  const first = Math.floor(start / periodMs) * periodMs;
  for (const point of datapoints) {
    if (point.at < first || point.at >= end) continue;
    const bucket = Math.floor(point.at / periodMs) * periodMs;
    const current = buckets.get(bucket);
    if (!current) {
      buckets.set(bucket, { ...point });
      continue;
    }
    current.sampleCount += point.sampleCount;
    current.sum += point.sum;
    current.minimum = Math.min(current.minimum, point.minimum);
    current.maximum = Math.max(current.maximum, point.maximum);
  }
  const timestamps = [...buckets.keys()].sort((a, b) => a - b);
  return { timestamps, values: timestamps.map((at) => statisticOf(buckets.get(at)!, stat as Statistic)) };
};
