import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rollbackReference } from '../../cli/commands/rollback';
import { bar } from '../../cli/render';
import { EXIT_INTERRUPTED, watchDeployment } from '../../cli/watch';
import { apiClient } from '../../client/client';
import { startLocalEcsServer } from '../../local/ecs';
import { tugboat } from '../support/cli';

/** An API stand-in that records every request and answers from a table (404 for anything else). */
let server: Server;
let endpoint: string;
const requests: { method: string; url: string }[] = [];
const answers = new Map<string, unknown>();

const service = {
  serviceName: 'web',
  cluster: 'default',
  status: 'ACTIVE',
  taskDefinition: 'web:3',
  desiredCount: 2,
  runningCount: 2,
  pendingCount: 0,
  deployments: [
    {
      id: 'ecs-svc-3',
      status: 'PRIMARY',
      taskDefinition: 'web:3',
      desiredCount: 2,
      runningCount: 1,
      pendingCount: 1,
      failedTasks: 0,
      rolloutState: 'IN_PROGRESS',
      createdAt: '2026-12-06T10:00:00.000Z',
    },
  ],
  events: [],
};
const events = [
  { id: 'e3', createdAt: '2026-12-06T10:00:03.000Z', message: 'third' },
  { id: 'e2', createdAt: '2026-12-06T10:00:02.000Z', message: 'second' },
  { id: 'e1', createdAt: '2026-12-06T10:00:01.000Z', message: 'first' },
];

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push({ method: request.method ?? '', url: request.url ?? '' });
    const answer = answers.get(`${request.method} ${request.url}`);
    response.writeHead(answer === undefined ? 404 : 200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(answer ?? { error: { code: 'NotFound', message: 'not here' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  answers.set('GET /clusters/default/services/web', service);
  answers.set('GET /clusters/default/services/web/events?maxResults=100', { items: events });
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  requests.length = 0;
});

const cli = (...args: string[]) => tugboat(endpoint, args);
const writes = () => requests.filter((r) => r.method !== 'GET');

describe('the CLI checks every option before it changes anything', { timeout: 180_000 }, () => {
  it('a bad --timeout exits 3 before deploy, rollback or run sends anything', async () => {
    for (const args of [
      ['deploy', 'web', '--image', 'nginx:1.28', '--wait', '--timeout', 'soon'],
      ['rollback', 'web', '--wait', '--timeout', 'soon'],
      ['run', 'job', '--wait', '--timeout', 'soon'],
    ]) {
      const result = await cli(...args);
      expect(result.code, args.join(' ')).toBe(3);
      expect(result.stderr).toMatch(/--timeout.*soon.*not a duration/);
    }
    expect(requests).toEqual([]);
  });

  it('--imgae suggests --image, as --wiat suggests --wait', async () => {
    const typo = await cli('deploy', 'web', '--imgae', 'nginx:1.28');
    expect(typo.code).toBe(3);
    expect(typo.stderr).toContain('Did you mean --image?');
    const missing = await cli('deploy', 'web');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("required option '--image <image>' not specified");
    expect(requests).toEqual([]);
  });

  it('--version prints the version', async () => {
    const result = await cli('--version');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('scale web -1 says the count must be 0 or more, and changes nothing', async () => {
    const result = await cli('scale', 'web', '-1');
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('the count must be 0 or more');
    expect(requests).toEqual([]);
  });

  it('rollback --to another family exits 3 without posting the rollback', async () => {
    const result = await cli('rollback', 'web', '--to', 'hello:1');
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/own family web/);
    expect(writes()).toEqual([]);
  });

  it('events lists in the same order in text and JSON, oldest first', async () => {
    const text = await cli('events', 'web');
    const json = await cli('events', 'web', '--output', 'json');
    const textOrder = text.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(' ').pop());
    const jsonOrder = (JSON.parse(json.stdout) as { message: string }[]).map((e) => e.message);
    expect(textOrder).toEqual(['first', 'second', 'third']);
    expect(jsonOrder).toEqual(textOrder);
  });
});

describe('a wrong endpoint says what is wrong', { timeout: 180_000 }, () => {
  it('an address without http:// is a usage error naming the scheme', async () => {
    const result = await tugboat('127.0.0.1:3000', ['status']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('TUGBOAT_ENDPOINT "127.0.0.1:3000" is not an http:// or https:// URL');
    expect(result.stderr).not.toContain('Invalid URL');
  });

  it("the local ECS endpoint's address is named as not the API's", async () => {
    const ecs = await startLocalEcsServer({ port: 0, throttle: 'off' });
    try {
      const result = await tugboat(ecs.url, ['status']);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(
        /did not answer as the Tugboat API .*UnknownOperationException.*"HTTP API"/,
      );
    } finally {
      await ecs.close();
    }
  });
});

describe('rollback --to', () => {
  it("takes a bare number as the service's family revision and refuses another family", () => {
    expect(rollbackReference('web:3', '1')).toBe('web:1');
    expect(rollbackReference('web:3', 'web:2')).toBe('web:2');
    expect(() => rollbackReference('web:3', 'hello:1')).toThrow(/own family web/);
    expect(() => rollbackReference('web:3', 'web:x')).toThrow(/--to must be/);
  });
});

describe('the progress bar', () => {
  it('is not drawn full for 0/0', () => {
    expect(bar(0, 0, 10)).toBe(`[${'-'.repeat(10)}] 0/0`);
    expect(bar(2, 2, 10)).toBe(`[${'#'.repeat(10)}] 2/2`);
  });
});

/** What the CLI writes to its out stream and to stderr, caught; `restore` gives stderr back. */
const catchOutput = () => {
  const written: string[] = [];
  const out = {
    write: (text: string) => written.push(text) > 0,
    isTTY: false,
  } as unknown as NodeJS.WriteStream;
  const stderr = process.stderr.write;
  process.stderr.write = ((text: string) => written.push(text) > 0) as typeof process.stderr.write;
  const restore = () => {
    process.stderr.write = stderr;
  };
  return { written, out, restore };
};

describe('Ctrl+C during --wait', () => {
  it('stops watching with 130, saying the deployment goes on and how to follow it again', async () => {
    const signals = new EventEmitter();
    const { written, out, restore } = catchOutput();
    try {
      const watching = watchDeployment(apiClient(endpoint), {
        cluster: 'default',
        serviceName: 'web',
        deploymentId: 'ecs-svc-3',
        timeoutMs: 30_000,
        pollMs: 50,
        out,
        signals,
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      signals.emit('SIGINT');
      expect(await watching).toBe(EXIT_INTERRUPTED);
    } finally {
      restore();
    }
    const text = written.join('');
    expect(text).toContain('deployment ecs-svc-3 goes on');
    expect(text).toContain('tugboat watch web ecs-svc-3');
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });
});

describe('--wait on a traffic shift with analysis', () => {
  it('prints each judged interval once with its bounds, and exits 1 when analysis rolls it back', async () => {
    const interval = (minute: number, verdict: string, errorRatePercent: number, reason: string) => ({
      start: `2026-12-06T10:0${minute - 1}:00.000Z`,
      end: `2026-12-06T10:0${minute}:00.000Z`,
      requests: 212,
      errorRatePercent,
      p99LatencyMs: 80,
      verdict,
      reason,
    });
    const passed = interval(2, 'PASS', 0, 'within bounds');
    const failed = interval(3, 'FAIL', 4.72, '5xx rate 4.72% above 1%');
    const shift = {
      strategy: 'CANARY',
      stage: 'PRODUCTION_TRAFFIC_SHIFT',
      productionPercent: 10,
      routes: [],
    };
    const canary = {
      ...service,
      serviceName: 'canary',
      deploymentConfiguration: { analysis: { maxErrorRatePercent: 1 } },
      deployments: [{ ...service.deployments[0], trafficShift: shift, analysis: { intervals: [passed] } }],
      events: [
        {
          id: 'a1',
          createdAt: '2026-12-06T10:02:01.000Z',
          message:
            'service canary deployment ecs-svc-3 analysis 2026-12-06T10:01:00.000Z..2026-12-06T10:02:00.000Z: PASS, 212 requests (within bounds).',
        },
      ],
    };
    const path = 'GET /clusters/default/services/canary';
    answers.set(path, canary);
    const rolledBack = {
      ...canary,
      deployments: [
        { ...service.deployments[0], id: 'ecs-svc-4', taskDefinition: 'web:2', rollbackOf: 'ecs-svc-3' },
        {
          ...canary.deployments[0],
          status: 'INACTIVE',
          rolloutState: 'FAILED',
          rolloutStateReason:
            'analysis failed 1 interval in a row (failureLimit 1): 212 requests, 5xx rate 4.72% above 1%.',
          trafficShift: { ...shift, stage: 'ROLLBACK', productionPercent: 0 },
          analysis: { intervals: [passed, failed] },
        },
      ],
    };
    const { written, out, restore } = catchOutput();
    try {
      const watching = watchDeployment(apiClient(endpoint), {
        cluster: 'default',
        serviceName: 'canary',
        deploymentId: 'ecs-svc-3',
        timeoutMs: 30_000,
        pollMs: 50,
        out,
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      answers.set(path, rolledBack);
      expect(await watching).toBe(1);
    } finally {
      restore();
      answers.delete(path);
    }
    const text = written.join('');
    const count = (needle: string) => text.split(needle).length - 1;
    expect(count('analysis 10:01:00..10:02:00 PASS  212 requests  5xx 0% (max 1%)  p99 80 ms')).toBe(1);
    expect(
      count(
        'analysis 10:02:00..10:03:00 FAIL  212 requests  5xx 4.72% (max 1%)  p99 80 ms  5xx rate 4.72% above 1%',
      ),
    ).toBe(1);
    // The interval's own service event is shown by its line instead.
    expect(text).not.toContain('event service canary deployment ecs-svc-3 analysis');
    expect(text).toContain('CANARY PRODUCTION_TRAFFIC_SHIFT prod 90/10');
    expect(text).toContain('deployment ecs-svc-3 FAILED: analysis failed 1 interval in a row');
    expect(text).toContain('rolling back to web:2 (deployment ecs-svc-4)');
  });
});
