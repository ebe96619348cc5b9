/** What Tugboat's local AWS endpoints share as HTTP servers: a capped body reader, and listen/close. */
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The request body; past `maxBytes` it is refused with `tooLarge()` (each service has its own error). */
export const readRequestBody = (
  request: IncomingMessage,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(tooLarge());
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

export interface ListeningServer {
  /** The URL clients use: the loopback address when the server listens on every interface. */
  url: string;
  port: number;
  /** Ends open keep-alive connections, then closes the server. */
  closeServer(): Promise<void>;
}

/** Listens on host:port (port 0: any free port), keeping connections alive as the SDK's agent expects. */
export const listenOn = async (server: Server, port: number, host: string): Promise<ListeningServer> => {
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const reachable = host !== '0.0.0.0' ? host : '127.0.0.1';
  return {
    url: `http://${reachable}:${bound}`,
    port: bound,
    async closeServer() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
};
