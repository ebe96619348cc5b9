/**
 * The conformance suite one local endpoint runs: for every operation the endpoint lists, a valid request
 * (a fixture, or the model's minimal request) answers with its output shape and nothing the model lacks,
 * and every request that breaks one rule of the input shape gets the service's validation error naming
 * the member.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceModel, type ServiceName, serviceModel } from '../../local/models/model';
import type { Wire } from '../../local/models/validate';
import {
  type BrokenRequest,
  brokenRequests,
  type Json,
  jsonProblems,
  minimalValue,
  xmlProblems,
} from './shapes';
import { parseXml, toQuery, type XmlNode } from './wire';

export interface Answer {
  status: number;
  /** The error's code as clients report it (ClientException, ValidationError, MissingParameter). */
  code?: string;
  message?: string;
  /** Where a successful answer departs from the operation's output shape. */
  problems: string[];
  /** The answer's body: parsed JSON, or the XML element tree. */
  json?: Json;
  xml?: XmlNode;
}

export type Call = (operation: string, input: Json) => Promise<Answer>;

const jsonAnswer = async (
  model: ServiceModel,
  operation: string,
  response: Response,
  code: (response: Response, body: Json) => string | undefined,
): Promise<Answer> => {
  const text = await response.text();
  const body = (text.trim() === '' ? {} : JSON.parse(text)) as Json;
  if (response.status !== 200)
    return {
      status: response.status,
      code: code(response, body),
      message: String(body.message),
      problems: [],
    };
  const shape = model.operations[operation]?.output?.shape;
  const problems = shape
    ? jsonProblems(model, shape, body)
    : Object.keys(body).length > 0
      ? [`$: members in an answer the model gives no output`]
      : [];
  return { status: 200, problems, json: body };
};

/** AWS JSON 1.0 / 1.1: POST / with X-Amz-Target; error code from `__type` (or the query-compatible header). */
export const jsonCaller =
  (service: ServiceName, url: string, version: '1.0' | '1.1', queryCompatible = false): Call =>
  async (operation, input) => {
    const model = serviceModel(service);
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': `application/x-amz-json-${version}`,
        'x-amz-target': `${model.metadata.targetPrefix}.${operation}`,
      },
      body: JSON.stringify(input),
    });
    return jsonAnswer(model, operation, response, (answer, body) => {
      const header = answer.headers.get('x-amzn-query-error');
      if (queryCompatible && header) return header.split(';')[0];
      return String(body.__type ?? answer.headers.get('x-amzn-errortype') ?? '').replace(/^.*#/, '');
    });
  };

/** The AWS query protocol: a form POST, an XML answer (`<OpResponse><OpResult>`) or `<ErrorResponse>`. */
export const queryCaller =
  (service: ServiceName, url: string): Call =>
  async (operation, input) => {
    const model = serviceModel(service);
    const form = toQuery(input);
    form.set('Action', operation);
    form.set('Version', model.metadata.apiVersion);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: form.toString(),
    });
    const xml = parseXml(await response.text());
    const document = xml;
    const root = document.children[0];
    if (response.status !== 200) {
      const error = root?.children.find((child) => child.name === 'Error');
      const field = (name: string) => error?.children.find((child) => child.name === name)?.text;
      return { status: response.status, code: field('Code'), message: field('Message'), problems: [] };
    }
    const problems: string[] = [];
    if (root?.name !== `${operation}Response`)
      return { status: 200, problems: [`root <${root?.name}>`], xml };
    const output = model.operations[operation]?.output;
    for (const child of root.children) {
      if (child.name === 'ResponseMetadata') continue;
      if (output?.resultWrapper === child.name)
        problems.push(...xmlProblems(model, output.shape, child, `${root.name}/${child.name}`));
      else problems.push(`${root.name}/${child.name}: an element the model does not have`);
    }
    return { status: 200, problems, xml };
  };

export interface ConformanceOptions {
  service: ServiceName;
  wire: Wire;
  /** The operations the endpoint lists as implemented. */
  operations: readonly string[];
  start(): Promise<{ call: Call; close(): Promise<void> }>;
  /** A valid request where the model's minimal one would not do (it names resources that must exist). */
  fixtures: Record<string, (call: Call) => Promise<Json>>;
  /** The error code a broken request gets: for a missing member, and for a broken constraint. */
  validationCode(operation: string, kind: 'required' | 'constraint'): string;
}

export const describeConformance = (options: ConformanceOptions) => {
  const model = serviceModel(options.service);
  let call: Call;
  let close: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ call, close } = await options.start());
  });
  afterAll(() => close());

  it(`lists only operations of the ${options.service} model`, () => {
    expect(options.operations.filter((operation) => !model.operations[operation])).toEqual([]);
  });

  const validInputs = new Map<string, Promise<Json>>();
  const validInput = (operation: string): Promise<Json> => {
    let input = validInputs.get(operation);
    if (!input) {
      const fixture = options.fixtures[operation];
      const shape = model.operations[operation]?.input?.shape;
      input = fixture
        ? fixture(call)
        : Promise.resolve((shape ? minimalValue(model, shape, options.wire) : {}) as Json);
      validInputs.set(operation, input);
    }
    return input;
  };

  const expectation = (operation: string, broken: BrokenRequest, answer: Answer): string | undefined => {
    const code = options.validationCode(operation, broken.kind);
    if (answer.status !== 400 || answer.code !== code)
      return `${broken.label}: ${answer.status} ${answer.code ?? ''} ${answer.message ?? ''}, expected 400 ${code}`;
    if (!(answer.message ?? '').toLowerCase().includes(broken.member.toLowerCase()))
      return `${broken.label}: the message does not name ${broken.member}: ${answer.message}`;
    return undefined;
  };

  describe.each([...options.operations])('%s', (operation) => {
    it('answers a valid request with the output shape and no member the model lacks', async () => {
      const answer = await call(operation, await validInput(operation));
      const hint = options.fixtures[operation]
        ? ''
        : " (the model's minimal request; an operation that needs a resource first needs a fixture)";
      expect(answer.status, `${answer.code}: ${answer.message}${hint}`).toBe(200);
      expect(answer.problems).toEqual([]);
    });

    it('answers each request the model rejects with the validation error naming the member', async () => {
      const requests = brokenRequests(model, operation, await validInput(operation), options.wire);
      const wrong: string[] = [];
      for (const broken of requests) {
        const problem = expectation(operation, broken, await call(operation, broken.input));
        if (problem) wrong.push(problem);
      }
      expect(wrong).toEqual([]);
    });
  });
};
