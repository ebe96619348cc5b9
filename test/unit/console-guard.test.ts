import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { consoleGuard } from '../../console/guard';

const PORT = 8080;
const request = (headers: Record<string, string>, localPort = PORT) =>
  ({ headers, socket: { localPort } }) as unknown as IncomingMessage;

/** A page load: the cookie the guard sets and the token the page carries. */
const pageLoad = (guard: ReturnType<typeof consoleGuard>, host = `127.0.0.1:${PORT}`) => {
  let cookie = '';
  const response = {
    setHeader: (_: string, value: string) => {
      cookie = value.split(';')[0]!;
    },
  } as unknown as ServerResponse;
  const token = guard.session(request({ host }), response);
  return { cookie, token };
};

describe('the console guard (console/guard.ts)', () => {
  it('answers the loopback names on the port it listens on, the interface it listens on, and named hosts', () => {
    const guard = consoleGuard({
      listenHost: '::1',
      allowedHosts: ['console.example.com', 'proxy.internal:8443'],
    });
    for (const host of [
      `127.0.0.1:${PORT}`,
      `LOCALHOST:${PORT}`,
      `[::1]:${PORT}`,
      'console.example.com',
      'console.example.com:9',
      'proxy.internal:8443',
    ]) {
      expect(guard.hostRefusal(request({ host })), host).toBeUndefined();
    }
    for (const host of [
      `127.0.0.1:${PORT + 1}`,
      '127.0.0.1',
      'proxy.internal',
      'proxy.internal:80',
      `evil.example:${PORT}`,
      `127.0.0.1.evil.example:${PORT}`,
      `localhost:${PORT}@evil`,
    ]) {
      expect(guard.hostRefusal(request({ host })), host).toMatchObject({
        status: 403,
        code: 'ForbiddenHost',
      });
    }
    expect(guard.hostRefusal(request({}))).toMatchObject({ status: 403 });
    // A wildcard interface is not a name anyone may use.
    expect(
      consoleGuard({ listenHost: '0.0.0.0' }).hostRefusal(request({ host: `0.0.0.0:${PORT}` })),
    ).toBeDefined();
  });

  it('keeps sessions per console: a token is worth nothing to another process or another port', () => {
    const guard = consoleGuard();
    const { cookie, token } = pageLoad(guard);
    expect(cookie).toMatch(new RegExp(`^tugboat_console_${PORT}=[A-Za-z0-9_-]{43}$`));
    const write = (headers: Record<string, string>) =>
      request({ host: `127.0.0.1:${PORT}`, origin: `http://127.0.0.1:${PORT}`, ...headers });
    expect(guard.writeRefusal(write({ cookie }), token)).toBeUndefined();
    // Sec-Fetch-Site: same-origin stands for an Origin a browser left out.
    expect(
      guard.writeRefusal(
        request({ host: `127.0.0.1:${PORT}`, 'sec-fetch-site': 'same-origin', cookie }),
        token,
      ),
    ).toBeUndefined();
    // The same cookie and token at a console restarted since (a new key), and a cookie planted for it.
    expect(consoleGuard().writeRefusal(write({ cookie }), token)).toMatchObject({ code: 'InvalidCsrfToken' });
    const planted = `tugboat_console_${PORT}=${'x'.repeat(43)}`;
    expect(guard.writeRefusal(write({ cookie: planted }), token)).toMatchObject({ code: 'InvalidCsrfToken' });
    // The other console on this host has its own cookie name.
    expect(pageLoad(guard, '127.0.0.1:3000').cookie).toMatch(/^tugboat_console_3000=/);
    expect(guard.writeRefusal(write({ cookie, 'sec-fetch-site': 'same-site' }), token)).toMatchObject({
      code: 'CrossOriginRequest',
    });
  });
});
