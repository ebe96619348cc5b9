import { gzipSync } from 'node:zlib';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  MissingRequiredParameterException,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CloudWatchHarness, startCloudWatchHarness, t0 } from './helpers';

let h: CloudWatchHarness;
const minute = 60_000;

beforeEach(async () => {
  h = await startCloudWatchHarness();
});
afterEach(() => h.close());

const metric = { Namespace: 'Shop', MetricName: 'Orders', Dimensions: [{ Name: 'Env', Value: 'prod' }] };
const stat = (Stat: string, Period = 60) => ({ Metric: metric, Period, Stat });

const put = (values: Array<[number, number]>) =>
  h.client.send(
    new PutMetricDataCommand({
      Namespace: 'Shop',
      MetricData: values.map(([at, Value]) => ({
        MetricName: 'Orders',
        Dimensions: [{ Name: 'Env', Value: 'prod' }],
        Timestamp: new Date(at),
        Value,
      })),
    }),
  );

const get = (input: Partial<GetMetricDataCommandInput>) =>
  h.client.send(
    new GetMetricDataCommand({
      MetricDataQueries: [{ Id: 'q', MetricStat: stat('Sum') }],
      StartTime: new Date(t0 - 10 * minute),
      EndTime: new Date(t0 + 10 * minute),
      ...input,
    }),
  );

describe('PutMetricData and GetMetricData', () => {
  it('aggregates pushed values per period with each statistic, newest first by default', async () => {
    await put([
      [t0 - 3 * minute + 1_000, 2],
      [t0 - 3 * minute + 30_000, 6],
      [t0 - 2 * minute, 10],
    ]);
    const output = await get({
      MetricDataQueries: ['Average', 'Sum', 'Maximum', 'Minimum', 'SampleCount'].map((name) => ({
        Id: name.toLowerCase(),
        MetricStat: stat(name),
      })),
    });
    const byId = Object.fromEntries((output.MetricDataResults ?? []).map((result) => [result.Id, result]));
    expect(byId.average?.Timestamps).toEqual([new Date(t0 - 2 * minute), new Date(t0 - 3 * minute)]);
    expect(byId.average?.Values).toEqual([10, 4]);
    expect(byId.sum?.Values).toEqual([10, 8]);
    expect(byId.maximum?.Values).toEqual([10, 6]);
    expect(byId.minimum?.Values).toEqual([10, 2]);
    expect(byId.samplecount?.Values).toEqual([1, 2]);
    expect(byId.sum?.Label).toBe('Orders');
    expect(byId.sum?.StatusCode).toBe('Complete');
    const fiveMinutes = await get({
      MetricDataQueries: [{ Id: 'q', MetricStat: stat('Sum', 300) }],
      ScanBy: 'TimestampAscending',
    });
    expect(fiveMinutes.MetricDataResults?.[0]?.Values).toEqual([18]);
  });

  it('answers percentiles (p50, p99, p100) over Values/Counts by nearest rank, and refuses p101', async () => {
    await h.client.send(
      new PutMetricDataCommand({
        Namespace: 'Shop',
        MetricData: [
          { ...metric, Timestamp: new Date(t0 - 3 * minute), Values: [5, 50, 500], Counts: [90, 9, 1] },
        ],
      }),
    );
    const output = await get({
      MetricDataQueries: ['p50', 'p90', 'p99', 'p99.5', 'p100'].map((name) => ({
        Id: name.replace('.', '_'),
        MetricStat: stat(name),
      })),
    });
    const byId = Object.fromEntries(
      (output.MetricDataResults ?? []).map((result) => [result.Id, result.Values]),
    );
    expect(byId).toEqual({ p50: [5], p90: [5], p99: [50], p99_5: [500], p100: [500] });
    await expect(get({ MetricDataQueries: [{ Id: 'q', MetricStat: stat('p101') }] })).rejects.toBeInstanceOf(
      InvalidParameterValueException,
    );
  });

  it('takes statistic sets and Values/Counts, and dimensions in any order', async () => {
    await h.client.send(
      new PutMetricDataCommand({
        Namespace: 'Shop',
        MetricData: [
          {
            MetricName: 'Latency',
            Dimensions: [
              { Name: 'B', Value: '2' },
              { Name: 'A', Value: '1' },
            ],
            Timestamp: new Date(t0),
            StatisticValues: { SampleCount: 4, Sum: 40, Minimum: 1, Maximum: 20 },
          },
          {
            MetricName: 'Latency',
            Dimensions: [
              { Name: 'A', Value: '1' },
              { Name: 'B', Value: '2' },
            ],
            Timestamp: new Date(t0),
            Values: [5, 30],
            Counts: [2, 1],
          },
        ],
      }),
    );
    const output = await get({
      MetricDataQueries: ['SampleCount', 'Sum', 'Maximum', 'Minimum'].map((name) => ({
        Id: name.toLowerCase(),
        MetricStat: {
          Metric: {
            Namespace: 'Shop',
            MetricName: 'Latency',
            Dimensions: [
              { Name: 'A', Value: '1' },
              { Name: 'B', Value: '2' },
            ],
          },
          Period: 60,
          Stat: name,
        },
      })),
    });
    expect(output.MetricDataResults?.map((result) => result.Values?.[0])).toEqual([7, 80, 30, 1]);
  });

  it('pages by NextToken once MaxDatapoints are in the answer', async () => {
    await put(
      Array.from({ length: 5 }, (_, index) => [t0 - (index + 1) * minute, index] as [number, number]),
    );
    const seen: number[] = [];
    let NextToken: string | undefined;
    let pages = 0;
    do {
      const output = await get({ MaxDatapoints: 2, ScanBy: 'TimestampAscending', NextToken });
      seen.push(...(output.MetricDataResults?.[0]?.Values ?? []));
      NextToken = output.NextToken;
      if (NextToken) expect(output.MetricDataResults?.[0]?.StatusCode).toBe('PartialData');
      pages++;
    } while (NextToken);
    expect(pages).toBe(3);
    expect(seen).toEqual([4, 3, 2, 1, 0]);
    await expect(get({ NextToken: 'not-a-token' })).rejects.toMatchObject({ name: 'InvalidNextToken' });
  });

  it('answers the documented errors', async () => {
    const queries = Array.from({ length: 501 }, (_, index) => ({ Id: `q${index}`, MetricStat: stat('Sum') }));
    const tooMany = await get({ MetricDataQueries: queries }).catch((error: unknown) => error);
    expect(tooMany).toBeInstanceOf(InvalidParameterValueException);
    expect((tooMany as Error).message).toBe(
      'The collection MetricDataQueries must not have a size greater than 500.',
    );
    await expect(get({ MetricDataQueries: queries.slice(0, 500) })).resolves.toBeDefined();

    const cases: Array<[Partial<GetMetricDataCommandInput>, unknown, RegExp]> = [
      [{ MetricDataQueries: [{ Id: 'Q', MetricStat: stat('Sum') }] }, InvalidParameterValueException, /Id/],
      [
        { MetricDataQueries: [{ Id: 'q', MetricStat: stat('Sum', 45) }] },
        InvalidParameterValueException,
        /Period/,
      ],
      [
        { MetricDataQueries: [{ Id: 'q', MetricStat: stat('Median') }] },
        InvalidParameterValueException,
        /Stat/,
      ],
      [
        {
          MetricDataQueries: [
            { Id: 'q', MetricStat: stat('Sum') },
            { Id: 'q', MetricStat: stat('Sum') },
          ],
        },
        InvalidParameterValueException,
        /not unique/,
      ],
      [
        { MetricDataQueries: [{ Id: 'q', MetricStat: stat('Sum'), Expression: 'q*2' }] },
        InvalidParameterCombinationException,
        /mutually exclusive/,
      ],
      [{ MetricDataQueries: [{ Id: 'q' }] }, MissingRequiredParameterException, /MetricStat/],
      [{ StartTime: new Date(t0), EndTime: new Date(t0) }, InvalidParameterValueException, /StartTime/],
    ];
    for (const [input, type, message] of cases) {
      const error = await get(input).catch((caught: unknown) => caught);
      expect(error, JSON.stringify(input)).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(message);
    }

    const putError = (input: object) =>
      h.client
        .send(new PutMetricDataCommand({ Namespace: 'Shop', ...input }))
        .catch((error: unknown) => error);
    expect(
      await putError({ Namespace: 'AWS/ECS', MetricData: [{ MetricName: 'x', Value: 1 }] }),
    ).toBeInstanceOf(InvalidParameterValueException);
    expect(await putError({ MetricData: [{ MetricName: 'x' }] })).toBeInstanceOf(
      MissingRequiredParameterException,
    );
    expect(
      await putError({
        MetricData: [
          { MetricName: 'x', Value: 1, StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } },
        ],
      }),
    ).toBeInstanceOf(InvalidParameterCombinationException);
    expect(
      await putError({
        MetricData: [{ MetricName: 'x', Value: 1, Timestamp: new Date(t0 - 15 * 24 * 3_600_000) }],
      }),
    ).toBeInstanceOf(InvalidParameterValueException);
    expect(
      await putError({ MetricData: Array.from({ length: 1001 }, () => ({ MetricName: 'x', Value: 1 })) }),
    ).toBeInstanceOf(InvalidParameterValueException);
  });

  it('speaks AWS JSON 1.0 with query-compatible error codes, and reads gzip bodies', async () => {
    const response = await fetch(h.server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'GraniteServiceVersion20100801.PutMetricData',
        'content-encoding': 'gzip',
      },
      body: gzipSync(
        JSON.stringify({
          Namespace: 'Shop',
          MetricData: [
            { MetricName: 'Orders', Dimensions: metric.Dimensions, Value: 3, Timestamp: t0 / 1000 },
          ],
        }),
      ),
    });
    expect(response.status).toBe(200);
    expect((await get({})).MetricDataResults?.[0]?.Values).toEqual([3]);
    const bad = await fetch(h.server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'GraniteServiceVersion20100801.GetMetricData',
      },
      body: '{}',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-amzn-query-error')).toBe('MissingParameter;Sender');
    expect(await bad.json()).toMatchObject({
      __type: expect.stringMatching(/MissingRequiredParameterException$/),
    });
    const unknown = await fetch(h.server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'GraniteServiceVersion20100801.DeleteAlarms',
      },
      body: '{}',
    });
    expect(unknown.status).toBe(400);
  });

  it('is reached through AWS_ENDPOINT_URL_CLOUDWATCH, with no endpoint in code', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_CLOUDWATCH: h.server.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
    });
    const client = new CloudWatchClient({});
    try {
      await client.send(
        new PutMetricDataCommand({ Namespace: 'Env', MetricData: [{ MetricName: 'm', Value: 1 }] }),
      );
      const output = await client.send(
        new GetMetricDataCommand({
          MetricDataQueries: [
            {
              Id: 'm',
              MetricStat: { Metric: { Namespace: 'Env', MetricName: 'm' }, Period: 60, Stat: 'Sum' },
            },
          ],
          StartTime: new Date(t0 - minute),
          EndTime: new Date(t0 + minute),
        }),
      );
      expect(output.MetricDataResults?.[0]?.Values).toEqual([1]);
    } finally {
      client.destroy();
      process.env = saved;
    }
  });

  it('throttles GetMetricData at its published rate', async () => {
    const throttled = await startCloudWatchHarness({ throttle: 0.1 }); // 5 a second
    try {
      const client: CloudWatchClient = throttled.client;
      const calls = Array.from({ length: 6 }, () =>
        client
          .send(
            new GetMetricDataCommand({
              MetricDataQueries: [{ Id: 'q', MetricStat: stat('Sum') }],
              StartTime: new Date(t0 - minute),
              EndTime: new Date(t0),
            }),
          )
          .then(
            () => 'ok',
            (error: Error) => error.name,
          ),
      );
      const outcomes = await Promise.all(calls);
      expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(5);
      // The SDK names it by its query-compatible code, which its retry strategy knows as a throttle.
      expect(outcomes).toContain('Throttling');
    } finally {
      await throttled.close();
    }
  });
});

describe('the older awsQuery form', () => {
  it('serves an SDK client set to awsQuery: form-encoded in, XML out, query error codes', async () => {
    const { AwsQueryProtocol } = await import('@aws-sdk/core/protocols');
    const client = new CloudWatchClient({
      endpoint: h.server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
      protocol: AwsQueryProtocol,
    });
    try {
      await client.send(
        new PutMetricDataCommand({
          Namespace: 'Shop',
          MetricData: [
            {
              MetricName: 'Orders',
              Dimensions: metric.Dimensions,
              Timestamp: new Date(t0 - minute),
              Value: 2,
            },
            {
              MetricName: 'Orders',
              Dimensions: metric.Dimensions,
              Timestamp: new Date(t0 - minute),
              Values: [4, 6],
              Counts: [1, 1],
            },
          ],
        }),
      );
      const output = await client.send(
        new GetMetricDataCommand({
          MetricDataQueries: [
            { Id: 'avg', MetricStat: stat('Average'), ReturnData: true },
            { Id: 'hidden', MetricStat: stat('Sum'), ReturnData: false },
          ],
          StartTime: new Date(t0 - 10 * minute),
          EndTime: new Date(t0 + 10 * minute),
        }),
      );
      expect(output.MetricDataResults).toHaveLength(1);
      expect(output.MetricDataResults?.[0]).toMatchObject({
        Id: 'avg',
        Label: 'Orders',
        Timestamps: [new Date(t0 - minute)],
        Values: [4],
        StatusCode: 'Complete',
      });
      const error = await client
        .send(new PutMetricDataCommand({ Namespace: 'AWS/X', MetricData: [{ MetricName: 'm', Value: 1 }] }))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidParameterValueException);
    } finally {
      client.destroy();
    }
  });
});
