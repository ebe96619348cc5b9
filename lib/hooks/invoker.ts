/**
 * Calls a lifecycle hook: a Lambda function (Invoke, RequestResponse) on an injected LambdaClient, or,
 * where the installation runs locally, an http:// URL POSTed the same payload. Either way the answer is
 * ECS's Lambda response ({ hookStatus, callBackDelay?, hookDetails? }); anything else, a function error,
 * an HTTP error or no answer within the time given is a failed call (ECS: the deployment rolls back).
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { HookAnswer, HookPayload } from '../domain';

export type HookInvoker = (target: string, payload: HookPayload, timeoutMs: number) => Promise<HookAnswer>;

const STATUSES = new Set(['SUCCEEDED', 'FAILED', 'IN_PROGRESS']);
/** A callBackDelay beyond this is taken as this: a day, ECS's default hook timeout anyway. */
const MAX_CALLBACK_DELAY_SECONDS = 86_400;

const brief = (text: string): string => (text.length > 200 ? `${text.slice(0, 200)}...` : text);

/** ECS's response shape, or why the text is not one. */
export const parseHookAnswer = (text: string): HookAnswer => {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { error: `the answer is not JSON: ${brief(text)}` };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return { error: `the answer is not a JSON object: ${brief(text)}` };
  const { hookStatus, callBackDelay, hookDetails } = body as Record<string, unknown>;
  if (typeof hookStatus !== 'string' || !STATUSES.has(hookStatus))
    return { error: `hookStatus must be SUCCEEDED, FAILED or IN_PROGRESS: ${brief(text)}` };
  if (callBackDelay !== undefined && (typeof callBackDelay !== 'number' || !(callBackDelay >= 0)))
    return { error: `callBackDelay must be a number of seconds: ${brief(text)}` };
  return {
    hookStatus: hookStatus as 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS',
    ...(callBackDelay === undefined
      ? {}
      : { callBackDelay: Math.min(Math.ceil(callBackDelay as number), MAX_CALLBACK_DELAY_SECONDS) }),
    ...(hookDetails === undefined ? {} : { hookDetails }),
  };
};

const failure = (error: unknown, timeoutMs: number): HookAnswer => {
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError')
    return { error: `no answer within ${Math.round(timeoutMs / 1000)} s` };
  return { error: brief(error instanceof Error ? `${name ?? 'Error'}: ${error.message}` : String(error)) };
};

export const createHookInvoker = ({
  lambda,
  allowHttp = false,
  fetchImpl = fetch,
}: {
  /** Built on first use. */
  lambda: () => LambdaClient;
  /** Locally only (TUGBOAT_LOCAL_HOOKS=1): http:// targets are POSTed to. */
  allowHttp?: boolean;
  fetchImpl?: typeof fetch;
}): HookInvoker => {
  return async (target, payload, timeoutMs) => {
    const body = JSON.stringify(payload);
    try {
      if (target.startsWith('http://')) {
        if (!allowHttp) return { error: 'http:// hook targets are only called where Tugboat runs locally' };
        const response = await fetchImpl(target, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await response.text();
        if (!response.ok) return { error: `HTTP ${response.status}: ${brief(text)}` };
        return parseHookAnswer(text);
      }
      const answer = await lambda().send(
        new InvokeCommand({ FunctionName: target, Payload: new TextEncoder().encode(body) }),
        { abortSignal: AbortSignal.timeout(timeoutMs) },
      );
      const text = answer.Payload ? new TextDecoder().decode(answer.Payload) : '';
      if (answer.FunctionError) return { error: `function error (${answer.FunctionError}): ${brief(text)}` };
      return parseHookAnswer(text);
    } catch (error) {
      return failure(error, timeoutMs);
    }
  };
};
