import { describe, expect, it } from 'vitest';
import { errorToResponse } from '../../lib/api/error-mapper';
import { answeredValue, jsonResponse } from '../../lib/api/http';
import { createRouter } from '../../lib/api/router';
import { ConflictError, DependencyError, NotFoundError, ValidationError } from '../../lib/errors';
import { httpApiEvent } from '../support/api';

describe('HTTP error mapper', () => {
  it('shows the message of errors under 500', () => {
    const response = errorToResponse(
      new ValidationError('desiredCount: must be an integer', { issues: [] }),
      'req-1',
    );
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body!)).toEqual({
      error: {
        code: 'ValidationError',
        message: 'desiredCount: must be an integer',
        details: { issues: [] },
      },
    });
    expect(errorToResponse(new ConflictError('exists'), 'r').statusCode).toBe(409);
    expect(errorToResponse(new NotFoundError('gone'), 'r').statusCode).toBe(404);
  });

  it('hides unknown errors behind a generic 500 with the request id and no stack', () => {
    const secret = new Error('connection string postgres://user:pw@host');
    const response = errorToResponse(secret, 'req-42');
    expect(response.statusCode).toBe(500);
    const body = JSON.parse(response.body!);
    expect(body.error.code).toBe('InternalError');
    expect(body.error.message).toContain('req-42');
    expect(body.error.details).toEqual({ requestId: 'req-42' });
    expect(response.body).not.toContain('postgres');
    expect(response.body).not.toContain('at ');
  });

  it('hides the detail of dependency failures too', () => {
    const response = errorToResponse(
      new DependencyError('DynamoDB write failed', new Error('internal detail')),
      'req-9',
    );
    expect(response.statusCode).toBe(503);
    expect(response.body).not.toContain('internal detail');
    expect(response.body).toContain('req-9');
  });
});

describe('router', () => {
  const route = createRouter([
    { method: 'GET', path: '/things/{id}', handler: async (request) => jsonResponse(200, request.params) },
    { method: 'POST', path: '/things/{id}', handler: async (request) => jsonResponse(201, request.json()) },
  ]);

  it('matches parameters as they were sent', async () => {
    const response = await route(httpApiEvent('GET', '/things/a-b_1'), 'r');
    expect(JSON.parse(response.body!)).toEqual({ id: 'a-b_1' });
  });

  // IAM route policies match the raw path: `pr%6fd` must not reach a route as `prod`.
  it('refuses any percent-encoded path segment with a 400 naming it', async () => {
    for (const path of ['/things/pr%6fd', '/things/a%20b', '/th%69ngs/a', '/things/%2e%2e', '/things/100%']) {
      const refused = route(httpApiEvent('GET', path), 'r');
      await expect(refused, path).rejects.toMatchObject({ statusCode: 400 });
      await expect(refused, path).rejects.toThrow(/is percent-encoded/);
    }
  });

  it('404s unknown paths and 405s wrong methods', async () => {
    await expect(route(httpApiEvent('GET', '/other'), 'r')).rejects.toMatchObject({ statusCode: 404 });
    await expect(route(httpApiEvent('GET', '/things/a/b'), 'r')).rejects.toMatchObject({ statusCode: 404 });
    await expect(route(httpApiEvent('DELETE', '/things/a'), 'r')).rejects.toMatchObject({
      statusCode: 405,
      allow: ['GET', 'POST'],
    });
  });

  it('rejects a malformed percent-encoding with 400', async () => {
    await expect(route(httpApiEvent('GET', '/things/%E0%A4%A'), 'r')).rejects.toMatchObject({
      statusCode: 400,
    });
  });

  it('parses the body only for routes that read it', async () => {
    const response = await route(httpApiEvent('POST', '/things/a', { body: '{"x":1}' }), 'r');
    expect(JSON.parse(response.body!)).toEqual({ x: 1 });
    await expect(route(httpApiEvent('POST', '/things/a', { body: '{' }), 'r')).rejects.toMatchObject({
      statusCode: 400,
    });
  });
});

describe('answeredValue', () => {
  it('is the value a JSON answer was made from, without parsing its body back', () => {
    const value = { name: 'web', when: new Date(0) };
    const response = jsonResponse(200, value);
    expect(answeredValue(response)).toBe(value);
  });

  it('parses the body of an answer made otherwise', () => {
    const response = { ...jsonResponse(200, { a: 1 }), headers: { etag: '"1"' } };
    expect(answeredValue(response)).toEqual({ a: 1 });
  });
});
