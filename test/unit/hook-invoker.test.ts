/**
 * Calling a lifecycle hook: ECS's answer parsed (anything else is a failed call), a Lambda function
 * invoked with the payload (a function error is a failed call), an http:// target POSTed only where
 * allowed, and the pass's part: only a due call, never past its deadline.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import type { Deployment, HookPayload, Service } from '../../lib/domain';
import { createHookInvoker, parseHookAnswer } from '../../lib/hooks/invoker';
import { callDueHook, dueHook } from '../../lib/reconcile/pass/hooks';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:check';
const payload = { executionId: 'e1', lifecycleStage: 'POST_SCALE_UP' } as HookPayload;

describe('parseHookAnswer', () => {
  it.each<[string, unknown]>([
    ['{"hookStatus":"SUCCEEDED"}', { hookStatus: 'SUCCEEDED' }],
    [
      '{"hookStatus":"IN_PROGRESS","callBackDelay":60,"hookDetails":{"a":1}}',
      { hookStatus: 'IN_PROGRESS', callBackDelay: 60, hookDetails: { a: 1 } },
    ],
    ['{"hookStatus":"IN_PROGRESS","callBackDelay":0.2}', { hookStatus: 'IN_PROGRESS', callBackDelay: 1 }],
    [
      '{"hookStatus":"DONE"}',
      { error: 'hookStatus must be SUCCEEDED, FAILED or IN_PROGRESS: {"hookStatus":"DONE"}' },
    ],
    [
      '{"hookStatus":"FAILED","callBackDelay":"soon"}',
      { error: expect.stringContaining('callBackDelay must be a number') },
    ],
    ['null', { error: 'the answer is not a JSON object: null' }],
    ['ok', { error: 'the answer is not JSON: ok' }],
  ])('%s', (text, answer) => {
    expect(parseHookAnswer(text)).toEqual(answer);
  });
});

describe('createHookInvoker', () => {
  it('invokes the Lambda function with the payload; a function error is a failed call', async () => {
    const lambda = mockClient(LambdaClient);
    lambda
      .on(InvokeCommand)
      .resolvesOnce({ Payload: new TextEncoder().encode('{"hookStatus":"SUCCEEDED"}') as never })
      .resolvesOnce({
        FunctionError: 'Unhandled',
        Payload: new TextEncoder().encode('{"errorMessage":"boom"}') as never,
      });
    const invoke = createHookInvoker({ lambda: () => new LambdaClient({ region: 'us-east-1' }) });
    expect(await invoke(FN, payload, 1000)).toEqual({ hookStatus: 'SUCCEEDED' });
    const sent = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(sent?.FunctionName).toBe(FN);
    expect(JSON.parse(new TextDecoder().decode(sent?.Payload as Uint8Array))).toEqual(payload);
    expect(await invoke(FN, payload, 1000)).toEqual({
      error: 'function error (Unhandled): {"errorMessage":"boom"}',
    });
    lambda.restore();
  });

  it('POSTs to an http:// target only where allowed, and an HTTP error is a failed call', async () => {
    const posted: Array<{ url: string; body: string }> = [];
    const fetchImpl = (async (url: string, init: RequestInit) => {
      posted.push({ url, body: String(init.body) });
      return posted.length === 1
        ? new Response('{"hookStatus":"FAILED"}')
        : new Response('nope', { status: 503 });
    }) as unknown as typeof fetch;
    const url = 'http://127.0.0.1:1/hook';
    expect(
      await createHookInvoker({ lambda: () => new LambdaClient({}), fetchImpl })(url, payload, 1000),
    ).toEqual({
      error: 'http:// hook targets are only called where Tugboat runs locally',
    });
    const invoke = createHookInvoker({ lambda: () => new LambdaClient({}), allowHttp: true, fetchImpl });
    expect(await invoke(url, payload, 1000)).toEqual({ hookStatus: 'FAILED' });
    expect(await invoke(url, payload, 1000)).toEqual({ error: 'HTTP 503: nope' });
    expect(JSON.parse(posted[0]?.body ?? '')).toEqual(payload);
  });
});

describe("the pass's call", () => {
  const T = Date.parse('2026-01-01T00:00:00Z');
  const hook = {
    lifecycleStage: 'POST_SCALE_UP' as const,
    hookIndex: 0,
    hookTargetArn: FN,
    executionId: 'x1',
    status: 'IN_PROGRESS' as const,
    startedAt: new Date(T).toISOString(),
    nextInvokeAt: new Date(T + 30_000).toISOString(),
    invocations: 1,
  };
  const service = {
    status: 'ACTIVE',
    serviceArn: 'arn:aws:ecs:us-east-1:000000000000:service/default/web',
    deployments: [
      {
        id: 'd2',
        status: 'PRIMARY',
        rolloutState: 'IN_PROGRESS',
        trafficShift: {
          strategy: 'CANARY',
          stage: 'SCALE_UP',
          stageStartedAt: new Date(T).toISOString(),
          productionPercent: 0,
          routes: [],
          bakeTimeInMinutes: 0,
          lifecycleHooks: [{ hookTargetArn: FN, lifecycleStages: ['POST_SCALE_UP'], hookDetails: { k: 1 } }],
          hook,
        },
      } as unknown as Deployment,
      { id: 'd1', status: 'ACTIVE', rolloutState: 'COMPLETED' } as unknown as Deployment,
    ],
  } as unknown as Service;

  it('calls only once the call is due, with the time left before the deadline', async () => {
    expect(dueHook(service, T + 29_999)).toBeUndefined();
    const timeouts: number[] = [];
    const sent: HookPayload[] = [];
    const context = (now: number) => ({
      deps: {
        now: () => now,
        invokeHook: async (_target: string, body: HookPayload, timeoutMs: number) => {
          sent.push(body);
          timeouts.push(timeoutMs);
          return { hookStatus: 'SUCCEEDED' as const };
        },
      } as never,
      called: () => undefined,
    });
    const at = T + 30_000;
    expect(await callDueHook(context(at), service, undefined)).toEqual({
      executionId: 'x1',
      at: new Date(at).toISOString(),
      answer: { hookStatus: 'SUCCEEDED' },
    });
    expect(await callDueHook(context(at), service, at + 10_000)).toBeDefined();
    expect(await callDueHook(context(at), service, at + 5_500)).toBeUndefined(); // no room before the deadline
    expect(timeouts).toEqual([20_000, 5_000]);
    expect(sent[0]).toMatchObject({
      executionId: 'x1',
      lifecycleStage: 'POST_SCALE_UP',
      resourceArn: 'arn:aws:ecs:us-east-1:000000000000:service-deployment/default/web/d2',
      hookDetails: { k: 1 },
      executionDetails: {
        serviceArn: service.serviceArn,
        targetServiceRevisionArn: 'arn:aws:ecs:us-east-1:000000000000:service-revision/default/web/d2',
        productionTrafficWeights: {
          'arn:aws:ecs:us-east-1:000000000000:service-revision/default/web/d1': 100,
          'arn:aws:ecs:us-east-1:000000000000:service-revision/default/web/d2': 0,
        },
        testTrafficWeights: {},
      },
    });
  });

  it("in a rollback, calls the failed deployment's hook with the revision rolled back to as its target", async () => {
    const revision = (id: string) => `arn:aws:ecs:us-east-1:000000000000:service-revision/default/web/${id}`;
    const failed = {
      id: 'd2',
      status: 'ACTIVE',
      rolloutState: 'FAILED',
      trafficShift: {
        strategy: 'CANARY',
        stage: 'ROLLBACK',
        stageStartedAt: new Date(T).toISOString(),
        productionPercent: 0,
        routes: [{ testListenerRule: 'rule/test' }],
        bakeTimeInMinutes: 0,
        lifecycleHooks: [{ hookTargetArn: FN, lifecycleStages: ['PRODUCTION_TRAFFIC_SHIFT'] }],
        hook: { ...hook, lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT', invocations: 0 },
      },
    } as unknown as Deployment;
    const rollingBack = {
      status: 'ACTIVE',
      serviceArn: service.serviceArn,
      deployments: [
        { id: 'd3', status: 'PRIMARY', rolloutState: 'IN_PROGRESS', rollbackOf: 'd2', adoptsTasksOf: 'd1' },
        failed,
        { id: 'd1', status: 'ACTIVE', rolloutState: 'COMPLETED' },
      ],
    } as unknown as Service;
    expect(dueHook(rollingBack, T + 29_999)).toBeUndefined();
    expect(dueHook(rollingBack, T + 30_000)?.deployment.id).toBe('d2');
    const sent: HookPayload[] = [];
    const context = {
      deps: {
        now: () => T + 30_000,
        invokeHook: async (_target: string, body: HookPayload) => {
          sent.push(body);
          return { hookStatus: 'SUCCEEDED' as const };
        },
      } as never,
      called: () => undefined,
    };
    expect(await callDueHook(context, rollingBack, undefined)).toMatchObject({ executionId: 'x1' });
    expect(sent[0]).toMatchObject({
      lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT',
      resourceArn: 'arn:aws:ecs:us-east-1:000000000000:service-deployment/default/web/d2',
      executionDetails: {
        targetServiceRevisionArn: revision('d1'),
        productionTrafficWeights: { [revision('d1')]: 100, [revision('d2')]: 0 },
        testTrafficWeights: { [revision('d1')]: 100, [revision('d2')]: 0 },
      },
    });
    // A stopped PRIMARY's hook is not called; a rollback's still is.
    const stopped = {
      ...rollingBack,
      deployments: [{ ...service.deployments[0], stopRequested: { stopType: 'ROLLBACK' } }],
    } as unknown as Service;
    expect(dueHook(stopped, T + 30_000)).toBeUndefined();
    // Nor any hook of a service being deleted (its plan shuts it down and judges no answer).
    expect(dueHook({ ...rollingBack, status: 'DRAINING' }, T + 30_000)).toBeUndefined();
  });
});
