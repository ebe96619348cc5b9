/**
 * ECS's wire protocol over node:http: POST with `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Action>`
 * and a JSON 1.1 body; errors as `{"__type", "message"}` with the status ECS uses, which the SDK maps to its
 * typed exceptions. Local-only paths outside the ECS API: POST /__local/spot-interruption,
 * POST /__local/spot-capacity {"available": false|true} (FARGATE_SPOT launches fail for capacity while off),
 * POST /__local/advance-clock, which moves a virtual clock (for another process on the same timeline), and
 * POST /__local/load, the demand on a task family that the local CloudWatch endpoint turns into metrics.
 */
import { createServer, type ServerResponse } from 'node:http';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../../lib/queue/sqs-client';
import { listenOn, readRequestBody } from '../http-server';
import {
  createLocalEcs,
  type EventSink,
  type LocalEcs,
  type LocalEcsOptions,
  type TaskStateChangeEvent,
} from './engine';
import { EcsServiceError } from './errors';
import { readLoadRequest } from './load';

const targetPrefix = 'AmazonEC2ContainerServiceV20141113.';
const maxBodyBytes = 10 * 1024 * 1024;

export interface LocalEcsServerOptions extends LocalEcsOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Use this endpoint instead of creating one from the options. */
  ecs?: LocalEcs;
  /** Sends every task state change event to this SQS queue, as an EventBridge rule with an SQS target. */
  eventsQueueUrl?: string;
  /** The client used for eventsQueueUrl (default: a new SQSClient, which honours AWS_ENDPOINT_URL_SQS). */
  sqsClient?: SQSClient;
  /**
   * Fault injection (0..1, default 0): this fraction of ECS API calls answers HTTP 500 ServerException;
   * half of those are applied first, as a call that timed out after it succeeded.
   */
  faultRate?: number;
}

export interface LocalEcsServer {
  url: string;
  port: number;
  ecs: LocalEcs;
  /** Resolves when every event handed to the SQS queue so far has been sent. */
  drainEvents(): Promise<void>;
  close(): Promise<void>;
}

/** SendMessageBatch's limits: 10 entries, and 256 KiB of bodies in all. */
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;

/**
 * Sends events in the order given, as many at a time as one SendMessageBatch takes: while one batch is
 * in flight the next events gather, so a burst of state changes costs one round trip per ten events,
 * not one each (EventBridge delivers to its targets in parallel; a queue of single sends would make
 * each event wait for every one before it). A failed entry is retried a few times before the events
 * after it are sent, then reported.
 */
export const createSqsEventSink = (
  queueUrl: string,
  client: SQSClient,
): { sink: EventSink; drain: () => Promise<void> } => {
  const pending: TaskStateChangeEvent[] = [];
  let sending: Promise<void> | undefined;
  const takeBatch = (): Array<{ event: TaskStateChangeEvent; body: string }> => {
    const batch: Array<{ event: TaskStateChangeEvent; body: string }> = [];
    let bytes = 0;
    while (pending.length > 0 && batch.length < MAX_BATCH_ENTRIES) {
      const body = JSON.stringify(pending[0]);
      if (batch.length > 0 && bytes + Buffer.byteLength(body) > MAX_BATCH_BYTES) break;
      bytes += Buffer.byteLength(body);
      batch.push({ event: pending.shift()!, body });
    }
    return batch;
  };
  const sendBatch = async (batch: Array<{ event: TaskStateChangeEvent; body: string }>) => {
    let unsent = batch;
    for (let attempt = 1; unsent.length > 0; attempt++) {
      let failedIds: Set<string>;
      try {
        const { Failed = [] } = await client.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: unsent.map((entry, index) => ({ Id: String(index), MessageBody: entry.body })),
          }),
        );
        failedIds = new Set(Failed.map((failure) => failure.Id ?? ''));
      } catch {
        failedIds = new Set(unsent.map((_, index) => String(index)));
      }
      unsent = unsent.filter((_, index) => failedIds.has(String(index)));
      if (unsent.length === 0) return;
      if (attempt >= 5) {
        for (const { event } of unsent)
          console.error(`local ECS: could not send event ${event.id} to ${queueUrl}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  };
  const sendAll = async () => {
    while (pending.length > 0) await sendBatch(takeBatch());
    sending = undefined;
  };
  return {
    sink: (event) => {
      pending.push(event);
      // After the current call's other events have joined the batch.
      sending ??= Promise.resolve().then(sendAll);
    },
    drain: async () => {
      while (sending) await sending;
    },
  };
};

const send = (
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': crypto.randomUUID(),
    ...headers,
  });
  response.end(text);
};

const sendError = (response: ServerResponse, error: EcsServiceError) =>
  send(
    response,
    error.statusCode,
    { __type: error.type, message: error.message, ...error.extra },
    {
      'x-amzn-errortype': error.type,
    },
  );

const parseJson = (text: string): Record<string, unknown> => {
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new EcsServiceError('SerializationException', 'Start of structure or map found where not expected.');
};

export const startLocalEcsServer = async (options: LocalEcsServerOptions = {}): Promise<LocalEcsServer> => {
  let drain: () => Promise<void> = async () => {};
  let ownedSqsClient: SQSClient | undefined;
  let ecs = options.ecs;
  if (!ecs) {
    let eventSink = options.eventSink;
    if (options.eventsQueueUrl) {
      const client = options.sqsClient ?? createSqsClient();
      if (!options.sqsClient) ownedSqsClient = client;
      const sqs = createSqsEventSink(options.eventsQueueUrl, client);
      const inner = eventSink;
      eventSink = (event) => {
        sqs.sink(event);
        return inner?.(event);
      };
      drain = sqs.drain;
    }
    ecs = createLocalEcs({ ...options, eventSink });
  }
  const endpoint = ecs;
  const faultRate = options.faultRate ?? 0;
  if (!(faultRate >= 0 && faultRate <= 1)) throw new Error(`faultRate must be within 0..1, not ${faultRate}`);
  const random = options.random ?? Math.random;
  const injectedFault = () =>
    new EcsServiceError('ServerException', 'Injected fault (TUGBOAT_LOCAL_ECS_FAULT_RATE).', 500);

  const server = createServer(async (request, response) => {
    try {
      const body = (
        await readRequestBody(
          request,
          maxBodyBytes,
          () => new EcsServiceError('SerializationException', 'Request body too large.', 413),
        )
      ).toString('utf8');
      if (request.method === 'POST' && request.url === '/__local/spot-interruption') {
        const input = parseJson(body);
        const tasks = Array.isArray(input.tasks) ? input.tasks.map(String) : [];
        const cluster = typeof input.cluster === 'string' ? input.cluster : undefined;
        send(response, 200, endpoint.interruptSpotTasks({ cluster, tasks }));
        return;
      }
      if (request.method === 'POST' && request.url === '/__local/spot-capacity') {
        const { available, tasks } = parseJson(body);
        if (typeof available !== 'boolean') {
          throw new EcsServiceError('InvalidParameterException', 'available must be true or false', 400);
        }
        if (tasks !== undefined && !(available && Number.isInteger(tasks) && Number(tasks) >= 0)) {
          throw new EcsServiceError(
            'InvalidParameterException',
            'tasks must be a whole number >= 0, given with available true',
            400,
          );
        }
        send(response, 200, endpoint.setSpotCapacity(available, tasks as number | undefined));
        return;
      }
      if (request.method === 'POST' && request.url === '/__local/advance-clock') {
        const ms = Number(parseJson(body).ms);
        if (!Number.isFinite(ms) || ms < 0) {
          throw new EcsServiceError(
            'InvalidParameterException',
            'ms must be a number of milliseconds >= 0',
            400,
          );
        }
        try {
          endpoint.advance(ms);
        } catch (error) {
          throw new EcsServiceError('InvalidParameterException', (error as Error).message, 400);
        }
        send(response, 200, { now: endpoint.now() });
        return;
      }
      if (request.method === 'POST' && request.url === '/__local/load') {
        send(response, 200, readLoadRequest(parseJson(body), endpoint));
        return;
      }
      const target = request.headers['x-amz-target'];
      if (request.method !== 'POST' || typeof target !== 'string' || !target.startsWith(targetPrefix)) {
        throw new EcsServiceError(
          'UnknownOperationException',
          `expected a POST with an X-Amz-Target header of ${targetPrefix}<Operation>`,
          400,
        );
      }
      const action = target.slice(targetPrefix.length);
      const input = parseJson(body);
      const fault = faultRate > 0 && random() < faultRate;
      if (fault && random() < 0.5) throw injectedFault();
      const output = endpoint.handle(action, input);
      if (fault) throw injectedFault();
      send(response, 200, output);
    } catch (error) {
      if (error instanceof EcsServiceError) {
        sendError(response, error);
        return;
      }
      console.error('local ECS: internal error', error);
      sendError(response, new EcsServiceError('ServerException', 'Internal server error.', 500));
    }
  });
  const listening = await listenOn(server, options.port ?? 4100, options.host ?? '127.0.0.1');

  return {
    url: listening.url,
    port: listening.port,
    ecs: endpoint,
    drainEvents: () => drain(),
    async close() {
      endpoint.close();
      await drain();
      await listening.closeServer();
      ownedSqsClient?.destroy();
    },
  };
};
