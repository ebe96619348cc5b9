/**
 * What the console trusts (docs/security.md): a request only under one of its own addresses (DNS rebinding
 * cannot name one), and a write only from its own pages: their Origin, and the CSRF token of the browser's
 * session. The token is the session id signed with a key that lives as long as the process (a signed
 * double-submit cookie), so a cookie planted from another port of the same host is worth nothing.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Why a request is refused: a 403 (or 415 for a body the console does not take) that says so. */
export interface Refusal {
  status: 403 | 415;
  code: string;
  message: string;
}

/** The header and the form field a write carries its CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = '_csrf';

/** Every console answer carries these: nothing inline but style attributes, never framed, no referrer. */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // The progress and phase bars are widths in style attributes; no style element is allowed.
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARD_INTERFACES = ['0.0.0.0', '::', '[::]'];

/** `name[:port]` as a Host header or an operator writes it; the name lowercased. */
const parseHost = (text: string): { name: string; port?: number } | undefined => {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(text.trim());
  if (!match?.[1]) return undefined;
  return { name: match[1].toLowerCase(), ...(match[2] ? { port: Number(match[2]) } : {}) };
};

export interface ConsoleGuardOptions {
  /** The interface the server listens on (`--host`): its address is one of the console's own. */
  listenHost?: string;
  /** Other names the operator serves it under (`--allowed-host`, TUGBOAT_ALLOWED_HOSTS): `name` or `name:port`. */
  allowedHosts?: string[];
}

export type ConsoleGuard = ReturnType<typeof consoleGuard>;

export const consoleGuard = (options: ConsoleGuardOptions = {}) => {
  // An IPv6 interface is written bare (`::1`), but bracketed in a Host header.
  const listenHost =
    options.listenHost?.includes(':') && !options.listenHost.startsWith('[')
      ? `[${options.listenHost}]`
      : options.listenHost;
  const listen = listenHost ? parseHost(listenHost) : undefined;
  const ownNames = [
    ...LOOPBACK_NAMES,
    ...(listen && !WILDCARD_INTERFACES.includes(listen.name) ? [listen.name] : []),
  ];
  const named = (options.allowedHosts ?? []).flatMap((text) => parseHost(text) ?? []);
  const secret = randomBytes(32);

  /** The Host header, if it names this server; the port the request came in on for the loopback names. */
  const hostOf = (request: IncomingMessage): string | undefined => {
    const header = request.headers.host;
    const host = header ? parseHost(header) : undefined;
    if (!header || !host) return undefined;
    const port = host.port ?? 80;
    const own = ownNames.includes(host.name) && port === request.socket.localPort;
    const operators = named.some((name) => name.name === host.name && (name.port ?? port) === port);
    return own || operators ? header.toLowerCase() : undefined;
  };

  /** Cookies are per host, not per port: the port in the name keeps two consoles' sessions apart. */
  const cookieName = (request: IncomingMessage) =>
    `tugboat_console_${parseHost(request.headers.host ?? '')?.port ?? 80}`;

  const sessionOf = (request: IncomingMessage): string | undefined => {
    const name = cookieName(request);
    for (const part of (request.headers.cookie ?? '').split(';')) {
      const [key, value] = part.trim().split('=');
      if (key === name && value && /^[A-Za-z0-9_-]{43}$/.test(value)) return value;
    }
    return undefined;
  };

  const tokenOf = (session: string) => createHmac('sha256', secret).update(session).digest('base64url');

  /** A request under any other Host (a DNS-rebinding page, a mistyped proxy) is refused before anything runs. */
  const hostRefusal = (request: IncomingMessage): Refusal | undefined => {
    if (hostOf(request)) return undefined;
    const port = request.socket.localPort;
    return {
      status: 403,
      code: 'ForbiddenHost',
      message: `Host "${request.headers.host ?? ''}" is not an address of this console, which answers only http://127.0.0.1:${port} and http://localhost:${port}${named.length ? ` and ${named.map((name) => `${name.name}${name.port ? `:${name.port}` : ''}`).join(', ')}` : ''}; name another with --allowed-host (TUGBOAT_ALLOWED_HOSTS for npm start)`,
    };
  };

  /**
   * A browser request sent by a page of another origin: its Origin is not this server's, or
   * Sec-Fetch-Site says so. Requests without either (curl, the SDKs, the CLI) are not browsers' requests.
   */
  const crossOriginRefusal = (request: IncomingMessage): Refusal | undefined => {
    const origin = request.headers.origin;
    const site = request.headers['sec-fetch-site'];
    const host = hostOf(request);
    const sameOrigin =
      origin === undefined
        ? site === undefined || site === 'same-origin' || site === 'none'
        : host !== undefined &&
          (origin.toLowerCase() === `http://${host}` || origin.toLowerCase() === `https://${host}`) &&
          (site === undefined || site === 'same-origin');
    return sameOrigin
      ? undefined
      : {
          status: 403,
          code: 'CrossOriginRequest',
          message: `a page of ${origin ?? `another site (Sec-Fetch-Site: ${site})`} may not send requests here; only this server's own pages may`,
        };
  };

  /** The browser's session, begun (a SameSite=Strict cookie) if it has none; returns its CSRF token. */
  const session = (request: IncomingMessage, response: ServerResponse): string => {
    let id = sessionOf(request);
    if (!id) {
      id = randomBytes(32).toString('base64url');
      response.setHeader('set-cookie', `${cookieName(request)}=${id}; Path=/; HttpOnly; SameSite=Strict`);
    }
    return tokenOf(id);
  };

  /** Why a state-changing request may not go on: not from this console's origin, or without its session's token. */
  const writeRefusal = (request: IncomingMessage, token: string | undefined): Refusal | undefined => {
    const origin = request.headers.origin;
    if (origin === undefined && request.headers['sec-fetch-site'] !== 'same-origin') {
      return {
        status: 403,
        code: 'CrossOriginRequest',
        message:
          "a console write must come from the console's own pages: it needs an Origin header (or Sec-Fetch-Site: same-origin) and the page's CSRF token",
      };
    }
    const crossOrigin = crossOriginRefusal(request);
    if (crossOrigin) return crossOrigin;
    const id = sessionOf(request);
    if (!id) {
      return {
        status: 403,
        code: 'NoConsoleSession',
        message:
          'no console session (its cookie is SameSite=Strict): open a console page and try again from it',
      };
    }
    const expected = Buffer.from(tokenOf(id));
    const presented = Buffer.from(token ?? '');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      return {
        status: 403,
        code: 'InvalidCsrfToken',
        message: `the request ${token ? "carries another session's CSRF token" : 'carries no CSRF token'}: reload the console page (it may have been restarted) and try again`,
      };
    }
    return undefined;
  };

  return { hostRefusal, crossOriginRefusal, session, writeRefusal };
};

/** The media type of a request's body (without parameters), or undefined when it has none. */
export const bodyType = (request: IncomingMessage): string | undefined => {
  const length = request.headers['content-length'];
  const hasBody =
    request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (!hasBody) return undefined;
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
};

/** A body of another type than `expected` (forms and text/plain are what a page of any site can send). */
export const bodyTypeRefusal = (
  request: IncomingMessage,
  expected: string,
  optional: boolean,
): Refusal | undefined => {
  const type = bodyType(request);
  if (type === expected || (type === undefined && optional)) return undefined;
  return {
    status: 415,
    code: 'UnsupportedMediaType',
    message: `the console takes ${expected} here, not ${type === undefined ? 'an empty body' : type || 'a body without a Content-Type'}`,
  };
};
