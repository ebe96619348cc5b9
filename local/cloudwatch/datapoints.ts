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
  stat: Statistic,
): { timestamps: number[]; values: number[] } => {
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
  return { timestamps, values: timestamps.map((at) => statisticOf(buckets.get(at)!, stat)) };
};
